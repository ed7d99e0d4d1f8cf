// Creating notifications: the one entry point every domain function calls
// (statuses for mentions, favourites, reblogs, follows, edits, sign-ups), in
// the caller's transaction. The notifications issue owns the rules here:
// blocks and mutes suppress, the notification policy filters, group keys.
import type { DbOrTx } from "../../db/database.ts";
import { notifications, type NotificationType } from "../../db/schema/index.ts";
import { newId } from "../../lib/ids.ts";

export interface NewNotification {
  /** The recipient. */
  accountId: string;
  fromAccountId: string;
  type: NotificationType;
  statusId?: string | null;
}

export async function notify(tx: DbOrTx, n: NewNotification): Promise<void> {
  if (n.accountId === n.fromAccountId) return;
  await tx.insert(notifications).values({
    id: newId(),
    accountId: n.accountId,
    fromAccountId: n.fromAccountId,
    type: n.type,
    statusId: n.statusId ?? null,
  });
}
