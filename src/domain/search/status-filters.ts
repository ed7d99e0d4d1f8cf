// What a status search query asks for, read from its clauses
// (query-syntax.ts) as Mastodon's SearchQueryTransformer reads them, in the
// shape statuses.ts sends to PostgreSQL: lists and bounds rather than one SQL
// fragment per clause, so that every search is one of two statements
// whatever the query (Herd prepares each distinct statement once).
import { sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { textArray } from "../../lib/pg-arrays.ts";
import { unprocessable } from "../errors.ts";
import { isSupportedLanguage } from "../statuses/languages.ts";
import { normalizeTagName } from "../statuses/tags.ts";
import type { Clause } from "./query-syntax.ts";

export interface StatusFilters {
  /** Words and phrases that must (not) appear in the text. */
  terms: string[];
  phrases: string[];
  notTerms: string[];
  notPhrases: string[];
  /** Normalised hashtag names the status must (not) carry. */
  tags: string[];
  notTags: string[];
  /** Account ids the status must (not) be by ("-1": an account that does not exist). */
  fromIds: string[];
  notFromIds: string[];
  languages: string[];
  notLanguages: string[];
  reply: boolean;
  notReply: boolean;
  sensitive: boolean;
  notSensitive: boolean;
  /** `has:` properties the status must (not) have: media, image, video, audio, poll. */
  properties: string[];
  notProperties: string[];
  /** A property no Herd status has yet (links, embeds, quotes): nothing matches. */
  impossible: boolean;
  /** created_at within [since, until), and outside each of `excluded`. */
  since: string;
  until: string;
  excluded: [string, string][];
  /** `in:library`, `in:public`, or both (the default). */
  library: boolean;
  public: boolean;
}

/** Whether the filters hold any condition on the text itself. */
export const hasText = (f: StatusFilters) =>
  f.terms.length + f.phrases.length + f.notTerms.length + f.notPhrases.length > 0;

export interface FilterContext {
  db: Db;
  viewerId: string;
  localDomains: readonly string[];
}

/** The `has:` properties of media and polls (status-media.ts#hasProperty). */
const SEARCHABLE_PROPERTIES: readonly string[] = ["media", "image", "video", "audio", "poll"];

/** TermValidator: `yyyy-MM-dd` or milliseconds since the epoch. */
const STRICT_DATE = /^\d{4}-\d{2}-\d{2}$/;
const EPOCH_MILLIS = /^\d{1,19}$/;
const DAY = 86_400_000;
/** The largest instant a JavaScript Date holds. */
const MAX_MS = 8.64e15;

/** An instant as PostgreSQL reads it, `micro` microseconds after `ms`. */
function instant(ms: number, micro = 0): string {
  if (ms >= MAX_MS) return "infinity";
  const iso = new Date(ms).toISOString();
  return iso.replace(/Z$/, `${String(micro).padStart(3, "0")}Z`);
}

/**
 * The [from, to) range of a date operator, as Elasticsearch reads a range
 * of `created_at` against a date without a time: `before:` the day starts,
 * `after:` the day ends, `during:` the day itself (in UTC: Herd keeps no
 * time zone for its users); an epoch instant is exact.
 */
function dateRange(prefix: "before" | "after" | "during", term: string): [string, string] {
  if (EPOCH_MILLIS.test(term)) {
    const ms = Math.min(Number(term), MAX_MS);
    if (prefix === "before") return ["-infinity", instant(ms)];
    if (prefix === "after") return [instant(ms, 1), "infinity"];
    return [instant(ms), instant(ms + 1)];
  }
  const day = STRICT_DATE.test(term) ? Date.parse(`${term}T00:00:00Z`) : NaN;
  if (Number.isNaN(day) || new Date(day).toISOString().slice(0, 10) !== term) {
    // Mastodon::FilterValidationError, a 422.
    throw unprocessable(`Invalid date ${term}`);
  }
  if (prefix === "before") return ["-infinity", instant(day)];
  if (prefix === "after") return [instant(day + DAY), "infinity"];
  return [instant(day), instant(day + DAY)];
}

/** PrefixClause#language_code_from_term: as given, lower case, or without its region. */
function languageCode(term: string): string {
  for (const code of [term, term.toLowerCase(), (term.split(/[_-]/)[0] ?? "").toLowerCase()]) {
    if (isSupportedLanguage(code)) return code;
  }
  return term;
}

/** `@user`, `user@domain` or `me`, as PrefixClause#account_id_from_term names accounts. */
async function accountIds(ctx: FilterContext, terms: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const wanted: [string, string, string][] = [];
  for (const term of new Set(terms)) {
    if (term === "me") {
      found.set(term, ctx.viewerId);
      continue;
    }
    const [username = "", domain = ""] = term.replace(/^@/, "").split("@");
    const local =
      domain === "" || ctx.localDomains.some((d) => d.toLowerCase() === domain.toLowerCase());
    wanted.push([term, username.toLowerCase(), local ? "" : domain.toLowerCase()]);
  }
  if (wanted.length > 0) {
    // One account per name (the unique index accounts_username_domain).
    const rows = await ctx.db.execute<{ id: string; u: string; d: string }>(sql`
      SELECT a.id::text AS id, lower(a.username) AS u, coalesce(lower(a.domain), '') AS d
      FROM accounts a
      WHERE (lower(a.username), coalesce(lower(a.domain), '')) IN (
        SELECT w.u, w.d FROM unnest(${textArray(wanted.map((w) => w[1]))}::text[],
                                    ${textArray(wanted.map((w) => w[2]))}::text[]) AS w(u, d))`);
    const byName = new Map(rows.rows.map((r) => [`${r.u}@${r.d}`, r.id]));
    for (const [term, u, d] of wanted) {
      const id = byName.get(`${u}@${d}`);
      if (id) found.set(term, id);
    }
  }
  return found;
}

/**
 * The filters of `clauses`. `fromIds` may already hold the account of the
 * `account_id` parameter (Mastodon turns it into a `from:` operator).
 * Throws a 422 for a date it cannot read.
 */
export async function statusFilters(
  ctx: FilterContext,
  clauses: readonly Clause[],
  fromIds: string[] = [],
): Promise<StatusFilters> {
  const f: StatusFilters = {
    terms: [],
    phrases: [],
    notTerms: [],
    notPhrases: [],
    tags: [],
    notTags: [],
    fromIds: [...fromIds],
    notFromIds: [],
    languages: [],
    notLanguages: [],
    reply: false,
    notReply: false,
    sensitive: false,
    notSensitive: false,
    properties: [],
    notProperties: [],
    impossible: false,
    since: "-infinity",
    until: "infinity",
    excluded: [],
    library: true,
    public: true,
  };
  const ids = await accountIds(
    ctx,
    clauses.flatMap((c) => (c.kind === "prefix" && c.prefix === "from" ? [c.term] : [])),
  );
  for (const c of clauses) {
    if (c.kind === "text") {
      if (!c.phrase && c.text.startsWith("#")) {
        // A hashtag without a valid name can match no tag.
        const name = normalizeTagName(c.text.slice(1));
        if (c.negated) {
          if (name !== "") f.notTags.push(name);
        } else f.tags.push(name);
      } else if (c.phrase) (c.negated ? f.notPhrases : f.phrases).push(c.text);
      else (c.negated ? f.notTerms : f.terms).push(c.text);
      continue;
    }
    const { prefix, term, negated } = c;
    switch (prefix) {
      case "in":
        // A flag, not a filter: the last one wins, a minus sign means nothing.
        f.library = term !== "public";
        f.public = term !== "library";
        break;
      case "from":
        (negated ? f.notFromIds : f.fromIds).push(ids.get(term) ?? "-1");
        break;
      case "language":
        (negated ? f.notLanguages : f.languages).push(languageCode(term));
        break;
      case "has":
      case "is":
        if (term === "reply") f[negated ? "notReply" : "reply"] = true;
        else if (term === "sensitive") f[negated ? "notSensitive" : "sensitive"] = true;
        // Status#searchable_properties that Herd's statuses can have.
        else if (SEARCHABLE_PROPERTIES.includes(term)) {
          (negated ? f.notProperties : f.properties).push(term);
        }
        // Links, embeds, quotes: no status has them yet.
        else if (!negated) f.impossible = true;
        break;
      default: {
        const [from, to] = dateRange(prefix, term);
        if (negated) f.excluded.push([from, to]);
        else {
          f.since = maxInstant(f.since, from);
          f.until = minInstant(f.until, to);
        }
      }
    }
  }
  return f;
}

const maxInstant = (a: string, b: string) =>
  a === "-infinity" ? b : b === "-infinity" ? a : a > b ? a : b;
const minInstant = (a: string, b: string) =>
  a === "infinity" ? b : b === "infinity" ? a : a < b ? a : b;
