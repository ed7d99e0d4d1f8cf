// Undoing an interaction takes back the notification it made: in Mastodon the
// notification belongs to the favourite or the boost (`has_one :notification,
// as: :activity, dependent: :destroy`), so unfavouriting or unboosting
// removes it. Herd's notifications point at the status instead, so the
// notification is found by who, what and which status.
// TODO(notifications): belongs next to notify() in src/domain/notifications/.
import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "../../../db/database.ts";
import { notifications, type NotificationType } from "../../../db/schema/index.ts";

export async function withdrawNotification(
  tx: DbOrTx,
  n: { accountId: string; fromAccountId: string; type: NotificationType; statusId: string },
): Promise<void> {
  await tx
    .delete(notifications)
    .where(
      and(
        eq(notifications.accountId, n.accountId),
        eq(notifications.fromAccountId, n.fromAccountId),
        eq(notifications.type, n.type),
        eq(notifications.statusId, n.statusId),
      ),
    );
}
