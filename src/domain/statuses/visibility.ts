// Who may see a status: the single source of truth for every read path
// (statuses, context, account statuses, timelines, bookmarks, favourites,
// notifications, conversations, search). Mirrors Mastodon's StatusPolicy#show?:
// - direct: the author and the mentioned accounts;
// - private: the author, their followers and the mentioned accounts;
// - public and unlisted: everyone, except accounts the author blocks (or whose
//   domain the author blocks);
// - nothing of a suspended author, nothing deleted.
// A boost is visible when both it and the boosted status are.
// Hiding what the *viewer* blocks or mutes from lists and timelines is a
// separate filter (`notHiddenBy`), as in Mastodon's timeline filters.
import { sql, type SQL } from "drizzle-orm";
import { statuses } from "../../db/schema/index.ts";

/** SQL expressions for the columns of the status row being checked. */
interface StatusColumns {
  id: SQL;
  accountId: SQL;
  visibility: SQL;
  deletedAt: SQL;
}

const row: StatusColumns = {
  id: sql`${statuses.id}`,
  accountId: sql`${statuses.accountId}`,
  visibility: sql`${statuses.visibility}`,
  deletedAt: sql`${statuses.deletedAt}`,
};

const boosted: StatusColumns = {
  id: sql.raw("o.id"),
  accountId: sql.raw("o.account_id"),
  visibility: sql.raw("o.visibility"),
  deletedAt: sql.raw("o.deleted_at"),
};

/**
 * Who looks: an account id, or an SQL expression yielding one (a column of
 * `unnest(...)`, so that one query checks a status for many viewers, as the
 * streaming API does for each event).
 */
export type Viewer = string | SQL;

const viewerSql = (viewer: Viewer): SQL =>
  typeof viewer === "string" ? sql`${viewer}::bigint` : viewer;

/** The policy for one status row (by its columns). */
function policy(s: StatusColumns, viewerId: Viewer | null): SQL {
  const author = sql`(SELECT a.suspended_at IS NULL FROM accounts a WHERE a.id = ${s.accountId})`;
  if (viewerId === null) {
    return sql`(${s.deletedAt} IS NULL AND ${s.visibility} IN ('public', 'unlisted') AND ${author})`;
  }
  const v = viewerSql(viewerId);
  const mentioned = sql`EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = ${s.id} AND m.account_id = ${v})`;
  const follows = sql`EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ${v} AND f.target_account_id = ${s.accountId})`;
  const blocked = sql`EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = ${s.accountId} AND b.target_account_id = ${v})`;
  const domainBlocked = sql`EXISTS (SELECT 1 FROM account_domain_blocks d JOIN accounts va ON va.id = ${v}
    WHERE d.account_id = ${s.accountId} AND va.domain IS NOT NULL AND d.domain = va.domain)`;
  return sql`(${s.deletedAt} IS NULL AND ${author} AND (
    ${s.accountId} = ${v}
    OR (${s.visibility} IN ('public', 'unlisted') AND NOT ${blocked} AND NOT ${domainBlocked})
    OR (${s.visibility} = 'private' AND (${follows} OR ${mentioned}))
    OR (${s.visibility} = 'direct' AND ${mentioned})
  ))`;
}

/**
 * A WHERE condition: the `statuses` row is visible to `viewerId` (null: a
 * visitor without a token). For a boost, the boosted status must be visible too.
 */
export function statusVisibleTo(viewerId: Viewer | null): SQL {
  const original = sql`(${statuses.reblogOfId} IS NULL OR EXISTS (
    SELECT 1 FROM statuses o WHERE o.id = ${statuses.reblogOfId} AND ${policy(boosted, viewerId)}))`;
  return sql`(${policy(row, viewerId)} AND ${original})`;
}

/** The author of the status a boost boosts. */
const originalAuthor = sql`(SELECT o.account_id FROM statuses o WHERE o.id = ${statuses.reblogOfId})`;

/**
 * A WHERE condition for lists and timelines: drops statuses (and boosts) by
 * accounts the viewer blocks or mutes, by accounts that block the viewer, and
 * from domains the viewer blocks. Does not apply to the viewer's own statuses.
 */
export function notHiddenBy(viewerId: Viewer | null): SQL {
  if (viewerId === null) return sql`TRUE`;
  const v = viewerSql(viewerId);
  return sql`(${statuses.accountId} = ${v} OR (NOT ${hiddenAccount(v, sql`${statuses.accountId}`)} AND (
    ${statuses.reblogOfId} IS NULL OR NOT ${hiddenAccount(v, originalAuthor)})))`;
}

/**
 * A WHERE condition for one account's statuses (its profile): only boosts of
 * statuses by accounts hidden from the viewer are dropped, not the
 * account's own statuses, which the viewer asked for
 * (AccountStatusesFilter#filtered_reblogs_scope).
 */
export function boostNotHiddenBy(viewerId: string | null): SQL {
  if (viewerId === null) return sql`TRUE`;
  const v = sql`${viewerId}::bigint`;
  return sql`(${statuses.accountId} = ${v} OR ${statuses.reblogOfId} IS NULL
    OR NOT ${hiddenAccount(v, originalAuthor)})`;
}

/** The account is hidden from the viewer `v`: blocked either way, muted, or of a blocked domain. */
function hiddenAccount(v: SQL, accountCol: SQL): SQL {
  return sql`(
    EXISTS (SELECT 1 FROM blocks b WHERE (b.account_id = ${v} AND b.target_account_id = ${accountCol})
                                      OR (b.account_id = ${accountCol} AND b.target_account_id = ${v}))
    OR EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = ${v} AND mu.target_account_id = ${accountCol}
                                        AND (mu.expires_at IS NULL OR mu.expires_at > now()))
    OR EXISTS (SELECT 1 FROM account_domain_blocks d JOIN accounts ha ON ha.id = ${accountCol}
               WHERE d.account_id = ${v} AND ha.domain IS NOT NULL AND d.domain = ha.domain)
  )`;
}

/** A column of status `id` (an SQL expression yielding a status id), read once. */
const ofStatus = (id: SQL, column: string) =>
  sql`(SELECT ${sql.raw(column)} FROM statuses WHERE id = ${id})`;

/** `policy` for ONE status (by id) and many viewers: what depends on the status alone is read once. */
function policyOf(id: SQL, v: SQL): SQL {
  const author = ofStatus(id, "account_id");
  const visibility = ofStatus(id, "visibility");
  const live = sql`(SELECT s.deleted_at IS NULL AND (SELECT a.suspended_at IS NULL FROM accounts a WHERE a.id = s.account_id)
    FROM statuses s WHERE s.id = ${id})`;
  const mentioned = sql`${v} IN (SELECT m.account_id FROM mentions m WHERE m.status_id = ${id})`;
  const follows = sql`EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ${v} AND f.target_account_id = ${author})`;
  const blocked = sql`${v} IN (SELECT b.target_account_id FROM blocks b WHERE b.account_id = ${author})`;
  const domainBlocked = sql`(EXISTS (SELECT 1 FROM account_domain_blocks d WHERE d.account_id = ${author})
    AND EXISTS (SELECT 1 FROM account_domain_blocks d JOIN accounts va ON va.id = ${v}
      WHERE d.account_id = ${author} AND va.domain IS NOT NULL AND d.domain = va.domain))`;
  return sql`(${live} AND (
    ${author} = ${v}
    OR (${visibility} IN ('public', 'unlisted') AND NOT ${blocked} AND NOT ${domainBlocked})
    OR (${visibility} = 'private' AND (${follows} OR ${mentioned}))
    OR (${visibility} = 'direct' AND ${mentioned})
  ))`;
}

/** `hiddenAccount` for ONE account (an SQL expression, read once) and many viewers. */
function hiddenAccountOf(v: SQL, account: SQL): SQL {
  const domain = sql`(SELECT ha.domain FROM accounts ha WHERE ha.id = ${account})`;
  return sql`(
    ${v} IN (SELECT b.account_id FROM blocks b WHERE b.target_account_id = ${account})
    OR ${v} IN (SELECT b.target_account_id FROM blocks b WHERE b.account_id = ${account})
    OR ${v} IN (SELECT mu.account_id FROM mutes mu WHERE mu.target_account_id = ${account}
                  AND (mu.expires_at IS NULL OR mu.expires_at > now()))
    OR (${domain} IS NOT NULL AND EXISTS (SELECT 1 FROM account_domain_blocks d
          WHERE d.account_id = ${v} AND d.domain = ${domain}))
  )`;
}

/**
 * A WHERE condition over many viewers (`viewer`, a column of `unnest(...)`)
 * for ONE status, by id: exactly `statusVisibleTo(viewer) AND
 * notHiddenBy(viewer)` of that status's row, in the form the streaming API
 * needs when it checks one new status for each of its 1,000 viewers. What
 * depends on the status alone (its row, its author, whom its author blocks,
 * who blocks or mutes its author, whom it mentions) is read once, as sets
 * PostgreSQL hashes; per viewer remain a lookup in those sets and index
 * probes only where a set could be large (the author's followers, for a
 * private status) or for domain blocks (the author's, after a one-time
 * check that there are any; the viewer's, when the author is remote). The
 * row-wise form probed blocks and mutes by index for every viewer (half of
 * the streams' check, bench/streaming.ts). test/visibility-sets.test.ts
 * compares the two forms for every status and viewer of a scene of every
 * relation.
 */
export function readableOf(statusId: string, viewer: SQL): SQL {
  const id = sql`${statusId}::bigint`;
  const original = ofStatus(id, "reblog_of_id");
  const author = ofStatus(id, "account_id");
  const originalAuthor = ofStatus(original, "account_id");
  return sql`(${policyOf(id, viewer)}
    AND (${original} IS NULL OR ${policyOf(original, viewer)})
    AND (${author} = ${viewer} OR (NOT ${hiddenAccountOf(viewer, author)}
      AND (${original} IS NULL OR NOT ${hiddenAccountOf(viewer, originalAuthor)}))))`;
}
