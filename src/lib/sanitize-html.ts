// HTML from other servers (statuses, bios, profile fields) cut down to
// Mastodon's allow-list, Sanitize::Config::MASTODON_STRICT
// (app/lib/sanitize_config.rb), before it is stored:
// - elements p, br, span, a, del, s, pre, blockquote, code, b, strong, u, i,
//   em, ul, ol, li, ruby, rt, rp are kept; any other element is unwrapped (its
//   content kept, with a space around block-level ones, as the Sanitize gem's
//   whitespace elements), except those whose content goes too (script, style,
//   iframe, svg, math, ...); comments and doctypes go;
// - attributes: a[href rel class translate], span[class translate],
//   ol[start reversed], li[value], p[class]; classes only from Mastodon's
//   list (microformats h-, p-, u-, dt-, e-; mention, hashtag, ellipsis,
//   invisible, quote-inline); `translate` only when "no";
// - a link whose href is not of LINK_PROTOCOLS (http, https, dat, dweb, ipfs,
//   ipns, ssb, gopher, xmpp, magnet, gemini), or relative, or missing, becomes
//   its text; every kept link gets rel="nofollow noopener" target="_blank";
// - h1–h6 become <p><strong>…</strong></p>; MathML (FEP-dc88) becomes its
//   TeX or plain-text annotation.
// Pure: no imports from src.
import { ElementType, parseDocument } from "htmlparser2";

type Document = ReturnType<typeof parseDocument>;
type Node = Document["children"][number];
type Element = Extract<Node, { attribs: Record<string, string> }>;
type Text = Extract<Node, { type: typeof ElementType.Text }>;

const isTag = (node: Node): node is Element =>
  node.type === ElementType.Tag ||
  node.type === ElementType.Script ||
  node.type === ElementType.Style;
const isText = (node: Node): node is Text => node.type === ElementType.Text;

const ALLOWED_ELEMENTS = new Set([
  "p",
  "br",
  "span",
  "a",
  "del",
  "s",
  "pre",
  "blockquote",
  "code",
  "b",
  "strong",
  "u",
  "i",
  "em",
  "ul",
  "ol",
  "li",
  "ruby",
  "rt",
  "rp",
]);

const ALLOWED_ATTRIBUTES: Record<string, readonly string[]> = {
  a: ["href", "rel", "class", "translate"],
  span: ["class", "translate"],
  ol: ["start", "reversed"],
  li: ["value"],
  p: ["class"],
};

/** Sanitize::Config::LINK_PROTOCOLS. */
const LINK_PROTOCOLS = new Set([
  "http",
  "https",
  "dat",
  "dweb",
  "ipfs",
  "ipns",
  "ssb",
  "gopher",
  "xmpp",
  "magnet",
  "gemini",
]);

/** The Sanitize gem's default remove_contents: these go with everything inside. */
const REMOVE_CONTENTS = new Set([
  "iframe",
  "math",
  "noembed",
  "noframes",
  "noscript",
  "plaintext",
  "script",
  "style",
  "svg",
  "template",
  "xmp",
]);

/** The Sanitize gem's whitespace elements: unwrapped with a space on either side. */
const WHITESPACE_ELEMENTS = new Set([
  "address",
  "article",
  "aside",
  "blockquote",
  "br",
  "dd",
  "div",
  "dl",
  "dt",
  "footer",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "header",
  "hgroup",
  "hr",
  "li",
  "nav",
  "ol",
  "p",
  "pre",
  "section",
  "ul",
]);

const HEADINGS = new Set(["h1", "h2", "h3", "h4", "h5", "h6"]);

/** Sanitize::REGEX_PROTOCOL: the scheme of an href (entities are decoded already). */
const PROTOCOL = /^\s*([^/#]*?)(?::|&#0*58|&#x0*3a)/i;

/** ALLOWED_CLASS_TRANSFORMER's rules. */
function allowedClass(name: string): boolean {
  return (
    /^(h|p|u|dt|e)-/.test(name) ||
    /^(mention|hashtag)$/.test(name) ||
    /^(ellipsis|invisible)$/.test(name) ||
    name === "quote-inline"
  );
}

const escapeText = (s: string) =>
  s.replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"));
const escapeAttribute = (s: string) =>
  s.replace(/[&<>"]/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&quot;",
  );

/** The text of a node and its descendants, without what would be removed with its content. */
function textOf(node: Node): string {
  if (isText(node)) return node.data;
  if (!isTag(node) || REMOVE_CONTENTS.has(node.name)) return "";
  return node.children.map(textOf).join("");
}

function hrefScheme(href: string | undefined): string | null {
  if (href === undefined) return null;
  const match = PROTOCOL.exec(href);
  return match ? match[1]!.toLowerCase() : null;
}

/** MATH_TRANSFORMER: `<math><semantics>…<annotation encoding=…>` to its annotation. */
function mathText(math: Node): string | null {
  if (!isTag(math)) return null;
  const semantics = math.children.find(isTag);
  if (!semantics || semantics.name !== "semantics") return null;
  const annotation = (encoding: string) =>
    semantics.children.find(
      (c) => isTag(c) && c.name === "annotation" && c.attribs.encoding === encoding,
    );
  const tex = annotation("application/x-tex");
  if (tex) {
    const text = textOf(tex);
    return math.attribs.display === "block" ? `$$${text}$$` : `$${text}$`;
  }
  const plain = annotation("text/plain");
  return plain ? textOf(plain) : null;
}

function attributesOf(name: string, attribs: Record<string, string>): string {
  const allowed = ALLOWED_ATTRIBUTES[name] ?? [];
  const kept: [string, string][] = [];
  for (const [key, raw] of Object.entries(attribs)) {
    if (!allowed.includes(key)) continue;
    let value = raw;
    if (key === "class") {
      value = value
        .split(/[\t\n\f\r ]+/)
        .filter((c) => c !== "" && allowedClass(c))
        .join(" ");
      if (value === "") continue;
    }
    if (key === "translate" && value !== "no") continue;
    kept.push([key, value]);
  }
  if (name === "a") {
    // add_attributes: set whatever the link said.
    const set = (key: string, value: string) => {
      const at = kept.findIndex(([k]) => k === key);
      if (at >= 0) kept[at] = [key, value];
      else kept.push([key, value]);
    };
    set("rel", "nofollow noopener");
    set("target", "_blank");
  }
  return kept.map(([k, v]) => ` ${k}="${escapeAttribute(v)}"`).join("");
}

function render(nodes: readonly Node[], out: string[]): void {
  for (const node of nodes) {
    if (isText(node)) {
      out.push(escapeText(node.data));
      continue;
    }
    // Comments, doctypes, processing instructions, CDATA.
    if (!isTag(node)) continue;
    const name = node.name.toLowerCase();
    if (name === "math") {
      const text = mathText(node);
      if (text !== null) out.push(escapeText(text));
      continue;
    }
    if (REMOVE_CONTENTS.has(name)) continue;
    if (HEADINGS.has(name)) {
      out.push("<p><strong>");
      render(node.children, out);
      out.push("</strong></p>");
      continue;
    }
    if (name === "a") {
      const scheme = hrefScheme(node.attribs.href);
      if (scheme === null || !LINK_PROTOCOLS.has(scheme)) {
        out.push(escapeText(textOf(node)));
        continue;
      }
    }
    if (!ALLOWED_ELEMENTS.has(name)) {
      const space = WHITESPACE_ELEMENTS.has(name) ? " " : "";
      out.push(space);
      render(node.children, out);
      out.push(space);
      continue;
    }
    out.push(`<${name}${attributesOf(name, node.attribs)}>`);
    if (name === "br") continue;
    render(node.children, out);
    out.push(`</${name}>`);
  }
}

/** `html` with only what Mastodon's strict allow-list lets through; "" for nothing. */
export function sanitizeHtml(html: string | null | undefined): string {
  if (!html) return "";
  const document = parseDocument(html, { decodeEntities: true });
  const out: string[] = [];
  render(document.children, out);
  return out.join("");
}

/** The plain text of HTML (tags dropped, entities decoded), e.g. for a field name. */
export function htmlToText(html: string | null | undefined): string {
  if (!html) return "";
  return parseDocument(html, { decodeEntities: true }).children.map(textOf).join("");
}
