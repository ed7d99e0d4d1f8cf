// Dismissing notifications, as Mastodon's notifications controllers (v1
// dismiss and clear, v2 group dismiss). A filtered notification that goes
// away updates its sender's notification request (Notification#remove_from_notification_request).
// https://docs.joinmastodon.org/methods/notifications/#dismiss
import { sql, type SQL } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/database.ts";
import type { NotificationType } from "../../db/schema/index.ts";
import { isId } from "../../lib/ids.ts";
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
 * with their activity). For other domain functions, in their transaction.
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
