// NotificationPolicy (https://docs.joinmastodon.org/entities/NotificationPolicy/)
// and the deprecated V1::NotificationPolicy
// (https://docs.joinmastodon.org/entities/V1_NotificationPolicy/), as
// Mastodon's REST::NotificationPolicySerializer and its V1 variant, where a
// category is "filtered" unless its notifications are accepted.
import type { PolicyValue } from "../../db/schema/index.ts";
import type { NotificationPolicy as Policy } from "../../domain/notifications/notification-policy.ts";

export interface PolicySummary {
  pending_requests_count: number;
  pending_notifications_count: number;
}

export interface NotificationPolicy {
  for_not_following: PolicyValue;
  for_not_followers: PolicyValue;
  for_new_accounts: PolicyValue;
  for_private_mentions: PolicyValue;
  for_limited_accounts: PolicyValue;
  summary: PolicySummary;
}

export interface V1NotificationPolicy {
  filter_not_following: boolean;
  filter_not_followers: boolean;
  filter_new_accounts: boolean;
  filter_private_mentions: boolean;
  summary: PolicySummary;
}

const summaryOf = (p: Policy): PolicySummary => ({
  pending_requests_count: p.pendingRequestsCount,
  pending_notifications_count: p.pendingNotificationsCount,
});

export function serializeNotificationPolicy(p: Policy): NotificationPolicy {
  return {
    for_not_following: p.forNotFollowing,
    for_not_followers: p.forNotFollowers,
    for_new_accounts: p.forNewAccounts,
    for_private_mentions: p.forPrivateMentions,
    for_limited_accounts: p.forLimitedAccounts,
    summary: summaryOf(p),
  };
}

export function serializeV1NotificationPolicy(p: Policy): V1NotificationPolicy {
  return {
    filter_not_following: p.forNotFollowing !== "accept",
    filter_not_followers: p.forNotFollowers !== "accept",
    filter_new_accounts: p.forNewAccounts !== "accept",
    filter_private_mentions: p.forPrivateMentions !== "accept",
    summary: summaryOf(p),
  };
}
