// Notifications the social graph takes back. In Mastodon a "follow" or
// "follow_request" notification belongs to its follow or follow request and
// goes with it (`has_one :notification, as: :activity, dependent: :destroy`),
// and a block, a mute that hides notifications, or a domain block clears what
// the blocked accounts had sent (AfterBlockService#clear_notifications!,
// AfterBlockDomainFromAccountService#clear_notifications!). Notification
// requests left without notifications are recounted or removed, as the
// notifications code does when it dismisses.
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import type { NotificationType } from "../../db/schema/index.ts";
import { withdrawNotifications as withdrawOne } from "../notifications/dismiss.ts";
import { reconsiderRequests } from "../notifications/notification-requests.ts";

export interface NotificationPair {
  /** The recipient. */
  accountId: string;
  fromAccountId: string;
}

/** Takes back the `type` notifications each pair's sender made for its recipient. */
export async function withdrawNotifications(
  tx: DbOrTx,
  pairs: readonly NotificationPair[],
  type: NotificationType,
): Promise<void> {
  for (const p of pairs) await withdrawOne(tx, { ...p, type });
}

/** Deletes every notification `fromAccountId` made for `accountId`. */
export async function clearNotificationsFrom(
  tx: DbOrTx,
  accountId: string,
  fromAccountId: string,
): Promise<void> {
  await tx.execute(sql`DELETE FROM notifications
    WHERE account_id = ${accountId} AND from_account_id = ${fromAccountId}`);
  await reconsiderRequests(tx, accountId, [fromAccountId]);
}

/** Deletes every notification accounts of `domain` made for `accountId`. */
export async function clearNotificationsFromDomain(
  tx: DbOrTx,
  accountId: string,
  domain: string,
): Promise<void> {
  const { rows } = await tx.execute<{
    from: string;
  }>(sql`DELETE FROM notifications n USING accounts a
    WHERE n.account_id = ${accountId} AND n.from_account_id = a.id AND a.domain = ${domain}
    RETURNING n.from_account_id::text AS from`);
  await reconsiderRequests(
    tx,
    accountId,
    rows.map((r) => r.from),
  );
}
