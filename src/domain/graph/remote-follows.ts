// The social graph as remote accounts change it, as Mastodon's
// ActivityPub::Activity Follow, Accept, Reject, Block and Move do
// (https://docs.joinmastodon.org/spec/activitypub/#follow):
// - a Follow of a local account: refused when the account blocks the
//   follower or its domain, moved, or is suspended; a follower asking again
//   keeps its pending request (its new activity id kept); one already
//   following is accepted again; a locked account (or a silenced follower)
//   gets a follow request ("follow_request" notification), anyone else a
//   follower at once ("follow" notification). The caller answers the remote
//   server (Accept or Reject).
// - Accept of a local account's pending request to follow a remote one
//   makes the follow (counters, list memberships, the feed merge); Reject
//   drops it, or ends the follow it had become.
// - Block: the block, and follows and requests both ways end (blockAccount).
// - Move: the old account points at the new one, and each local follower
//   follows the new one (a request to a remote account, answered later)
//   and stops following the old one, keeping its options (MoveWorker,
//   UnfollowFollowWorker).
import { and, eq, isNull, or, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import {
  accounts,
  blocks,
  followRequests,
  follows,
  listAccounts,
  type AccountRow,
} from "../../db/schema/index.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import { newId } from "../../lib/ids.ts";
import { DomainError } from "../errors.ts";
import { notify } from "../notifications/notify.ts";
import { onFollow, onUnfollow } from "../timelines/feeds.ts";
import { blockAccount, unblockAccount } from "./block.ts";
import { findAccountRow, followAccount, unfollowAccount } from "./follow.ts";
import { followPair, insertFollow, lockPair, removeFollows } from "./follow-rows.ts";

/** The row of a follow or request named by its activity `uri`, else by its local account. */
function named(
  table: typeof follows | typeof followRequests,
  which: { uri?: string | null; localId?: string | null },
) {
  return (
    or(
      which.uri ? eq(table.uri, which.uri) : undefined,
      which.localId ? eq(table.accountId, which.localId) : undefined,
    ) ?? sql`FALSE`
  );
}

/** What the remote server is to be answered. */
export type FollowOutcome =
  | { kind: "accepted"; followId: string }
  | { kind: "requested" }
  | { kind: "rejected" }
  | { kind: "ignored" };

/** Remote account `followerId` asks to follow local account `targetId` (Follow `uri`). */
export async function receiveFollow(
  db: Db,
  followerId: string,
  targetId: string,
  uri: string | null,
): Promise<FollowOutcome> {
  return db.transaction(async (tx): Promise<FollowOutcome> => {
    const target = await findAccountRow(tx, targetId);
    const follower = await findAccountRow(tx, followerId);
    if (!target || !follower || target.domain !== null || follower.domain === null) {
      return { kind: "ignored" };
    }
    await lockPair(tx, followerId, targetId);
    const pending = await tx
      .update(followRequests)
      .set({ uri, updatedAt: new Date() })
      .where(
        and(eq(followRequests.accountId, followerId), eq(followRequests.targetAccountId, targetId)),
      )
      .returning({ id: followRequests.id });
    if (pending.length > 0) return { kind: "requested" };

    const refused = await tx.execute<{ refused: boolean }>(sql`SELECT (
      EXISTS (SELECT 1 FROM blocks WHERE account_id = ${targetId} AND target_account_id = ${followerId})
      OR EXISTS (SELECT 1 FROM account_domain_blocks
                 WHERE account_id = ${targetId} AND domain = ${follower.domain})
    ) AS refused`);
    if (target.movedToAccountId || target.suspendedAt || refused.rows[0]?.refused) {
      return { kind: "rejected" };
    }
    const [existing] = await tx
      .update(follows)
      .set({ uri, updatedAt: new Date() })
      .where(followPair(followerId, targetId))
      .returning({ id: follows.id });
    if (existing) return { kind: "accepted", followId: existing.id };

    if (target.locked || follower.silencedAt) {
      await tx.insert(followRequests).values({
        id: newId(),
        accountId: followerId,
        targetAccountId: targetId,
        uri,
      });
      await notify(tx, { accountId: targetId, fromAccountId: followerId, type: "follow_request" });
      return { kind: "requested" };
    }
    const follow = await insertFollow(tx, followerId, targetId, {
      showReblogs: true,
      notify: false,
      languages: null,
      uri,
    });
    if (follow.created) {
      await notify(tx, { accountId: targetId, fromAccountId: followerId, type: "follow" });
    }
    return { kind: "accepted", followId: follow.id };
  });
}

/**
 * Remote account `remoteId` accepts a local account's pending request to
 * follow it: the one with activity id `uri`, else the one of `localId`.
 * Returns whether there was one.
 */
export async function acceptFollowRequestByRemote(
  db: Db,
  remoteId: string,
  which: { uri?: string | null; localId?: string | null },
  jobs?: JobQueue | null,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [request] = await tx
      .select()
      .from(followRequests)
      .innerJoin(accounts, eq(accounts.id, followRequests.accountId))
      .where(
        and(
          eq(followRequests.targetAccountId, remoteId),
          isNull(accounts.domain),
          named(followRequests, which),
        ),
      )
      .limit(1);
    if (!request) return false;
    const r = request.follow_requests;
    await lockPair(tx, r.accountId, remoteId);
    const follow = await insertFollow(tx, r.accountId, remoteId, {
      showReblogs: r.showReblogs,
      notify: r.notify,
      languages: r.languages,
      uri: r.uri,
    });
    await tx
      .update(listAccounts)
      .set({ followRequestId: null, followId: follow.id })
      .where(eq(listAccounts.followRequestId, r.id));
    if (follow.created) await onFollow(tx, r.accountId, remoteId, jobs);
    await tx.delete(followRequests).where(eq(followRequests.id, r.id));
    return true;
  });
}

/**
 * Remote account `remoteId` turns down a local account's request (or ends
 * its follow): the one with activity id `uri`, else the one of `localId`.
 */
export async function rejectFollowByRemote(
  db: Db,
  remoteId: string,
  which: { uri?: string | null; localId?: string | null },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const local = async (table: typeof follows | typeof followRequests) => {
      const [row] = await tx
        .select({ accountId: table.accountId })
        .from(table)
        .innerJoin(accounts, eq(accounts.id, table.accountId))
        .where(
          and(eq(table.targetAccountId, remoteId), isNull(accounts.domain), named(table, which)),
        )
        .limit(1);
      return row?.accountId ?? null;
    };
    const requester = await local(followRequests);
    if (requester) {
      await lockPair(tx, requester, remoteId);
      await tx
        .delete(followRequests)
        .where(
          and(
            eq(followRequests.accountId, requester),
            eq(followRequests.targetAccountId, remoteId),
          ),
        );
      return true;
    }
    const follower = await local(follows);
    if (!follower) return false;
    await lockPair(tx, follower, remoteId);
    const gone = await removeFollows(tx, followPair(follower, remoteId));
    for (const g of gone) await onUnfollow(tx, g.accountId, g.targetAccountId);
    return gone.length > 0;
  });
}

/** Remote account `accountId` blocks local account `targetId` (Block `uri`). */
export async function receiveBlock(
  db: Db,
  accountId: string,
  targetId: string,
  uri: string | null,
): Promise<void> {
  await blockAccount(db, accountId, targetId);
  if (uri) {
    await db
      .update(blocks)
      .set({ uri })
      .where(and(eq(blocks.accountId, accountId), eq(blocks.targetAccountId, targetId)));
  }
}

/**
 * Remote account `source` moved to `target`: recorded, and its local
 * followers follow `target` instead (with their options). Returns how many
 * followers were moved.
 */
export async function moveFollowers(
  db: Db,
  source: Pick<AccountRow, "id">,
  target: Pick<AccountRow, "id">,
  jobs?: JobQueue | null,
): Promise<number> {
  await db
    .update(accounts)
    .set({ movedToAccountId: target.id, updatedAt: new Date() })
    .where(eq(accounts.id, source.id));
  const followers = await db
    .select({
      account: accounts,
      showReblogs: follows.showReblogs,
      notify: follows.notify,
      languages: follows.languages,
    })
    .from(follows)
    .innerJoin(accounts, eq(accounts.id, follows.accountId))
    .where(and(eq(follows.targetAccountId, source.id), isNull(accounts.domain)));
  let moved = 0;
  for (const f of followers) {
    try {
      await followAccount(
        db,
        f.account,
        target.id,
        { reblogs: f.showReblogs, notify: f.notify, languages: f.languages },
        jobs,
      );
    } catch (error) {
      // Not allowed (a block either way, a suspended target): the follower stays.
      if (error instanceof DomainError) continue;
      throw error;
    }
    await unfollowAccount(db, f.account.id, source.id);
    moved++;
  }
  return moved;
}

/**
 * Undo of a Follow or Block that names it only by its activity id `uri`
 * (Undo#handle_reference): `accountId`'s follow, follow request or block
 * of that id ends. Returns whether there was one.
 */
export async function undoRelationshipByUri(
  db: Db,
  accountId: string,
  uri: string,
): Promise<boolean> {
  for (const table of [follows, followRequests]) {
    const [row] = await db
      .select({ targetId: table.targetAccountId })
      .from(table)
      .where(and(eq(table.accountId, accountId), eq(table.uri, uri)))
      .limit(1);
    if (row) {
      await unfollowAccount(db, accountId, row.targetId);
      return true;
    }
  }
  const [block] = await db
    .select({ targetId: blocks.targetAccountId })
    .from(blocks)
    .where(and(eq(blocks.accountId, accountId), eq(blocks.uri, uri)))
    .limit(1);
  if (!block) return false;
  await unblockAccount(db, accountId, block.targetId);
  return true;
}
