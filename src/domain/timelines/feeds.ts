// Feed maintenance hooks: every domain function that changes what belongs in
// a home or list feed calls one of these inside its own transaction.
//
// Feeds are written when statuses are (fan-out on write, see ARCHITECTURE.md,
// "Home feeds"), following Mastodon's FeedManager and FanOutOnWriteService:
// - a new status enters its author's home feed at once, in the caller's
//   transaction; the followers' feeds (and lists, and hashtag followers) are
//   filled by a queued job, so that posting costs the same with 10 or 10,000
//   followers. The job is sent in the same transaction: it exists exactly
//   when the status does.
// - following merges the target's recent statuses, unfollowing unmerges them,
//   blocking or muting clears everything involving the target, deleting a
//   status takes it out of every feed (a deleted boost giving way to a later
//   boost of the same post).
// Without a queue (`jobs` omitted: commands, scripts) the same work is done
// inline, in the caller's transaction.
//
// Reading a feed filters again by visibility and the reader's blocks and
// mutes (src/domain/timelines/home.ts), so what a hook leaves behind for a
// moment is never shown.
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import type { StatusRow } from "../../db/schema/index.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import { emit } from "../events/emit.ts";
import { deliverToAuthor, fanOut } from "./fan-out.ts";
import { homeStatusOf, type HomeStatus } from "./home-status.ts";
import { FEED_JOBS } from "./jobs.ts";
import {
  clearFromFeeds,
  mergeIntoHome,
  mergeIntoList,
  removeFromFeeds,
  unmergeFromHome,
  unmergeFromLists,
} from "./merge.ts";

/** A status was created (a post, a reply or a boost). */
export async function onStatusCreated(
  tx: DbOrTx,
  status: Pick<StatusRow, "local"> & HomeStatus,
  jobs?: JobQueue | null,
): Promise<void> {
  await deliverToAuthor(tx, status.id);
  // Streams tell followers of local statuses before the fan-out (see
  // fan-out.ts, receivesByFollow); other servers' statuses, most of what a
  // server receives and already late by their trip, after it, as each
  // check costs every streaming process a query.
  if (status.local) {
    await emit(tx, { type: "feed.fan-out", status: homeStatusOf(status) });
  }
  if (jobs) await jobs.send(FEED_JOBS.fanOut, { statusId: status.id, live: status.local }, { tx });
  else await fanOut(tx, status.id);
}

/**
 * A status was deleted (call it once the row is marked deleted): it and the
 * boosts of it leave every feed. Where a deleted boost was near the top of a
 * feed, another boost of the same post that the feed receives takes its place
 * (FeedManager#unpush_from_home, #unpush_from_list).
 */
export async function onStatusDeleted(
  tx: DbOrTx,
  status: Pick<StatusRow, "id" | "reblogOfId">,
): Promise<void> {
  await removeFromFeeds(tx, status);
}

/**
 * `accountId` now follows `targetAccountId` (a follow made, or a follow
 * request accepted): the target's recent statuses are merged into the home
 * feed, and list memberships made while the follow was requested now count.
 * Call it before deleting an accepted follow request: list memberships hang
 * on the request until then.
 */
export async function onFollow(
  tx: DbOrTx,
  accountId: string,
  targetAccountId: string,
  jobs?: JobQueue | null,
): Promise<void> {
  await tx.execute(sql`UPDATE list_accounts la SET follow_id = f.id, follow_request_id = NULL
    FROM follows f
    WHERE f.account_id = ${accountId} AND f.target_account_id = ${targetAccountId}
      AND la.account_id = ${targetAccountId} AND la.follow_id IS NULL
      AND la.list_id IN (SELECT id FROM lists WHERE account_id = ${accountId})`);
  const lists = await tx.execute<{ id: string }>(sql`SELECT la.list_id::text AS id
    FROM list_accounts la JOIN lists l ON l.id = la.list_id
    WHERE l.account_id = ${accountId} AND la.account_id = ${targetAccountId}`);
  if (jobs) {
    const data = { accountId, targetAccountId };
    await jobs.send(FEED_JOBS.mergeHome, data, { tx });
    for (const { id } of lists.rows) {
      await jobs.send(FEED_JOBS.mergeList, { listId: id, accountId: targetAccountId }, { tx });
    }
  } else {
    await mergeIntoHome(tx, accountId, targetAccountId);
    for (const { id } of lists.rows) await mergeIntoList(tx, id, targetAccountId);
  }
}

/**
 * `accountId` no longer follows `targetAccountId`: the target's statuses and
 * boosts leave the home feed and the lists of `accountId`.
 */
export async function onUnfollow(
  tx: DbOrTx,
  accountId: string,
  targetAccountId: string,
): Promise<void> {
  await unmergeFromHome(tx, accountId, targetAccountId);
  await unmergeFromLists(tx, { ownerId: accountId }, targetAccountId);
}

/**
 * `accountId` blocked or muted `targetAccountId`: its statuses, boosts of its
 * statuses and statuses mentioning it leave `accountId`'s home and list feeds
 * (Mastodon's BlockWorker and MuteWorker: FeedManager#clear_from_home,
 * #clear_from_lists). A block also ends follows both ways: call onUnfollow
 * for each follow it ends, too.
 */
export async function onBlockOrMute(
  tx: DbOrTx,
  accountId: string,
  targetAccountId: string,
): Promise<void> {
  await clearFromFeeds(tx, accountId, targetAccountId);
}

/**
 * `accountId` unmuted `targetAccountId`: if it follows the target, the
 * target's recent statuses come back (Mastodon's UnmuteService).
 */
export async function onUnmute(
  tx: DbOrTx,
  accountId: string,
  targetAccountId: string,
  jobs?: JobQueue | null,
): Promise<void> {
  const { rows } = await tx.execute(sql`SELECT 1 FROM follows
    WHERE account_id = ${accountId} AND target_account_id = ${targetAccountId}`);
  if (rows.length === 0) return;
  if (jobs) await jobs.send(FEED_JOBS.mergeHome, { accountId, targetAccountId }, { tx });
  else await mergeIntoHome(tx, accountId, targetAccountId);
}
