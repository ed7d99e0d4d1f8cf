// The status search syntax of Mastodon 4.2+ (SearchQueryParser and
// SearchQueryTransformer; https://docs.joinmastodon.org/user/network/#search-operators
// is the user's view of it): words, "quoted phrases" and #hashtags, each
// required, or excluded with a leading `-` (`+` is the default), and the
// prefix operators `has:`, `is:`, `language:`, `from:`, `before:`, `after:`,
// `during:` and `in:`. An unknown prefix (`foo:bar`) is an ordinary word, an
// unclosed quote is dropped. Pure: reading what the operators name (accounts,
// dates) is the caller's job.

export const PREFIXES = [
  "has",
  "is",
  "language",
  "from",
  "before",
  "after",
  "during",
  "in",
] as const;
export type Prefix = (typeof PREFIXES)[number];

export type Clause =
  /** A word (`phrase` false) or a quoted phrase; `#name` words are hashtags. */
  | { kind: "text"; negated: boolean; text: string; phrase: boolean }
  | { kind: "prefix"; negated: boolean; prefix: Prefix; term: string };

/** SearchService::QUOTE_EQUIVALENT_CHARACTERS, read as `"`. */
const QUOTE_EQUIVALENTS = /[“”„«»「」『』《》]/g;

const PREFIX_RE = new RegExp(`^(${PREFIXES.join("|")}):`, "i");

/** The query as SearchService reads it: trimmed, quote look-alikes made `"`. */
export function normalizeQuery(q: string): string {
  return q.trim().replace(QUOTE_EQUIVALENTS, '"');
}

/** The clauses of a status search query, in order. */
export function parseQuery(q: string): Clause[] {
  const clauses: Clause[] = [];
  let rest = normalizeQuery(q);
  while (rest !== "") {
    rest = rest.replace(/^\s+/, "");
    if (rest === "") break;
    let negated = false;
    if (/^[+-]\S/.test(rest)) {
      negated = rest[0] === "-";
      rest = rest.slice(1);
    }
    let prefix: Prefix | null = null;
    const p = PREFIX_RE.exec(rest);
    if (p) {
      prefix = p[1]!.toLowerCase() as Prefix;
      rest = rest.slice(p[0].length);
    }
    let term: string;
    let phrase = false;
    if (rest.startsWith('"')) {
      const end = rest.indexOf('"', 1);
      if (end === -1) {
        // An unclosed quote is junk: skip it and read on.
        rest = rest.slice(1);
        continue;
      }
      term = rest.slice(1, end).trim().replace(/\s+/g, " ");
      phrase = true;
      rest = rest.slice(end + 1);
    } else {
      const m = /^\S*/.exec(rest)!;
      term = m[0];
      rest = rest.slice(term.length);
    }
    if (term === "") continue;
    if (prefix) clauses.push({ kind: "prefix", negated, prefix, term });
    else clauses.push({ kind: "text", negated, text: term, phrase });
  }
  return clauses;
}
