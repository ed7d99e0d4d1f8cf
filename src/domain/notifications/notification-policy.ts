// The notification policy (4.3), as Mastodon's NotificationPolicy: accept,
// filter or drop notifications from accounts one does not follow, that do not
// follow one, that are new, that moderators limited, and private mentions.
// A user without a saved policy has Mastodon's defaults. The summary counts
// pending requests and their notifications (at most 100 requests).
// https://docs.joinmastodon.org/methods/notifications/#get-policy
import { eq, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { notificationPolicies, type PolicyValue } from "../../db/schema/index.ts";
import { unprocessable } from "../errors.ts";
import { MAX_MEANINGFUL_COUNT } from "./notification-requests.ts";

export interface NotificationPolicy {
  forNotFollowing: PolicyValue;
  forNotFollowers: PolicyValue;
  forNewAccounts: PolicyValue;
  forPrivateMentions: PolicyValue;
  forLimitedAccounts: PolicyValue;
  pendingRequestsCount: number;
  pendingNotificationsCount: number;
}

export type PolicyChanges = Partial<
  Pick<
    NotificationPolicy,
    | "forNotFollowing"
    | "forNotFollowers"
    | "forNewAccounts"
    | "forPrivateMentions"
    | "forLimitedAccounts"
  >
>;

export const POLICY_VALUES: readonly PolicyValue[] = ["accept", "filter", "drop"];

const DEFAULTS = {
  forNotFollowing: "accept",
  forNotFollowers: "accept",
  forNewAccounts: "accept",
  forPrivateMentions: "filter",
  forLimitedAccounts: "filter",
} as const satisfies PolicyChanges;

const FIELD_NAMES: Record<keyof PolicyChanges, string> = {
  forNotFollowing: "for_not_following",
  forNotFollowers: "for_not_followers",
  forNewAccounts: "for_new_accounts",
  forPrivateMentions: "for_private_mentions",
  forLimitedAccounts: "for_limited_accounts",
};

/** The account's policy with its summary. */
export async function getNotificationPolicy(
  db: Db,
  accountId: string,
): Promise<NotificationPolicy> {
  const [row] = await db
    .select()
    .from(notificationPolicies)
    .where(eq(notificationPolicies.accountId, accountId));
  const summary = await db.execute<{ requests: number; notifications: number }>(sql`
    SELECT count(*)::int AS requests, coalesce(sum(notifications_count), 0)::int AS notifications
    FROM (SELECT r.notifications_count FROM notification_requests r
      WHERE r.account_id = ${accountId}::bigint
        AND EXISTS (SELECT 1 FROM accounts fa WHERE fa.id = r.from_account_id AND fa.suspended_at IS NULL)
      LIMIT ${MAX_MEANINGFUL_COUNT}) x`);
  return {
    forNotFollowing: row?.forNotFollowing ?? DEFAULTS.forNotFollowing,
    forNotFollowers: row?.forNotFollowers ?? DEFAULTS.forNotFollowers,
    forNewAccounts: row?.forNewAccounts ?? DEFAULTS.forNewAccounts,
    forPrivateMentions: row?.forPrivateMentions ?? DEFAULTS.forPrivateMentions,
    forLimitedAccounts: row?.forLimitedAccounts ?? DEFAULTS.forLimitedAccounts,
    pendingRequestsCount: Number(summary.rows[0]?.requests ?? 0),
    pendingNotificationsCount: Number(summary.rows[0]?.notifications ?? 0),
  };
}

/**
 * Saves the given fields of the account's policy; a value other than
 * accept, filter or drop is a 422 naming the field, as Rails' enum validation.
 */
export async function updateNotificationPolicy(
  db: Db,
  accountId: string,
  changes: Record<keyof PolicyChanges, unknown>,
): Promise<NotificationPolicy> {
  const valid: PolicyChanges = {};
  for (const key of Object.keys(FIELD_NAMES) as (keyof PolicyChanges)[]) {
    const value = changes[key];
    if (value === undefined) continue;
    if (typeof value !== "string" || !(POLICY_VALUES as readonly string[]).includes(value)) {
      const field = FIELD_NAMES[key];
      throw unprocessable(
        `Validation failed: ${field.charAt(0).toUpperCase()}${field.slice(1).replace(/_/g, " ")} is not included in the list`,
        { [field]: [{ error: "ERR_INCLUSION", description: "is not included in the list" }] },
      );
    }
    valid[key] = value as PolicyValue;
  }
  if (Object.keys(valid).length > 0) {
    await db
      .insert(notificationPolicies)
      .values({ accountId, ...DEFAULTS, ...valid })
      .onConflictDoUpdate({
        target: notificationPolicies.accountId,
        set: { ...valid, updatedAt: new Date() },
      });
  }
  return getNotificationPolicy(db, accountId);
}
