// Adding and removing an account's statuses to and from a home or list feed
// when the relationship changes, as Mastodon's FeedManager#merge_into_home,
// #merge_into_list, #unmerge_from_home, #unmerge_from_list and
// #clear_from_home / #clear_from_lists.
import { sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import { filteredFromHome, filteredFromList, ORIGINAL_OF_S, shownRecently } from "./feed-filter.ts";
import { MAX_ITEMS } from "./trim.ts";

/** How many of the newest statuses a follow brings into the feed (MAX_ITEMS / 4). */
export const MERGE_LIMIT = 200;

/**
 * The newest statuses of `targetId` that may enter a feed, no older than the
 * feed's oldest entry once the feed holds MERGE_LIMIT entries: older ones
 * would sit below everything the reader already has.
 */
function mergeSource(targetId: string, feedFloor: SQL): SQL {
  return sql`(SELECT * FROM statuses
    WHERE account_id = ${targetId} AND visibility IN ('public', 'unlisted', 'private')
      AND deleted_at IS NULL AND id > ${feedFloor}
    ORDER BY id DESC LIMIT ${MERGE_LIMIT}) s`;
}

/**
 * The oldest of the feed's newest MAX_ITEMS entries once it holds
 * MERGE_LIMIT of them (else 0): reads at most MAX_ITEMS index entries,
 * however long the feed grew before its next trim.
 */
const floorOf = (table: "home_feed_entries" | "list_feed_entries", owner: string) => {
  const t = sql.raw(table);
  const col = sql.raw(table === "home_feed_entries" ? "account_id" : "list_id");
  return sql`COALESCE((SELECT min(newest.status_id) FROM (
      SELECT status_id FROM ${t} WHERE ${col} = ${owner} ORDER BY status_id DESC LIMIT ${MAX_ITEMS}
    ) newest HAVING count(*) >= ${MERGE_LIMIT}), 0)`;
};

/**
 * Of the candidates, keeps the newest per original: a boost and its
 * original (or two boosts of one post) merged together show once.
 */
const newestPerOriginal = sql`NOT EXISTS (SELECT 1 FROM candidates c2
  WHERE c2.original = c.original AND c2.id > c.id)`;

/** Brings `targetId`'s recent statuses into `accountId`'s home feed (after a follow). */
export async function mergeIntoHome(
  db: DbOrTx,
  accountId: string,
  targetId: string,
): Promise<number> {
  const r = sql`${accountId}::bigint`;
  const result = await db.execute(sql`WITH candidates AS (
      SELECT s.id, ${ORIGINAL_OF_S} AS original
      FROM ${mergeSource(targetId, floorOf("home_feed_entries", accountId))}
      WHERE NOT ${filteredFromHome(r)} AND NOT ${shownRecently("home_feed_entries", r)})
    INSERT INTO home_feed_entries (account_id, status_id, reblog_of_id)
    SELECT ${r}, c.id, c.original FROM candidates c WHERE ${newestPerOriginal}
    ON CONFLICT DO NOTHING`);
  return result.rowCount ?? 0;
}

/** Brings `targetId`'s recent statuses into list `listId` (after the account joins the list). */
export async function mergeIntoList(db: DbOrTx, listId: string, targetId: string): Promise<number> {
  const l = sql`${listId}::bigint`;
  const owner = sql.raw("l.account_id");
  const result = await db.execute(sql`WITH candidates AS (
      SELECT s.id, ${ORIGINAL_OF_S} AS original
      FROM ${mergeSource(targetId, floorOf("list_feed_entries", listId))}
        JOIN lists l ON l.id = ${l}
      WHERE NOT ${filteredFromList("l")}
        AND NOT ${filteredFromHome(owner, { forList: true })}
        AND NOT ${shownRecently("list_feed_entries", l)})
    INSERT INTO list_feed_entries (list_id, status_id, reblog_of_id)
    SELECT ${l}, c.id, c.original FROM candidates c WHERE ${newestPerOriginal}
    ON CONFLICT DO NOTHING`);
  return result.rowCount ?? 0;
}

/** Takes `targetId`'s statuses (and boosts) out of `accountId`'s home feed (after an unfollow). */
export async function unmergeFromHome(
  db: DbOrTx,
  accountId: string,
  targetId: string,
): Promise<void> {
  await db.execute(sql`DELETE FROM home_feed_entries h USING statuses s
    WHERE h.account_id = ${accountId} AND s.id = h.status_id AND s.account_id = ${targetId}`);
}

/** Takes `targetId`'s statuses out of one list, or out of every list of `ownerId`. */
export async function unmergeFromLists(
  db: DbOrTx,
  where: { listId: string } | { ownerId: string },
  targetId: string,
): Promise<void> {
  const lists =
    "listId" in where
      ? sql`e.list_id = ${where.listId}`
      : sql`e.list_id IN (SELECT id FROM lists WHERE account_id = ${where.ownerId})`;
  await db.execute(sql`DELETE FROM list_feed_entries e USING statuses s
    WHERE ${lists} AND s.id = e.status_id AND s.account_id = ${targetId}`);
}

/**
 * Entries that involve `targetId`: its statuses, boosts of its statuses, and
 * statuses (or boosted statuses) that mention it.
 */
const involves = (targetId: string) => sql`(s.account_id = ${targetId}
  OR EXISTS (SELECT 1 FROM statuses o WHERE o.id = s.reblog_of_id AND o.account_id = ${targetId})
  OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id IN (s.id, s.reblog_of_id)
             AND m.account_id = ${targetId} AND NOT m.silent))`;

/** Clears everything involving `targetId` from `accountId`'s home and list feeds (after a block or mute). */
export async function clearFromFeeds(
  db: DbOrTx,
  accountId: string,
  targetId: string,
): Promise<void> {
  await db.execute(sql`DELETE FROM home_feed_entries h USING statuses s
    WHERE h.account_id = ${accountId} AND s.id = h.status_id AND ${involves(targetId)}`);
  await db.execute(sql`DELETE FROM list_feed_entries e USING statuses s
    WHERE e.list_id IN (SELECT id FROM lists WHERE account_id = ${accountId})
      AND s.id = e.status_id AND ${involves(targetId)}`);
}
