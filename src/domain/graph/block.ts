// Blocking and unblocking an account
// (https://docs.joinmastodon.org/methods/accounts/#block, #unblock,
// methods/blocks/), as Mastodon's BlockService and AfterBlockService:
// - blocking yourself does nothing;
// - follows both ways end (counters, feeds), pending follow requests both
//   ways are dropped, the blocked account leaves the blocker's home feed and
//   lists, and its notifications to the blocker are cleared;
// - both are idempotent; the list shows blocked accounts that are not
//   suspended, newest block first, paginated by the block's id.
import { and, eq, isNull, or, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { accounts, blocks, followRequests } from "../../db/schema/index.ts";
import type { PageQuery } from "../../http/pagination.ts";
import { newId } from "../../lib/ids.ts";
import { emit } from "../events/emit.ts";
import type { DomainEvent } from "../events/types.ts";
import { clearNotificationsFrom, withdrawNotificationsOfPairs } from "../notifications/dismiss.ts";
import { pageClauses, toPage, type Page } from "../statuses/interactions/page.ts";
import { onBlockOrMute, onUnfollow } from "../timelines/feeds.ts";
import type { ListedAccount } from "./follow-lists.ts";
import { followPair, lockPair, pairFacts, removeFollows } from "./follow-rows.ts";

/** `accountId` blocks `targetId`. */
export async function blockAccount(db: Db, accountId: string, targetId: string): Promise<void> {
  if (accountId === targetId) return;
  await db.transaction(async (tx) => {
    await lockPair(tx, accountId, targetId);
    const gone = await removeFollows(
      tx,
      or(followPair(accountId, targetId), followPair(targetId, accountId))!,
    );
    for (const g of gone) await onUnfollow(tx, g.accountId, g.targetAccountId);
    const requests = await tx
      .delete(followRequests)
      .where(
        or(
          and(
            eq(followRequests.accountId, accountId),
            eq(followRequests.targetAccountId, targetId),
          ),
          and(
            eq(followRequests.accountId, targetId),
            eq(followRequests.targetAccountId, accountId),
          ),
        ),
      )
      .returning({
        id: followRequests.id,
        uri: followRequests.uri,
        from: followRequests.accountId,
        to: followRequests.targetAccountId,
      });
    await withdrawNotificationsOfPairs(
      tx,
      requests.map((r) => ({ accountId: r.to, fromAccountId: r.from })),
      "follow_request",
    );
    const [block] = await tx
      .insert(blocks)
      .values({ id: newId(), accountId, targetAccountId: targetId })
      .onConflictDoNothing({ target: [blocks.accountId, blocks.targetAccountId] })
      .returning({ id: blocks.id });
    // AfterBlockService: out of the blocker's feeds, lists and notifications.
    await onBlockOrMute(tx, accountId, targetId);
    await tx.execute(sql`DELETE FROM list_accounts la USING lists l
      WHERE la.list_id = l.id AND l.account_id = ${accountId} AND la.account_id = ${targetId}`);
    await clearNotificationsFrom(tx, accountId, targetId);

    // BlockService: the blocker's follow and request end (UnfollowService),
    // the blocked account's follow and request are turned down (RejectFollowService).
    const facts = await pairFacts(tx, accountId, targetId);
    const reversed = await pairFacts(tx, targetId, accountId);
    const events: DomainEvent[] = [];
    for (const g of gone) {
      events.push(
        g.accountId === accountId
          ? { type: "follow.removed", followId: g.id, requested: false, uri: g.uri, ...facts }
          : { type: "follower.removed", followId: g.id, uri: g.uri, ...reversed },
      );
    }
    for (const r of requests) {
      events.push(
        r.from === accountId
          ? { type: "follow.removed", followId: r.id, requested: true, uri: r.uri, ...facts }
          : { type: "follow_request.rejected", requestId: r.id, uri: r.uri, ...reversed },
      );
    }
    if (block) events.push({ type: "block.created", blockId: block.id, ...facts });
    await emit(tx, ...events);
  });
}

/** `accountId` unblocks `targetId`. */
export async function unblockAccount(db: Db, accountId: string, targetId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const removed = await tx
      .delete(blocks)
      .where(and(eq(blocks.accountId, accountId), eq(blocks.targetAccountId, targetId)))
      .returning({ id: blocks.id, uri: blocks.uri });
    if (!removed[0]) return;
    const facts = await pairFacts(tx, accountId, targetId);
    await emit(tx, {
      type: "block.removed",
      blockId: removed[0].id,
      uri: removed[0].uri,
      ...facts,
    });
  });
}

/** A page of the accounts `accountId` blocks. */
export async function blockedAccounts(
  db: Db,
  accountId: string,
  q: PageQuery,
): Promise<Page<ListedAccount>> {
  const { where, order } = pageClauses(blocks.id, q);
  const rows = await db
    .select({ id: blocks.id, accountId: blocks.targetAccountId })
    .from(blocks)
    .innerJoin(accounts, eq(accounts.id, blocks.targetAccountId))
    .where(and(eq(blocks.accountId, accountId), isNull(accounts.suspendedAt), ...where))
    .orderBy(order)
    .limit(q.limit);
  return toPage(rows, (r) => r.id, q);
}
