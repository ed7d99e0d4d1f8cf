// Follow requests to a locked account
// (https://docs.joinmastodon.org/methods/follow_requests/), as Mastodon's
// Api::V1::FollowRequestsController, FollowRequest#authorize! and
// AuthorizeFollowService / RejectFollowService:
// - accepting makes the follow with the options asked for, moves the list
//   memberships made while pending onto it, counts it, merges the feed, and
//   replaces the "follow_request" notification with a "follow" one;
// - rejecting drops the request and its notification;
// - the list shows who asks, newest request first, paginated by request id,
//   without suspended accounts.
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { accounts, followRequests, follows, listAccounts } from "../../db/schema/index.ts";
import type { PageQuery } from "../../http/pagination.ts";
import { notFound } from "../errors.ts";
import { emit } from "../events/emit.ts";
import { withdrawNotifications } from "../notifications/dismiss.ts";
import { notify } from "../notifications/notify.ts";
import { pageClauses, toPage, type Page } from "../statuses/interactions/page.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import { onFollow } from "../timelines/feeds.ts";
import type { ListedAccount } from "./follow-lists.ts";
import { insertFollow, lockPair, pairFacts } from "./follow-rows.ts";

const requestFrom = (requesterId: string, accountId: string) =>
  and(eq(followRequests.accountId, requesterId), eq(followRequests.targetAccountId, accountId));

/**
 * `accountId` accepts the request of `requesterId`; "not found" without one.
 * `jobs`: where the feed merge is queued (done inline without).
 */
export async function authorizeFollowRequest(
  db: Db,
  accountId: string,
  requesterId: string,
  jobs?: JobQueue | null,
): Promise<void> {
  await db.transaction(async (tx) => {
    await lockPair(tx, accountId, requesterId);
    const [request] = await tx
      .select()
      .from(followRequests)
      .where(requestFrom(requesterId, accountId))
      .for("update");
    if (!request) throw notFound();
    const settings = {
      showReblogs: request.showReblogs,
      notify: request.notify,
      languages: request.languages,
      uri: request.uri,
    };
    const follow = await insertFollow(tx, requesterId, accountId, settings);
    if (!follow.created) {
      const { uri: _uri, ...options } = settings;
      await tx
        .update(follows)
        .set({ ...options, updatedAt: new Date() })
        .where(eq(follows.id, follow.id));
    }
    // List memberships made while pending hang on the request: move them first.
    await tx
      .update(listAccounts)
      .set({ followRequestId: null, followId: follow.id })
      .where(eq(listAccounts.followRequestId, request.id));
    if (follow.created) await onFollow(tx, requesterId, accountId, jobs);
    await tx.delete(followRequests).where(eq(followRequests.id, request.id));
    await withdrawNotifications(tx, {
      accountId,
      fromAccountId: requesterId,
      type: "follow_request",
    });
    if (follow.created) {
      await notify(tx, { accountId, fromAccountId: requesterId, type: "follow" });
    }
    await emit(tx, {
      type: "follow_request.authorized",
      followId: follow.id,
      uri: request.uri,
      ...(await pairFacts(tx, requesterId, accountId)),
    });
  });
}

/** `accountId` turns down the request of `requesterId`; "not found" without one. */
export async function rejectFollowRequest(
  db: Db,
  accountId: string,
  requesterId: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    await lockPair(tx, accountId, requesterId);
    const removed = await tx
      .delete(followRequests)
      .where(requestFrom(requesterId, accountId))
      .returning({ id: followRequests.id, uri: followRequests.uri });
    if (!removed[0]) throw notFound();
    await withdrawNotifications(tx, {
      accountId,
      fromAccountId: requesterId,
      type: "follow_request",
    });
    await emit(tx, {
      type: "follow_request.rejected",
      requestId: removed[0].id,
      uri: removed[0].uri,
      ...(await pairFacts(tx, requesterId, accountId)),
    });
  });
}

/** A page of the accounts asking to follow `accountId`. */
export async function pendingFollowRequests(
  db: Db,
  accountId: string,
  q: PageQuery,
): Promise<Page<ListedAccount>> {
  const { where, order } = pageClauses(followRequests.id, q);
  const rows = await db
    .select({ id: followRequests.id, accountId: followRequests.accountId })
    .from(followRequests)
    .innerJoin(accounts, eq(accounts.id, followRequests.accountId))
    .where(
      and(eq(followRequests.targetAccountId, accountId), isNull(accounts.suspendedAt), ...where),
    )
    .orderBy(order)
    .limit(q.limit);
  return toPage(rows, (r) => r.id, q);
}

/**
 * How many accounts ask to follow `accountId`, counting at most `limit` when
 * given (CredentialAccount's source.follow_requests_count stops at 40).
 */
export async function countFollowRequests(
  db: Db,
  accountId: string,
  limit?: number,
): Promise<number> {
  const result = await db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM (
    SELECT 1 FROM follow_requests r JOIN accounts a ON a.id = r.account_id
    WHERE r.target_account_id = ${accountId}::bigint AND a.suspended_at IS NULL
    ${limit === undefined ? sql`` : sql`LIMIT ${limit}`}) x`);
  return Number(result.rows[0]?.n ?? 0);
}
