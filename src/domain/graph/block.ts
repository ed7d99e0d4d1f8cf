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
import { clearNotificationsFrom, withdrawNotificationsOfPairs } from "../notifications/dismiss.ts";
import { pageClauses, toPage, type Page } from "../statuses/interactions/page.ts";
import { onBlockOrMute, onUnfollow } from "../timelines/feeds.ts";
import type { ListedAccount } from "./follow-lists.ts";
import { followPair, lockPair, removeFollows } from "./follow-rows.ts";

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
      .returning({ from: followRequests.accountId, to: followRequests.targetAccountId });
    await withdrawNotificationsOfPairs(
      tx,
      requests.map((r) => ({ accountId: r.to, fromAccountId: r.from })),
      "follow_request",
    );
    await tx
      .insert(blocks)
      .values({ id: newId(), accountId, targetAccountId: targetId })
      .onConflictDoNothing({ target: [blocks.accountId, blocks.targetAccountId] });
    // AfterBlockService: out of the blocker's feeds, lists and notifications.
    await onBlockOrMute(tx, accountId, targetId);
    await tx.execute(sql`DELETE FROM list_accounts la USING lists l
      WHERE la.list_id = l.id AND l.account_id = ${accountId} AND la.account_id = ${targetId}`);
    await clearNotificationsFrom(tx, accountId, targetId);
  });
}

/** `accountId` unblocks `targetId`. */
export async function unblockAccount(db: Db, accountId: string, targetId: string): Promise<void> {
  await db
    .delete(blocks)
    .where(and(eq(blocks.accountId, accountId), eq(blocks.targetAccountId, targetId)));
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
