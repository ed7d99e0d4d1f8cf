// Plain text to HTML as Mastodon's TextFormatter (app/lib/text_formatter.rb)
// renders local bios and profile field values: the text is escaped; http(s)
// URLs, #hashtags and @mentions become links; with `multiline`, blank lines
// make paragraphs and single newlines <br /> (Rails' simple_format).
// Entities are found as Mastodon's Extractor finds them (twitter-text with
// Mastodon's own hashtag and mention patterns, URLs only with a protocol);
// where one overlaps an earlier one, the earlier wins.
// Pure: mentions are resolved by a function the caller gives.
import { escapeHtml } from "./html.ts";

export interface MentionTarget {
  /** The username as stored, shown in the link. */
  username: string;
  /** The profile page the mention links to. */
  url: string;
}

export interface TextToHtmlOptions {
  /** The URL of a hashtag's page. */
  tagUrl(name: string): string;
  /** The account a mention names (domain null: local), or null to leave it as text. */
  mention?(username: string, domain: string | null): MentionTarget | null;
  /** Domains that mean "this server" in @user@domain (LOCAL_DOMAIN, WEB_DOMAIN). */
  localDomains?: readonly string[];
  /** Paragraphs and line breaks (default true); profile field values are single-line. */
  multiline?: boolean;
  /** Adds rel="me" to links, as on profile field values. */
  relMe?: boolean;
}

type Entity =
  | { kind: "url"; start: number; end: number; url: string }
  | { kind: "hashtag"; start: number; end: number; name: string }
  | { kind: "mention"; start: number; end: number; screenName: string };

// --- URLs (twitter-text's valid_url with a required protocol).

// A URL may not follow a letter or digit of the Latin alphabet, or @ $ #.
const URL_RE =
  /(?<![A-Za-z0-9@＠$#＃\u202A-\u202E])https?:\/\/(?:[\p{L}\p{N}\p{M}_-]+\.)+[\p{L}\p{M}]{2,}(?::\d{1,5})?(?:[/?#][^\s<>"{}\\^`\u3000-\u303F\uFF01-\uFF0F]*)?/giu;
const URL_END_RE = /[\p{L}\p{N}\p{M}=_#/+\-&)]/u;

function countOf(s: string, ch: string): number {
  let n = 0;
  for (const c of s) if (c === ch) n++;
  return n;
}

/** Trims what cannot end a URL: trailing punctuation and unbalanced closing parentheses. */
function trimUrl(url: string): string {
  let u = url;
  for (;;) {
    const last = u.at(-1) ?? "";
    if (last === ")" && countOf(u, "(") < countOf(u, ")")) {
      u = u.slice(0, -1);
    } else if (!URL_END_RE.test(last) && /[/?#]/.test(u.slice(u.indexOf("//") + 2))) {
      u = u.slice(0, -1);
    } else {
      return u;
    }
  }
}

function extractUrls(text: string): Entity[] {
  const out: Entity[] = [];
  for (const m of text.matchAll(URL_RE)) {
    const url = trimUrl(m[0]);
    out.push({ kind: "url", start: m.index, end: m.index + url.length, url });
  }
  return out;
}

// --- Hashtags (Mastodon's Tag::HASHTAG_RE): at least one letter; not after
// `=`, `/`, `)` or a letter or digit.

const SEP = "_\\u00B7\\u30FB\\u200C";
const WORD = "\\p{L}\\p{M}\\p{Nd}\\p{Pc}";
const ALPHA = "\\p{Alphabetic}";
const HASHTAG_FIRST = `[${WORD}_][${WORD}${SEP}]*[${ALPHA}${SEP}][${WORD}${SEP}]*[${WORD}_]`;
const HASHTAG_LAST = `[${WORD}_]*[${ALPHA}][${WORD}_]*`;
const HASHTAG_RE = new RegExp(
  `(?<![=/)\\p{Alphabetic}\\p{Nd}])#(${HASHTAG_FIRST}|${HASHTAG_LAST})`,
  "giu",
);

function extractHashtags(text: string): Entity[] {
  const out: Entity[] = [];
  for (const m of text.matchAll(HASHTAG_RE)) {
    let name = m[1] ?? "";
    const start = m.index;
    // "#tag" glued to a URL ("#foohttps://..."): the protocol is not part of it.
    if (text.startsWith("://", start + 1 + name.length)) {
      const cut = /^(.+?)(https?)$/u.exec(name);
      if (cut) name = cut[1] ?? name;
    }
    out.push({ kind: "hashtag", start, end: start + 1 + name.length, name });
  }
  return out;
}

// --- Mentions (Mastodon's Account::MENTION_RE): @user or @user@domain, not
// after `=`, `/` or a word character, and not followed by @ or "://". Unlike
// Mastodon's, the domain may carry a port (`@alice@localhost:3001`), so that
// Herds run side by side for development can mention each other (README).

const MENTION_RE = new RegExp(
  `(?<![=/${WORD}])@([a-z0-9_]+(?:[.-]+[a-z0-9_]+)*(?:@[${WORD}]+(?:[.-]+[${WORD}]+)*(?::\\d{1,5}(?!\\d))?)?)`,
  "giu",
);
const MENTION_AFTER_RE = /^(?:[@＠]|:\/\/|[\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF])/u;

function extractMentionEntities(text: string): Entity[] {
  const out: Entity[] = [];
  for (const m of text.matchAll(MENTION_RE)) {
    const screenName = m[1] ?? "";
    const end = m.index + 1 + screenName.length;
    if (MENTION_AFTER_RE.test(text.slice(end))) continue;
    out.push({ kind: "mention", start: m.index, end, screenName });
  }
  return out;
}

/** All entities, ordered, without overlaps (twitter-text's remove_overlapping_entities). */
function entitiesOf(text: string): Entity[] {
  const all = [...extractUrls(text), ...extractHashtags(text), ...extractMentionEntities(text)];
  all.sort((a, b) => a.start - b.start);
  const kept: Entity[] = [];
  let end = 0;
  for (const e of all) {
    if (e.start < end) continue;
    kept.push(e);
    end = e.end;
  }
  return kept;
}

function isLocal(domain: string | undefined, localDomains: readonly string[]): boolean {
  return (
    domain === undefined ||
    domain === "" ||
    localDomains.some((d) => d.toLowerCase() === domain.toLowerCase())
  );
}

function splitScreenName(
  screenName: string,
  localDomains: readonly string[],
): { username: string; domain: string | null } {
  const [username = "", domain] = screenName.split("@");
  return { username, domain: isLocal(domain, localDomains) ? null : domain!.toLowerCase() };
}

/** The accounts a text mentions, as (username, domain) with domain null for local ones. */
export function extractMentions(
  text: string,
  localDomains: readonly string[] = [],
): { username: string; domain: string | null }[] {
  const seen = new Set<string>();
  const out: { username: string; domain: string | null }[] = [];
  for (const e of entitiesOf(text)) {
    if (e.kind !== "mention") continue;
    const m = splitScreenName(e.screenName, localDomains);
    const key = `${m.username.toLowerCase()}@${m.domain ?? ""}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(m);
  }
  return out;
}

/** A mention as found in a text: where it is and whom it names (domain null: local). */
export interface MentionMatch {
  start: number;
  end: number;
  /** What follows the @, as written. */
  screenName: string;
  username: string;
  domain: string | null;
}

/** Every mention of a text with its position, in order (duplicates kept). */
export function findMentions(text: string, localDomains: readonly string[] = []): MentionMatch[] {
  return entitiesOf(text)
    .filter((e) => e.kind === "mention")
    .map((e) => ({
      start: e.start,
      end: e.end,
      screenName: e.screenName,
      ...splitScreenName(e.screenName, localDomains),
    }));
}

/** The hashtags of a text, as written (without `#`), in order (Extractor.extract_hashtags). */
export function extractHashtagNames(text: string): string[] {
  return entitiesOf(text)
    .filter((e) => e.kind === "hashtag")
    .map((e) => e.name);
}

const DEFAULT_REL = "nofollow noopener noreferrer";
const URL_PREFIX_RE = /^(https?:\/\/(www\.)?|xmpp:)/;

/** A link showing the URL without its scheme, cut after 30 characters (TextFormatter.shortened_link). */
export function shortenedLink(url: string, relMe = false): string {
  const prefix = URL_PREFIX_RE.exec(url)?.[0] ?? "";
  // Ruby counts characters, not UTF-16 units.
  const rest = Array.from(url.slice(prefix.length));
  const display = rest.slice(0, 30).join("");
  const suffix = rest.slice(30).join("");
  const cutoff = rest.length > 30;
  const rel = relMe ? `${DEFAULT_REL} me` : DEFAULT_REL;
  return (
    `<a href="${escapeHtml(url)}" target="_blank" rel="${rel}" translate="no">` +
    `<span class="invisible">${escapeHtml(prefix)}</span>` +
    `<span class="${cutoff ? "ellipsis" : ""}">${escapeHtml(display)}</span>` +
    `<span class="invisible">${escapeHtml(suffix)}</span></a>`
  );
}

/** Rails' simple_format, with the newlines removed afterwards as Mastodon does. */
function simpleFormat(html: string): string {
  const paragraphs = html.replace(/\r\n?/g, "\n").split(/\n\n+/);
  // Ruby's String#split drops trailing empty strings.
  while (paragraphs.length > 1 && paragraphs.at(-1) === "") paragraphs.pop();
  return paragraphs
    .map((p) => `<p>${p.replace(/([^\n]\n)(?=[^\n])/g, "$1<br />")}</p>`)
    .join("")
    .replaceAll("\n", "");
}

/** Renders plain text as Mastodon renders a local account's bio or field value. */
export function textToHtml(text: string, options: TextToHtmlOptions): string {
  if (/^\s*$/u.test(text)) return "";
  const localDomains = options.localDomains ?? [];
  let html = "";
  let last = 0;
  for (const e of entitiesOf(text)) {
    html += escapeHtml(text.slice(last, e.start));
    if (e.kind === "url") {
      html += shortenedLink(e.url, options.relMe);
    } else if (e.kind === "hashtag") {
      html +=
        `<a href="${escapeHtml(options.tagUrl(e.name))}" class="mention hashtag" rel="tag">` +
        `#<span>${escapeHtml(e.name)}</span></a>`;
    } else {
      const { username, domain } = splitScreenName(e.screenName, localDomains);
      const target = options.mention?.(username, domain) ?? null;
      html += target
        ? `<span class="h-card" translate="no"><a href="${escapeHtml(target.url)}" class="u-url mention">` +
          `@<span>${escapeHtml(target.username)}</span></a></span>`
        : `@${escapeHtml(e.screenName)}`;
    }
    last = e.end;
  }
  html += escapeHtml(text.slice(last));
  return options.multiline === false ? html : simpleFormat(html);
}

/**
 * The length Mastodon's NoteLengthValidator counts: URLs as 23 characters,
 * remote mentions without their domain, in grapheme clusters.
 */
export function countableLength(text: string): number {
  const countable = text
    .replace(URL_RE, (m) => "x".repeat(23) + m.slice(trimUrl(m).length))
    .replace(MENTION_RE, (_m, screenName: string) => `@${screenName.split("@")[0]}`);
  const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
  let n = 0;
  for (const _ of segmenter.segment(countable)) n++;
  return n;
}
