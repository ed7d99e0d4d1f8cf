// Creating notifications: the one entry point every domain function calls
// (statuses for mentions, favourites, reblogs, follows, edits, sign-ups), in
// the caller's transaction, as Mastodon's NotifyService#call:
// 1. the rules decide: dropped (nothing happens), filtered (kept aside under
//    a notification request) or shown (notify-conditions.ts);
// 2. a shown notification of a groupable type gets its group key (group-key.ts);
// 3. a filtered mention creates or refreshes the sender's notification
//    request; a shown direct mention joins the recipient's conversation.
// `status` notifications (new posts of accounts followed with notify=true)
// are for the caller to decide; `statusId` of a reblog notification may be
// the boost or the boosted status (the boosted one is what it is about).
// An "update" (a boosted status was edited) replaces the recipient's earlier
// ones about the same status, whatever the rules decide for the new one, as
// LocalNotificationWorker does: one per booster and status, the latest.
// https://docs.joinmastodon.org/methods/notifications/
import type { DbOrTx } from "../../db/database.ts";
import { notifications, type NotificationType } from "../../db/schema/index.ts";
import { newId } from "../../lib/ids.ts";
import { addStatusToConversation } from "../conversations/account-conversations.ts";
import { emit } from "../events/emit.ts";
import { withdrawNotifications } from "./dismiss.ts";
import { groupKeyFor } from "./group-key.ts";
import { decide } from "./notify-conditions.ts";
import { upsertRequest } from "./notification-requests.ts";
import { REQUEST_TYPES } from "./types.ts";

export interface NewNotification {
  /** The recipient. */
  accountId: string;
  fromAccountId: string;
  type: NotificationType;
  statusId?: string | null;
  /** The report of an `admin.report` (Notification#report). */
  reportId?: string | null;
}

export async function notify(tx: DbOrTx, n: NewNotification): Promise<void> {
  const statusId = n.statusId ?? null;
  if (n.type === "update" && statusId !== null) {
    await withdrawNotifications(tx, { ...n, statusId });
  }
  const { outcome, target } = await decide(tx, n.accountId, n.fromAccountId, n.type, statusId);
  if (outcome === "drop") return;
  const filtered = outcome === "filter";
  const groupKey = filtered ? null : await groupKeyFor(tx, n.accountId, n.type, target?.id ?? null);
  const id = newId();
  await tx.insert(notifications).values({
    id,
    accountId: n.accountId,
    fromAccountId: n.fromAccountId,
    type: n.type,
    statusId,
    reportId: n.reportId ?? null,
    groupKey,
    filtered,
  });
  if (filtered) {
    if (REQUEST_TYPES.includes(n.type)) {
      await upsertRequest(tx, n.accountId, n.fromAccountId, target?.id ?? null);
    }
    return;
  }
  // NotifyService#push_to_streaming_api!: shown notifications only.
  await emit(tx, { type: "notification.created", notificationId: id, accountId: n.accountId });
  if (n.type === "mention" && target?.visibility === "direct") {
    await addStatusToConversation(tx, n.accountId, target.id);
  }
}
