// Versions of what a rendered status shows, for the cache of rendered
// statuses (status-cache.ts), and the viewer's own flags on a page.
//
// A version is made of PostgreSQL row versions (`xmin`, the transaction that
// wrote the row, which every UPDATE changes): a status's is its statuses
// row's, which migrations/0140 touches when its media, poll or card change
// (edits update the row itself); an account's joins its accounts and users
// rows and the account it moved to (with that account's users row); the
// epoch (table cache_epochs) changes with the custom emojis and applications
// that many entries show. Reading a page's versions costs index lookups only,
// where rendering it costs PostgreSQL building and Herd parsing and
// stringifying about 70 KB of JSON.
// The same statement says when the viewer's first mute ends (`until`), for
// the cache of rendered pages (page-cache.ts).
import { fillPlaceholders, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { statuses } from "../../db/schema/index.ts";
import type { ViewerFlags } from "./status-loader.ts";

/**
 * The originals that the statuses of `$1` boost. Each read by its primary
 * key through LATERAL … LIMIT 1: as `id = ANY($1) AND reblog_of_id IS NOT
 * NULL`, PostgreSQL AND-ed a bitmap of every boost in the table with the
 * page's (0.16 ms of a 0.35 ms statement, bench/profile.ts --explain).
 */
export const BOOSTED_SQL = `ARRAY(SELECT b.reblog_of_id FROM unnest($1::bigint[]) AS i(id)
    CROSS JOIN LATERAL (SELECT s2.reblog_of_id FROM statuses s2 WHERE s2.id = i.id LIMIT 1) b
    WHERE b.reblog_of_id IS NOT NULL)`;

/** The epoch, as text. */
export const EPOCH_SQL = "(SELECT epoch::text FROM cache_epochs WHERE id = 1)";

/**
 * The version of account `a` (an alias of accounts), given the version of
 * its users row (an SQL text expression, null for remote accounts). The
 * account it moved to counts with its users row: `moved` shows that row's
 * role and `noindex`.
 */
export function accountVersionSql(a: string, userVersion: string): string {
  return `(${a}.xmin::text || '.' || coalesce(${userVersion}, '') || '.' ||
    coalesce((SELECT m.xmin::text || '.' || coalesce((SELECT mu.xmin::text FROM users mu
      WHERE mu.account_id = m.id LIMIT 1), '')
      FROM accounts m WHERE m.id = ${a}.moved_to_account_id), ''))`;
}

/**
 * The viewer's flags on the statuses of `statuses` (a bigint[] expression):
 * a JSON array of [kind, id] pairs, ids of statuses except for `muted`
 * (conversation ids, of `conversations`).
 */
export function viewerFlagsSql(viewer: string, statuses: string, conversations: string): string {
  return `(SELECT json_agg(json_build_array(kind, id)) FROM (
    SELECT 'favourited' AS kind, status_id::text AS id FROM favourites
      WHERE account_id = ${viewer} AND status_id = ANY(${statuses})
    UNION ALL SELECT 'bookmarked', status_id::text FROM bookmarks
      WHERE account_id = ${viewer} AND status_id = ANY(${statuses})
    UNION ALL SELECT 'pinned', status_id::text FROM status_pins
      WHERE account_id = ${viewer} AND status_id = ANY(${statuses})
    UNION ALL SELECT 'reblogged', reblog_of_id::text FROM statuses
      WHERE account_id = ${viewer} AND reblog_of_id = ANY(${statuses})
        AND deleted_at IS NULL
    UNION ALL SELECT 'muted', conversation_id::text FROM conversation_mutes
      WHERE account_id = ${viewer} AND conversation_id = ANY(${conversations})) f)`;
}

/**
 * The versions statement over the statuses of the CTE `page` (id, v,
 * account_id, conversation_id: a page's statuses and the originals they
 * boost, made by `prelude`), for the viewer `viewer` (a bigint expression,
 * null for a visitor); `extra` adds members to its JSON object.
 */
function versionsText(prelude: string, viewer: string, extra = ""): string {
  return `
WITH ${prelude}, k AS (
  SELECT array_agg(id) AS statuses,
    array_agg(DISTINCT account_id) AS authors,
    coalesce(array_agg(DISTINCT conversation_id) FILTER (WHERE conversation_id IS NOT NULL), '{}') AS conversations
  FROM page
)
SELECT json_build_object(${extra}
  'epoch', ${EPOCH_SQL},
  'statuses', (SELECT json_agg(json_build_array(id::text, v)) FROM page),
  'accounts', (SELECT json_agg(json_build_array(a.id::text, ${accountVersionSql(
    "a",
    "(SELECT u.xmin::text FROM users u WHERE u.account_id = a.id LIMIT 1)",
  )}))
    FROM accounts a WHERE a.id = ANY((SELECT authors FROM k)::bigint[])),
  'flags', ${viewerFlagsSql(viewer, "(SELECT statuses FROM k)::bigint[]", "(SELECT conversations FROM k)::bigint[]")},
  'votes', (SELECT json_agg(json_build_array(pl.status_id::text, v.votes)) FROM polls pl
    JOIN LATERAL (SELECT json_agg(v.choice ORDER BY v.id) AS votes FROM poll_votes v
      WHERE v.poll_id = pl.id AND v.account_id = ${viewer}) v ON v.votes IS NOT NULL
    WHERE ${viewer} IS NOT NULL AND pl.status_id = ANY((SELECT statuses FROM k)::bigint[])),
  'until', (SELECT floor(extract(epoch FROM min(mu.expires_at)) * 1000)::bigint FROM mutes mu
    WHERE mu.account_id = ${viewer} AND mu.expires_at > now())
) AS versions`;
}

/** `page` for the statuses of $1. */
const PAGE_BY_IDS = `page AS (
  SELECT s.id, s.xmin::text AS v, s.account_id, s.conversation_id FROM statuses s
  WHERE s.id = ANY($1::bigint[] || ${BOOSTED_SQL})
)`;

/**
 * `page` for the rows of `inner` (the columns of pageColumns, in order), kept
 * in `q` with their order `n`: the rows the caller's statement read already
 * give the versions of the page's statuses, and the originals of its boosts
 * are read by their keys.
 */
const pageOfRows = (inner: string) => `q AS MATERIALIZED (
  SELECT x.*, row_number() OVER () AS n
  FROM (${inner}) AS x(id, v, reblog_of_id, account_id, conversation_id)
), page AS (
  SELECT id, v, account_id, conversation_id FROM q
  UNION ALL
  SELECT s.id, s.xmin::text, s.account_id, s.conversation_id FROM statuses s
  WHERE s.id = ANY(ARRAY(SELECT reblog_of_id FROM q WHERE reblog_of_id IS NOT NULL))
    AND s.id <> ALL(ARRAY(SELECT id FROM q))
)`;

/**
 * What a caller's statement selects for readPageVersions, in this order
 * (its rows are the page: the statuses table must be in its FROM).
 */
export function pageColumns() {
  return {
    id: statuses.id,
    version: sql<string>`${statuses}.xmin::text`,
    reblogOfId: statuses.reblogOfId,
    accountId: statuses.accountId,
    conversationId: statuses.conversationId,
  };
}

/** $1 the ids, $2 the viewer. */
let byIdsText: string | null = null;

export interface PageVersions {
  epoch: string;
  /** By status id, the page's statuses and the originals of its boosts. */
  statuses: Map<string, string>;
  /** By account id, their authors. */
  accounts: Map<string, string>;
  /** Null without a viewer. */
  flags: ViewerFlags | null;
  /** By status id, the viewer's choices in its poll (absent: none). */
  votes: Map<string, number[]>;
  /**
   * When (ms since the epoch, by PostgreSQL's clock) the viewer's first mute
   * ends, which may show what it hid. Null: none will.
   */
  until: number | null;
}

interface VersionsJson {
  /** Only when the statement chose the ids (readPageVersions). */
  ids?: string[] | null;
  epoch: string;
  statuses: [string, string][] | null;
  accounts: [string, string][] | null;
  flags: [keyof ViewerFlags, string][] | null;
  votes: [string, number[]][] | null;
  until: number | string | null;
}

/** The viewer's flags from viewerFlagsSql's [kind, id] pairs. */
export function viewerFlagsOf(pairs: [keyof ViewerFlags, string][] | null): ViewerFlags {
  const flags: ViewerFlags = {
    favourited: new Set(),
    reblogged: new Set(),
    bookmarked: new Set(),
    pinned: new Set(),
    muted: new Set(),
  };
  for (const [kind, id] of pairs ?? []) flags[kind].add(id);
  return flags;
}

function decode(json: VersionsJson, viewerId: string | null): PageVersions {
  const flags = viewerId === null ? null : viewerFlagsOf(json.flags);
  return {
    epoch: json.epoch,
    statuses: new Map(json.statuses ?? []),
    accounts: new Map(json.accounts ?? []),
    flags,
    votes: new Map(json.votes ?? []),
    until: json.until === null || json.until === undefined ? null : Number(json.until),
  };
}

/** The versions of the statuses of `ids` (and of the originals they boost), and `viewerId`'s flags. */
export async function readVersions(
  db: Db,
  ids: string[],
  viewerId: string | null,
): Promise<PageVersions> {
  byIdsText ??= versionsText(PAGE_BY_IDS, "$2::bigint");
  const result = await db.$client.query<{ versions: VersionsJson }>({
    name: "herd_status_versions",
    text: byIdsText,
    values: [ids, viewerId],
  });
  return decode(result.rows[0]!.versions, viewerId);
}

/**
 * A statement that selects a page's rows (pageColumns, in the order shown or
 * its reverse), with its placeholders; `viewer` is added. Named `name`: each connection
 * prepares it once.
 */
export interface IdsStatement {
  name: string;
  query(db: Db): { toSQL(): { sql: string; params: unknown[] } };
}

const composed = new Map<string, { text: string; params: unknown[] }>();

/**
 * The ids that `statement` selects with `values`, and their versions and
 * `viewerId`'s flags, in ONE round trip (bench/profile.ts: on this kind of
 * machine each statement's round trip costs Herd and PostgreSQL about as
 * much as running it).
 */
export async function readPageVersions(
  db: Db,
  statement: IdsStatement,
  values: Record<string, unknown>,
  viewerId: string | null,
): Promise<PageVersions & { ids: string[] }> {
  let made = composed.get(statement.name);
  if (made === undefined) {
    const inner = statement.query(db).toSQL();
    const viewer = `$${inner.params.length + 1}::bigint`;
    made = {
      text: versionsText(
        pageOfRows(inner.sql),
        viewer,
        "'ids', (SELECT coalesce(array_agg(id::text ORDER BY n), '{}') FROM q),",
      ),
      params: [...inner.params, sql.placeholder("viewer")],
    };
    composed.set(statement.name, made);
  }
  const result = await db.$client.query<{ versions: VersionsJson }>({
    name: statement.name,
    text: made.text,
    values: fillPlaceholders(made.params, { ...values, viewer: viewerId }),
  });
  const json = result.rows[0]!.versions;
  return { ...decode(json, viewerId), ids: json.ids ?? [] };
}
