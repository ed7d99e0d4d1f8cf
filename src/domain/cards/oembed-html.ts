// The `html` of preview cards, cut down to Mastodon's
// Sanitize::Config::MASTODON_OEMBED (app/lib/sanitize_config.rb): the media
// elements iframe, video, audio, source and embed with their few attributes
// (src only over http or https), and the plain text elements of the Sanitize
// gem's RELAXED set; other elements are unwrapped (their text kept), and the
// contents of script, style and the like are dropped. Inline `style`
// attributes, which RELAXED keeps after a CSS filter, are dropped entirely.
// Mastodon sanitizes this way when it stores a video oEmbed's html and again
// when it serializes a card; Herd stores it sanitized.
import { Parser } from "htmlparser2";
import { escapeHtml } from "../../lib/html.ts";

const GLOBAL_ATTRIBUTES = ["class", "dir", "lang", "title"];

const ATTRIBUTES: Record<string, readonly string[]> = {
  audio: ["controls"],
  embed: ["height", "src", "type", "width"],
  iframe: ["allowfullscreen", "frameborder", "height", "scrolling", "src", "width"],
  source: ["src", "type"],
  video: ["controls", "height", "loop", "width"],
  a: ["href"],
  img: ["src", "alt", "width", "height"],
  blockquote: ["cite"],
  time: ["datetime"],
  ol: ["start", "reversed", "type"],
  li: ["value"],
  td: ["colspan", "rowspan"],
  th: ["colspan", "rowspan", "scope"],
};

const TEXT_ELEMENTS =
  "a abbr address article aside b bdi bdo blockquote br caption cite code col colgroup data dd " +
  "del dfn div dl dt em figcaption figure footer h1 h2 h3 h4 h5 h6 header hgroup hr i img ins " +
  "kbd li main mark nav ol p pre q rp rt ruby s samp section small span strong sub summary sup " +
  "table tbody td tfoot th thead time tr u ul var wbr";

const ALLOWED = new Set([
  ...TEXT_ELEMENTS.split(" "),
  "audio",
  "embed",
  "iframe",
  "source",
  "video",
]);

/** URL attributes and the protocols they may use. */
const URL_ATTRIBUTES: Record<string, readonly string[]> = {
  src: ["http:", "https:"],
  href: ["http:", "https:", "mailto:"],
  cite: ["http:", "https:"],
};

/** Elements whose content goes with them (the Sanitize gem's remove_contents). */
const DROPPED = new Set([
  "script",
  "style",
  "noembed",
  "noframes",
  "noscript",
  "plaintext",
  "xmp",
  "svg",
  "math",
  "template",
  "textarea",
  "select",
  "object",
  "applet",
  "head",
  "title",
]);

const VOID = new Set(["br", "hr", "img", "embed", "source", "wbr", "col"]);

function allowedUrl(value: string, protocols: readonly string[]): boolean {
  try {
    return protocols.includes(new URL(value.trim()).protocol);
  } catch {
    return false;
  }
}

function attributesOf(name: string, attribs: Record<string, string>): string {
  const allowed = [...GLOBAL_ATTRIBUTES, ...(ATTRIBUTES[name] ?? [])];
  let out = "";
  for (const key of allowed) {
    const value = attribs[key];
    if (value === undefined) continue;
    const protocols = URL_ATTRIBUTES[key];
    if (protocols && !allowedUrl(value, protocols)) continue;
    out += ` ${key}="${escapeHtml(value)}"`;
  }
  return out;
}

/** `html` cut down to MASTODON_OEMBED. */
export function sanitizeOembedHtml(html: string): string {
  let out = "";
  let dropDepth = 0;
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (dropDepth > 0 || DROPPED.has(name)) {
          dropDepth++;
          return;
        }
        if (ALLOWED.has(name)) out += `<${name}${attributesOf(name, attribs)}>`;
      },
      ontext(text) {
        if (dropDepth === 0) out += escapeHtml(text);
      },
      onclosetag(name) {
        if (dropDepth > 0) {
          dropDepth--;
          return;
        }
        if (ALLOWED.has(name) && !VOID.has(name)) out += `</${name}>`;
      },
    },
    { decodeEntities: true, recognizeSelfClosing: true },
  );
  parser.write(html);
  parser.end();
  return out;
}

/**
 * The player of a `twitter:player` page, as LinkDetailsExtractor#html makes
 * it (attributes outside the allow-list left out).
 */
export function iframeHtml(src: string, width: number, height: number): string {
  return sanitizeOembedHtml(
    `<iframe src="${escapeHtml(src)}" width="${width}" height="${height}" allowfullscreen="true" scrolling="no" frameborder="0"></iframe>`,
  );
}
