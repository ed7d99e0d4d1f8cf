// Full-text search of statuses in PostgreSQL, with the semantics Mastodon
// 4.2+ has with Elasticsearch (StatusesSearchService, SearchQueryTransformer,
// StatusesIndex and PublicStatusesIndex):
// - what may be found: the viewer's library (their own statuses, those they
//   favourited, bookmarked or boosted, or are mentioned in: Status#searchable_by)
//   and the public statuses of accounts that opted in to search (`indexable`);
//   `in:library` and `in:public` keep one of the two. Never boosts or deleted
//   statuses;
// - then the single privacy policy (statusVisibleTo) and the viewer's blocks
//   and mutes (notHiddenBy), as Mastodon's StatusFilter, in the same query;
// - newest first, `limit` and `offset`, `min_id` and `max_id` as bounds.
// Text is matched with the `simple` configuration (lower case, no stemming,
// every language alike) over the content warning and the text, with the
// GIN index of migration 0010 (whose expression is SEARCH_DOCUMENT).
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { pgErrorCode } from "../../db/errors.ts";
import { textArray } from "../../lib/pg-arrays.ts";
import { hasProperty } from "../statuses/status-media.ts";
import { notHiddenBy, statusVisibleTo } from "../statuses/visibility.ts";
import { hasText, type StatusFilters } from "./status-filters.ts";

/**
 * The searchable text of a status: its content warning and its source text
 * (the HTML content without tags for statuses that have no source, as remote
 * ones). Must stay the expression of the index `statuses_search`.
 */
export const SEARCH_DOCUMENT = sql.raw(
  `to_tsvector('simple'::regconfig, statuses.spoiler_text || ' ' || CASE WHEN statuses.text <> '' ` +
    `THEN statuses.text ELSE regexp_replace(statuses.content, '<[^>]*>', ' ', 'g') END)`,
);

/** The largest id (bigint). */
const MAX_ID = "9223372036854775807";

export interface StatusSearch {
  viewerId: string;
  filters: StatusFilters;
  limit: number;
  offset: number;
  minId: string | null;
  maxId: string | null;
}

/** One tsquery ANDing every word, phrase and excluded word or phrase that has a lexeme (null: none has). */
function textQuery(f: StatusFilters): SQL {
  const list = (values: string[]) => sql`unnest(${textArray(values)}::text[])`;
  return sql`(SELECT string_agg('(' || parts.q::text || ')', ' & ')::tsquery FROM (
      SELECT plainto_tsquery('simple', t) AS q FROM ${list(f.terms)} AS t
      UNION ALL SELECT phraseto_tsquery('simple', t) FROM ${list(f.phrases)} AS t
      UNION ALL SELECT !! plainto_tsquery('simple', t) FROM ${list(f.notTerms)} AS t
      UNION ALL SELECT !! phraseto_tsquery('simple', t) FROM ${list(f.notPhrases)} AS t
    ) AS parts WHERE numnode(parts.q) > 0)`;
}

/** Status#searchable_by: the statuses in the viewer's library. */
function library(v: SQL): SQL {
  return sql`((statuses.account_id = ${v} AND statuses.local)
    OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = statuses.id AND m.account_id = ${v} AND NOT m.silent)
    OR EXISTS (SELECT 1 FROM favourites fa WHERE fa.status_id = statuses.id AND fa.account_id = ${v})
    OR EXISTS (SELECT 1 FROM bookmarks bo WHERE bo.status_id = statuses.id AND bo.account_id = ${v})
    OR EXISTS (SELECT 1 FROM statuses rb WHERE rb.reblog_of_id = statuses.id AND rb.account_id = ${v}
               AND rb.deleted_at IS NULL))`;
}

/** Status.indexable (PublicStatusesIndex): public statuses of accounts that allow search. */
const PUBLIC_INDEX = sql`(statuses.visibility = 'public' AND EXISTS (
  SELECT 1 FROM accounts ia WHERE ia.id = statuses.account_id AND ia.indexable))`;

const REPLY = sql`(statuses.in_reply_to_id IS NOT NULL OR statuses.in_reply_to_account_id IS NOT NULL)`;

/** Whether status `statuses` carries the tag named by `name` (an SQL text). */
const tagged = (
  name: SQL,
) => sql`EXISTS (SELECT 1 FROM statuses_tags st JOIN tags tg ON tg.id = st.tag_id
  WHERE st.status_id = statuses.id AND tg.name = ${name})`;

/** SearchService's Elasticsearch timeout (ES_QUERY_TIMEOUT); past it a search finds nothing. */
const TIMEOUT_MS = 10_000;

/**
 * The ids of one page of matching statuses the viewer may see, newest first.
 * The text query is made first, so that the planner sees it: a rare word is
 * looked up in the full-text index, a common one read newest first until the
 * page is full (a plan kept from one to the other could take seconds).
 */
export async function searchStatusIds(db: Db, s: StatusSearch): Promise<string[]> {
  const f = s.filters;
  if (f.impossible || s.limit <= 0 || (!f.library && !f.public)) return [];
  let tsquery: string | null = null;
  if (hasText(f)) {
    const made = await db.execute<{ q: string | null }>(sql`SELECT ${textQuery(f)}::text AS q`);
    tsquery = made.rows[0]?.q ?? null;
    // Words without letters or digits: nothing to look for (Elasticsearch's zero_terms_query).
    if (tsquery === null) return [];
  }
  try {
    return await db.transaction(async (tx) => {
      await tx.execute(sql.raw(`SET LOCAL plan_cache_mode = force_custom_plan`));
      await tx.execute(sql.raw(`SET LOCAL statement_timeout = ${TIMEOUT_MS}`));
      const result = await tx.execute<{ id: string }>(statusSearchQuery(s, tsquery));
      return result.rows.map((r) => r.id);
    });
  } catch (error) {
    if (pgErrorCode(error) === "57014") return [];
    throw error;
  }
}

/**
 * The statement of searchStatusIds, one of two shapes whatever the query
 * (with or without `tsquery`, the text query as PostgreSQL prints it).
 */
export function statusSearchQuery(s: StatusSearch, tsquery: string | null): SQL {
  const f = s.filters;
  const v = sql`${s.viewerId}::bigint`;
  const text = tsquery === null ? sql`` : sql`AND ${SEARCH_DOCUMENT} @@ ${tsquery}::tsquery`;
  return sql`
    SELECT statuses.id::text AS id FROM statuses
    WHERE statuses.deleted_at IS NULL AND statuses.reblog_of_id IS NULL
      ${text}
      AND ((${f.library}::boolean AND ${library(v)}) OR (${f.public}::boolean AND ${PUBLIC_INDEX}))
      AND NOT EXISTS (SELECT 1 FROM unnest(${textArray(f.tags)}::text[]) AS n(name)
                      WHERE NOT ${tagged(sql`n.name`)})
      AND NOT ${tagged(sql`ANY(${textArray(f.notTags)}::text[])`)}
      AND statuses.account_id = ALL(${textArray(f.fromIds)}::bigint[])
      AND statuses.account_id <> ALL(${textArray(f.notFromIds)}::bigint[])
      AND statuses.language = ALL(${textArray(f.languages)}::text[])
      AND (statuses.language = ANY(${textArray(f.notLanguages)}::text[])) IS NOT TRUE
      AND (NOT ${f.reply}::boolean OR ${REPLY}) AND (NOT ${f.notReply}::boolean OR NOT ${REPLY})
      AND (NOT ${f.sensitive}::boolean OR statuses.sensitive)
      AND (NOT ${f.notSensitive}::boolean OR NOT statuses.sensitive)
      AND NOT EXISTS (SELECT 1 FROM unnest(${textArray(f.properties)}::text[]) AS pr(name)
                      WHERE NOT ${hasProperty(sql`statuses`, sql`pr.name`)})
      AND NOT EXISTS (SELECT 1 FROM unnest(${textArray(f.notProperties)}::text[]) AS pr(name)
                      WHERE ${hasProperty(sql`statuses`, sql`pr.name`)})
      AND statuses.created_at >= ${f.since}::timestamptz AND statuses.created_at < ${f.until}::timestamptz
      AND NOT EXISTS (SELECT 1 FROM unnest(${textArray(f.excluded.map((r) => r[0]))}::timestamptz[],
                                           ${textArray(f.excluded.map((r) => r[1]))}::timestamptz[]) AS r(f, t)
                      WHERE statuses.created_at >= r.f AND statuses.created_at < r.t)
      AND statuses.id > ${s.minId ?? "0"}::bigint AND statuses.id < ${s.maxId ?? MAX_ID}::bigint
      AND ${statusVisibleTo(s.viewerId)} AND ${notHiddenBy(s.viewerId)}
    ORDER BY statuses.id DESC
    LIMIT ${s.limit} OFFSET ${s.offset}`;
}
