// Removing notifications, the one place that does: dismissing them, as
// Mastodon's notifications controllers (v1 dismiss and clear, v2 group
// dismiss), and taking them back for other domain functions when their cause
// goes. In Mastodon a notification belongs to its activity (`has_one
// :notification, as: :activity, dependent: :destroy`): a favourite, a boost,
// a follow or a follow request takes its notification with it; Herd's
// notifications point at the status instead, so they are found by
// recipient, sender, type and status. A block, a mute that hides
// notifications and a domain block clear what the blocked accounts sent
// (AfterBlockService, AfterBlockDomainFromAccountService). A filtered
// notification that goes away updates its sender's notification request
// (Notification#remove_from_notification_request).
// https://docs.joinmastodon.org/methods/notifications/#dismiss
import { sql, type SQL } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/database.ts";
import type { NotificationType } from "../../db/schema/index.ts";
import { isId } from "../../lib/ids.ts";
import { idArray } from "../../lib/pg-arrays.ts";
import { notFound } from "../errors.ts";
import { groupCondition } from "./grouped.ts";
import { reconsiderRequests } from "./notification-requests.ts";

async function deleteWhere(tx: DbOrTx, recipientId: string, where: SQL): Promise<number> {
  const result = await tx.execute<{ from_account_id: string; filtered: boolean }>(sql`
    DELETE FROM notifications n WHERE n.account_id = ${recipientId}::bigint AND ${where}
    RETURNING n.from_account_id, n.filtered`);
  const senders = result.rows.filter((r) => r.filtered).map((r) => r.from_account_id);
  await reconsiderRequests(tx, recipientId, senders);
  return result.rows.length;
}

/** Dismisses one of the recipient's notifications; 404 when there is none. */
export async function dismissNotification(db: Db, recipientId: string, id: string): Promise<void> {
  if (!isId(id)) throw notFound();
  await db.transaction(async (tx) => {
    if ((await deleteWhere(tx, recipientId, sql`n.id = ${id}::bigint`)) === 0) throw notFound();
  });
}

/** Dismisses the notifications of a group (nothing to dismiss is fine, as Mastodon). */
export async function dismissGroup(db: Db, recipientId: string, groupKey: string): Promise<void> {
  await db.transaction(async (tx) => {
    await deleteWhere(tx, recipientId, groupCondition(groupKey));
  });
}

/** Deletes every notification of the recipient, and with them their requests. */
export async function clearNotifications(db: Db, recipientId: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`DELETE FROM notifications WHERE account_id = ${recipientId}::bigint`);
    await tx.execute(
      sql`DELETE FROM notification_requests WHERE account_id = ${recipientId}::bigint`,
    );
  });
}

/**
 * Takes back notifications whose cause was undone: an unfavourite, an unboost,
 * an unfollow, a withdrawn or answered follow request (Mastodon destroys them
 * with their activity), or an earlier "update" an edit replaces. Without
 * `statusId`, every `type` notification of the sender goes. For other domain
 * functions, in their transaction.
 */
export async function withdrawNotifications(
  tx: DbOrTx,
  n: {
    accountId: string;
    fromAccountId: string;
    type: NotificationType;
    statusId?: string | null;
  },
): Promise<void> {
  const status =
    n.statusId === undefined || n.statusId === null
      ? sql`TRUE`
      : sql`n.status_id = ${n.statusId}::bigint`;
  await deleteWhere(
    tx,
    n.accountId,
    sql`n.from_account_id = ${n.fromAccountId}::bigint AND n.type = ${n.type} AND ${status}`,
  );
}

export interface NotificationPair {
  /** The recipient. */
  accountId: string;
  fromAccountId: string;
}

/**
 * Takes back the `type` notifications each pair's sender made for its
 * recipient, in one statement whatever the number of pairs: the "follow"
 * notifications of removed follows, the "follow_request" ones of the
 * requests a block drops.
 */
export async function withdrawNotificationsOfPairs(
  tx: DbOrTx,
  pairs: readonly NotificationPair[],
  type: NotificationType,
): Promise<void> {
  if (pairs.length === 0) return;
  const recipients = idArray(pairs.map((p) => p.accountId));
  const senders = idArray(pairs.map((p) => p.fromAccountId));
  const result = await tx.execute<{
    account_id: string;
    from_account_id: string;
    filtered: boolean;
  }>(
    sql`DELETE FROM notifications n
      USING (SELECT unnest(${recipients}::bigint[]) AS a, unnest(${senders}::bigint[]) AS f) p
      WHERE n.account_id = p.a AND n.from_account_id = p.f AND n.type = ${type}
      RETURNING n.account_id::text AS account_id, n.from_account_id::text AS from_account_id, n.filtered`,
  );
  const filteredSenders = new Map<string, string[]>();
  for (const r of result.rows.filter((row) => row.filtered)) {
    const senders = filteredSenders.get(r.account_id) ?? [];
    senders.push(r.from_account_id);
    filteredSenders.set(r.account_id, senders);
  }
  for (const [recipientId, from] of filteredSenders) {
    await reconsiderRequests(tx, recipientId, from);
  }
}

/**
 * Deletes every notification `fromAccountId` made for `accountId`: a block,
 * or a mute that hides notifications (AfterBlockService#clear_notifications!).
 */
export async function clearNotificationsFrom(
  tx: DbOrTx,
  accountId: string,
  fromAccountId: string,
): Promise<void> {
  await deleteWhere(tx, accountId, sql`n.from_account_id = ${fromAccountId}::bigint`);
}

/**
 * Deletes every notification the accounts of `domain` made for `accountId`
 * (AfterBlockDomainFromAccountService#clear_notifications!).
 */
export async function clearNotificationsFromDomain(
  tx: DbOrTx,
  accountId: string,
  domain: string,
): Promise<void> {
  await deleteWhere(
    tx,
    accountId,
    sql`n.from_account_id IN (SELECT a.id FROM accounts a WHERE a.domain = ${domain})`,
  );
}
