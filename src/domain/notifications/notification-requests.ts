// Notification requests (4.3): the filtered mentions from one sender, waiting
// for the recipient to accept or dismiss them, as Mastodon's
// NotificationRequest, AcceptNotificationRequestService,
// DismissNotificationRequestService and UnfilterNotificationsWorker.
// https://docs.joinmastodon.org/methods/notifications/#get-requests
// Accepting is done at once (Mastodon queues it), so requests are always "merged".
import { and, asc, desc, eq, gt, inArray, lt, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/database.ts";
import {
  notificationPermissions,
  notificationRequests,
  notifications,
} from "../../db/schema/index.ts";
import { isId, newId } from "../../lib/ids.ts";
import { addStatusToConversation } from "../conversations/account-conversations.ts";
import { notFound } from "../errors.ts";
import { emit } from "../events/emit.ts";
import { REQUEST_TYPES } from "./types.ts";

/** NotificationRequest::MAX_MEANINGFUL_COUNT. */
export const MAX_MEANINGFUL_COUNT = 100;

export type NotificationRequestRow = typeof notificationRequests.$inferSelect;

const countSql = (recipientId: string, senderId: string) => sql`(SELECT count(*)::int FROM (
  SELECT 1 FROM notifications n WHERE n.account_id = ${recipientId}::bigint
    AND n.from_account_id = ${senderId}::bigint AND n.filtered
    AND n.type IN (${sql.join(
      REQUEST_TYPES.map((t) => sql`${t}`),
      sql`, `,
    )})
  LIMIT ${MAX_MEANINGFUL_COUNT}) x)`;

/** A filtered mention arrived: create or refresh the sender's request (NotifyService#update_notification_request!). */
export async function upsertRequest(
  tx: DbOrTx,
  recipientId: string,
  senderId: string,
  lastStatusId: string | null,
): Promise<void> {
  await tx.execute(sql`
    INSERT INTO notification_requests (id, account_id, from_account_id, last_status_id, notifications_count)
    VALUES (${newId()}, ${recipientId}, ${senderId}, ${lastStatusId}, ${countSql(recipientId, senderId)})
    ON CONFLICT (account_id, from_account_id) DO UPDATE SET
      last_status_id = excluded.last_status_id,
      notifications_count = excluded.notifications_count,
      updated_at = now()`);
}

/**
 * Notifications went away: recount the requests of these senders and remove
 * those left empty (NotificationRequest#reconsider_existence!).
 */
export async function reconsiderRequests(
  tx: DbOrTx,
  recipientId: string,
  senderIds: readonly string[],
): Promise<void> {
  const ids = [...new Set(senderIds)];
  if (ids.length === 0) return;
  const requests = await tx
    .select({ id: notificationRequests.id, fromAccountId: notificationRequests.fromAccountId })
    .from(notificationRequests)
    .where(
      and(
        eq(notificationRequests.accountId, recipientId),
        inArray(notificationRequests.fromAccountId, ids),
      ),
    );
  for (const request of requests) {
    await tx.execute(sql`UPDATE notification_requests
      SET notifications_count = ${countSql(recipientId, request.fromAccountId)}, updated_at = now()
      WHERE id = ${request.id}`);
  }
  if (requests.length > 0) {
    await tx.execute(sql`DELETE FROM notification_requests
      WHERE account_id = ${recipientId} AND notifications_count = 0`);
  }
}

export interface RequestPage {
  maxId: string | null;
  sinceId: string | null;
  minId: string | null;
  limit: number;
}

/** The recipient's requests from senders not suspended, newest first (Paginable). */
export async function listRequests(
  db: Db,
  recipientId: string,
  page: RequestPage,
): Promise<NotificationRequestRow[]> {
  const conditions = [
    eq(notificationRequests.accountId, recipientId),
    sql`EXISTS (SELECT 1 FROM accounts fa WHERE fa.id = ${notificationRequests.fromAccountId}
      AND fa.suspended_at IS NULL)`,
  ];
  if (page.maxId) conditions.push(lt(notificationRequests.id, page.maxId));
  if (page.minId) {
    conditions.push(gt(notificationRequests.id, page.minId));
    const rows = await db
      .select()
      .from(notificationRequests)
      .where(and(...conditions))
      .orderBy(asc(notificationRequests.id))
      .limit(page.limit);
    return rows.reverse();
  }
  if (page.sinceId) conditions.push(gt(notificationRequests.id, page.sinceId));
  return db
    .select()
    .from(notificationRequests)
    .where(and(...conditions))
    .orderBy(desc(notificationRequests.id))
    .limit(page.limit);
}

/** One of the recipient's requests, or a 404. */
export async function getRequest(
  db: DbOrTx,
  recipientId: string,
  id: string,
): Promise<NotificationRequestRow> {
  if (!isId(id)) throw notFound();
  const [row] = await db
    .select()
    .from(notificationRequests)
    .where(and(eq(notificationRequests.id, id), eq(notificationRequests.accountId, recipientId)));
  if (!row) throw notFound();
  return row;
}

async function acceptOne(tx: DbOrTx, request: NotificationRequestRow): Promise<void> {
  const { accountId, fromAccountId } = request;
  await tx
    .insert(notificationPermissions)
    .values({ id: newId(), accountId, fromAccountId })
    .onConflictDoNothing();
  // Private mentions held back reach the recipient's conversations now
  // (UnfilterNotificationsWorker#push_to_conversations!), oldest first.
  const direct = await tx.execute<{ status_id: string }>(sql`
    SELECT n.status_id FROM notifications n JOIN statuses s ON s.id = n.status_id
    WHERE n.account_id = ${accountId} AND n.from_account_id = ${fromAccountId} AND n.filtered
      AND n.type = 'mention' AND s.visibility = 'direct' AND s.deleted_at IS NULL
    ORDER BY n.id`);
  for (const row of direct.rows) await addStatusToConversation(tx, accountId, row.status_id);
  await tx
    .update(notifications)
    .set({ filtered: false })
    .where(
      and(
        eq(notifications.accountId, accountId),
        eq(notifications.fromAccountId, fromAccountId),
        eq(notifications.filtered, true),
      ),
    );
  await tx.delete(notificationRequests).where(eq(notificationRequests.id, request.id));
}

async function dismissOne(tx: DbOrTx, request: NotificationRequestRow): Promise<void> {
  // FilteredNotificationCleanupWorker: the held-back notifications go too.
  await tx
    .delete(notifications)
    .where(
      and(
        eq(notifications.accountId, request.accountId),
        eq(notifications.fromAccountId, request.fromAccountId),
        eq(notifications.filtered, true),
      ),
    );
  await tx.delete(notificationRequests).where(eq(notificationRequests.id, request.id));
}

/** Accepts one request (404 if not the recipient's). */
export async function acceptRequest(db: Db, recipientId: string, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    await acceptOne(tx, await getRequest(tx, recipientId, id));
    // UnfilterNotificationsWorker#push_streaming_event!: the list should be read again.
    await emit(tx, { type: "notifications.merged", accountId: recipientId });
  });
}

/** Dismisses one request (404 if not the recipient's). */
export async function dismissRequest(db: Db, recipientId: string, id: string): Promise<void> {
  await db.transaction(async (tx) => dismissOne(tx, await getRequest(tx, recipientId, id)));
}

async function requestsByIds(
  tx: DbOrTx,
  recipientId: string,
  ids: readonly string[],
): Promise<NotificationRequestRow[]> {
  const wanted = [...new Set(ids.filter(isId))];
  if (wanted.length === 0) return [];
  return tx
    .select()
    .from(notificationRequests)
    .where(
      and(
        eq(notificationRequests.accountId, recipientId),
        inArray(notificationRequests.id, wanted),
      ),
    );
}

/** Accepts the recipient's requests among `ids`; others are ignored. */
export async function acceptRequests(
  db: Db,
  recipientId: string,
  ids: readonly string[],
): Promise<void> {
  await db.transaction(async (tx) => {
    const requests = await requestsByIds(tx, recipientId, ids);
    for (const request of requests) await acceptOne(tx, request);
    if (requests.length > 0) {
      await emit(tx, { type: "notifications.merged", accountId: recipientId });
    }
  });
}

/** Dismisses the recipient's requests among `ids`; others are ignored. */
export async function dismissRequests(
  db: Db,
  recipientId: string,
  ids: readonly string[],
): Promise<void> {
  await db.transaction(async (tx) => {
    for (const request of await requestsByIds(tx, recipientId, ids)) await dismissOne(tx, request);
  });
}
