// Adding and removing an account's statuses to and from a home or list feed
// when the relationship changes, as Mastodon's FeedManager#merge_into_home,
// #merge_into_list, #unmerge_from_home, #unmerge_from_list and
// #clear_from_home / #clear_from_lists; and taking a deleted status out of
// every feed, where a deleted boost may give way to another boost of the same
// post (FeedManager#remove_from_feed).
import { sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import { idArray } from "./fan-out.ts";
import {
  filteredFromHome,
  filteredFromList,
  ORIGINAL_OF_S,
  REBLOG_FALLOFF,
  shownRecently,
} from "./feed-filter.ts";
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

type FeedTable = "home_feed_entries" | "list_feed_entries";

/**
 * Deletes the entries of `statusId` and of its boosts from every feed of
 * `table`. With `tracked`, answers the feeds (account ids, or list ids)
 * where `statusId` was among the newest REBLOG_FALLOFF entries.
 */
async function removeEntries(
  db: DbOrTx,
  table: FeedTable,
  statusId: string,
  tracked: boolean,
): Promise<string[]> {
  const t = sql.raw(table);
  const owner = sql.raw(table === "home_feed_entries" ? "account_id" : "list_id");
  const ids = sql`(SELECT ${statusId}::bigint UNION ALL SELECT id FROM statuses WHERE reblog_of_id = ${statusId})`;
  if (!tracked) {
    await db.execute(sql`DELETE FROM ${t} WHERE status_id IN ${ids}`);
    return [];
  }
  // RETURNING's subquery sees the feed as it was before this DELETE.
  const { rows } = await db.execute<{ id: string }>(sql`WITH removed AS (
      DELETE FROM ${t} e WHERE e.status_id IN ${ids}
      RETURNING e.${owner} AS feed, e.status_id, (SELECT count(*) FROM (
        SELECT 1 FROM ${t} n WHERE n.${owner} = e.${owner} AND n.status_id > e.status_id
        LIMIT ${REBLOG_FALLOFF}) newer) AS newer)
    SELECT feed::text AS id FROM removed
    WHERE status_id = ${statusId} AND newer < ${REBLOG_FALLOFF}`);
  return rows.map((r) => r.id);
}

/**
 * The boosts of `originalId` made after `boostId` that may take its place:
 * not deleted, their author not suspended, the original still there.
 */
const laterBoosts = (originalId: string, boostId: string) => sql`(SELECT s.id, s.account_id
  FROM statuses s JOIN accounts sa ON sa.id = s.account_id AND sa.suspended_at IS NULL
  WHERE s.reblog_of_id = ${originalId} AND s.id > ${boostId} AND s.deleted_at IS NULL
    AND EXISTS (SELECT 1 FROM statuses so WHERE so.id = ${originalId} AND so.deleted_at IS NULL))`;

/**
 * In the home feeds of `receivers`, the oldest later boost of `originalId`
 * that the feed's owner receives (their own, or one by someone they follow
 * that the home rules let in) takes the place of the deleted boost `boostId`.
 */
async function restoreInHomes(
  db: DbOrTx,
  receivers: string[],
  boostId: string,
  originalId: string,
): Promise<void> {
  const r = sql.raw("c.rcv");
  await db.execute(sql`WITH k AS ${laterBoosts(originalId, boostId)},
    c AS (
      SELECT f.account_id AS rcv, k.id FROM k JOIN follows f ON f.target_account_id = k.account_id
      WHERE f.account_id = ANY (${idArray(receivers)})
      UNION ALL
      SELECT k.account_id, k.id FROM k WHERE k.account_id = ANY (${idArray(receivers)}))
    INSERT INTO home_feed_entries (account_id, status_id, reblog_of_id)
    SELECT DISTINCT ON (c.rcv) c.rcv, s.id, s.reblog_of_id
    FROM c JOIN statuses s ON s.id = c.id
    WHERE NOT EXISTS (SELECT 1 FROM home_feed_entries x WHERE x.account_id = c.rcv AND x.status_id = s.id)
      AND NOT ${filteredFromHome(r)}
      AND NOT ${shownRecently("home_feed_entries", r)}
    ORDER BY c.rcv, s.id
    ON CONFLICT DO NOTHING`);
}

/** The same in lists `listIds`: a later boost by a member, under the lists' rules (as pushToLists). */
async function restoreInLists(
  db: DbOrTx,
  listIds: string[],
  boostId: string,
  originalId: string,
): Promise<void> {
  const owner = sql.raw("l.account_id");
  await db.execute(sql`WITH k AS ${laterBoosts(originalId, boostId)}
    INSERT INTO list_feed_entries (list_id, status_id, reblog_of_id)
    SELECT DISTINCT ON (l.id) l.id, s.id, s.reblog_of_id
    FROM lists l JOIN list_accounts la ON la.list_id = l.id
      JOIN k ON k.account_id = la.account_id
      JOIN statuses s ON s.id = k.id
    WHERE l.id = ANY (${idArray(listIds)})
      AND (la.follow_id IS NOT NULL OR l.account_id = s.account_id)
      AND NOT EXISTS (SELECT 1 FROM list_feed_entries x WHERE x.list_id = l.id AND x.status_id = s.id)
      AND NOT ${filteredFromList("l")}
      AND NOT ${filteredFromHome(owner, { forList: true })}
      AND NOT ${shownRecently("list_feed_entries", sql.raw("l.id"))}
    ORDER BY l.id, s.id
    ON CONFLICT DO NOTHING`);
}

/**
 * Takes a deleted status and its boosts out of every home and list feed.
 * A deleted boost gives way to another boost of the same post, as
 * FeedManager#remove_from_feed: where the boost was among the feed's newest
 * REBLOG_FALLOFF entries (Mastodon stops tracking a boost that sinks below),
 * later boosts of the post were kept out only because it was there
 * (shownRecently); the oldest of them that the feed still receives takes
 * its place, at its own position, unless another entry still shows the post
 * near the top. The original itself does not come back this way: Mastodon
 * does not remember an original it kept out because a boost was shown.
 */
export async function removeFromFeeds(
  db: DbOrTx,
  status: { id: string; reblogOfId: string | null },
): Promise<void> {
  const boosted = status.reblogOfId;
  const homes = await removeEntries(db, "home_feed_entries", status.id, boosted !== null);
  const lists = await removeEntries(db, "list_feed_entries", status.id, boosted !== null);
  if (boosted === null) return;
  if (homes.length > 0) await restoreInHomes(db, homes, status.id, boosted);
  if (lists.length > 0) await restoreInLists(db, lists, status.id, boosted);
}
