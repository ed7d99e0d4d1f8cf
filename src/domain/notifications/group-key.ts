// Group keys (https://docs.joinmastodon.org/methods/grouped_notifications/),
// as Mastodon's Notification::Groups#set_group_key!: favourites and boosts of
// the same status, and follows (and sign-ups), share the key
// `<type>[-<status id>]-<hour bucket>`, where the hour bucket is that of the
// first notification of the group; a new notification joins the group while
// it is less than 12 hours past that bucket and the group's last notification
// is less than 12 hours old. Mastodon remembers the group's bucket in Redis
// with a 12-hour expiry; Herd reads it from the recipient's latest notification
// with one of the 12 possible keys (an index lookup on (account_id, group_key)).
// Other types, and filtered notifications, have no key: they are shown as
// `ungrouped-<id>`.
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import type { NotificationType } from "../../db/schema/index.ts";
import { GROUPABLE_TYPES } from "./types.ts";

export const MAXIMUM_GROUP_SPAN_HOURS = 12;
const HOUR_MS = 60 * 60 * 1000;

/** The key a notification's group is known by when it has none of its own. */
export const ungroupedKey = (notificationId: string) => `ungrouped-${notificationId}`;

/** The key prefix of a groupable notification (without the bucket), or null. */
export function groupPrefix(type: NotificationType, targetStatusId: string | null): string | null {
  if (!GROUPABLE_TYPES.includes(type)) return null;
  if (type === "favourite" || type === "reblog") return `${type}-${targetStatusId ?? ""}`;
  return type;
}

/** The group key for a new notification, or null for ungrouped types. */
export async function groupKeyFor(
  tx: DbOrTx,
  recipientId: string,
  type: NotificationType,
  targetStatusId: string | null,
  now: Date = new Date(),
): Promise<string | null> {
  const prefix = groupPrefix(type, targetStatusId);
  if (prefix === null) return null;
  const bucket = Math.floor(now.getTime() / HOUR_MS);
  const candidates = Array.from(
    { length: MAXIMUM_GROUP_SPAN_HOURS },
    (_, i) => `${prefix}-${bucket - i}`,
  );
  const result = await tx.execute<{ group_key: string }>(sql`
    SELECT group_key FROM notifications
    WHERE account_id = ${recipientId}::bigint
      AND group_key IN (${sql.join(
        candidates.map((k) => sql`${k}`),
        sql`, `,
      )})
      AND created_at > ${new Date(now.getTime() - MAXIMUM_GROUP_SPAN_HOURS * HOUR_MS)}
    ORDER BY id DESC LIMIT 1`);
  return result.rows[0]?.group_key ?? `${prefix}-${bucket}`;
}
