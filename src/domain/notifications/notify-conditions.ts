// Whether a notification is dropped, filtered (held back under a notification
// request) or shown, as Mastodon's NotifyService::DropCondition and
// FilterCondition (app/services/notify_service.rb, 4.3+):
// - nothing for a remote or unavailable recipient, nothing from oneself;
// - a mention from staff (a highlighted role with moderation powers above the
//   recipient's) skips every other rule;
// - dropped: the recipient blocks the sender (Herd also drops when the sender
//   blocks the recipient), blocks the sender's domain (unless following the
//   sender), mutes the sender with notifications hidden, or muted the thread;
//   a mention is also dropped when it mentions or replies to someone the
//   recipient blocks or mutes with notifications (FeedManager#filter_from_mentions?);
// - then, for filterable types and senders the recipient has not accepted
//   (notification_permissions), the policy: limited accounts, not following,
//   not followers (or following for less than 3 days), new accounts (younger
//   than 30 days), private mentions not in reply to the recipient's own private
//   mention; `drop` wins over `filter`.
// https://docs.joinmastodon.org/entities/NotificationPolicy/
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import type { NotificationType, PolicyValue } from "../../db/schema/index.ts";
import { can, PERMISSIONS, roleById } from "../accounts/roles.ts";
import { FILTERABLE_TYPES } from "./types.ts";

export type Outcome = "drop" | "filter" | "accept";

const NEW_ACCOUNT_DAYS = 30;
const NEW_FOLLOWER_DAYS = 3;
const DAY_MS = 24 * 60 * 60 * 1000;

/** UserRole::Flags::CATEGORIES[:moderation], as one mask: any of them makes a moderator. */
const MODERATION =
  PERMISSIONS.viewDashboard |
  PERMISSIONS.viewAuditLog |
  PERMISSIONS.manageUsers |
  PERMISSIONS.manageUserAccess |
  PERMISSIONS.deleteUserData |
  PERMISSIONS.manageReports |
  PERMISSIONS.manageAppeals |
  PERMISSIONS.manageFederation |
  PERMISSIONS.manageBlocks |
  PERMISSIONS.manageTaxonomies |
  PERMISSIONS.manageInvites;

/** Types that may notify oneself (Mastodon: poll results, severed relationships, warnings). */
const SELF_TYPES: ReadonlySet<NotificationType> = new Set([
  "poll",
  "severed_relationships",
  "moderation_warning",
]);

type Facts = {
  recipient_user: boolean;
  recipient_unavailable: boolean;
  recipient_role: number | null;
  sender_exists: boolean;
  sender_local_user: boolean;
  sender_role: number | null;
  sender_silenced: boolean;
  sender_created_at: Date | null;
  blocking: boolean;
  blocked_by: boolean;
  muting_notifications: boolean;
  domain_blocking: boolean;
  following: boolean;
  follower_since: Date | null;
  permitted: boolean;
  for_not_following: PolicyValue | null;
  for_not_followers: PolicyValue | null;
  for_new_accounts: PolicyValue | null;
  for_private_mentions: PolicyValue | null;
  for_limited_accounts: PolicyValue | null;
  target_status_id: string | null;
  target_visibility: string | null;
  target_in_reply_to_id: string | null;
  target_conversation_id: string | null;
  conversation_muted: boolean;
  mention_blocked: boolean;
};

/** What the decision needs to know about the status, besides the outcome. */
export interface TargetStatus {
  id: string;
  visibility: string;
  conversationId: string | null;
}

export interface Decision {
  outcome: Outcome;
  /** The status the notification is about (the original of a boost). */
  target: TargetStatus | null;
}

/** Blocks or mutes-with-notifications by the recipient of the account in `col`. */
function blocksOrMutes(recipient: string, col: ReturnType<typeof sql>) {
  return sql`(EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = ${recipient} AND b.target_account_id = ${col})
    OR EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = ${recipient} AND mu.target_account_id = ${col}
      AND mu.hide_notifications AND (mu.expires_at IS NULL OR mu.expires_at > now())))`;
}

/** Everything the rules need, in one query. */
async function loadFacts(
  tx: DbOrTx,
  recipient: string,
  sender: string,
  statusId: string | null,
): Promise<Facts | null> {
  const r = sql`${recipient}::bigint`;
  const s = sql`${sender}::bigint`;
  const result = await tx.execute<Facts>(sql`
    SELECT
      ru.id IS NOT NULL AS recipient_user,
      (ra.suspended_at IS NOT NULL OR ra.memorial OR coalesce(ru.disabled, false)) AS recipient_unavailable,
      ru.role_id AS recipient_role,
      sa.id IS NOT NULL AS sender_exists,
      (sa.domain IS NULL AND su.id IS NOT NULL) AS sender_local_user,
      su.role_id AS sender_role,
      sa.silenced_at IS NOT NULL AS sender_silenced,
      sa.created_at AS sender_created_at,
      EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = ${r} AND b.target_account_id = ${s}) AS blocking,
      EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = ${s} AND b.target_account_id = ${r}) AS blocked_by,
      EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = ${r} AND mu.target_account_id = ${s}
        AND mu.hide_notifications AND (mu.expires_at IS NULL OR mu.expires_at > now())) AS muting_notifications,
      (sa.domain IS NOT NULL AND EXISTS (SELECT 1 FROM account_domain_blocks d
        WHERE d.account_id = ${r} AND d.domain = sa.domain)) AS domain_blocking,
      EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ${r} AND f.target_account_id = ${s}) AS following,
      (SELECT f.created_at FROM follows f WHERE f.account_id = ${s} AND f.target_account_id = ${r}) AS follower_since,
      EXISTS (SELECT 1 FROM notification_permissions np
        WHERE np.account_id = ${r} AND np.from_account_id = ${s}) AS permitted,
      p.for_not_following, p.for_not_followers, p.for_new_accounts,
      p.for_private_mentions, p.for_limited_accounts,
      t.id AS target_status_id,
      t.visibility AS target_visibility,
      t.in_reply_to_id AS target_in_reply_to_id,
      t.conversation_id AS target_conversation_id,
      (t.conversation_id IS NOT NULL AND EXISTS (SELECT 1 FROM conversation_mutes cm
        WHERE cm.account_id = ${r} AND cm.conversation_id = t.conversation_id)) AS conversation_muted,
      (t.id IS NOT NULL AND (
        EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = t.id AND NOT m.silent
          AND ${blocksOrMutes(recipient, sql`m.account_id`)})
        OR (t.in_reply_to_account_id IS NOT NULL AND ${blocksOrMutes(recipient, sql`t.in_reply_to_account_id`)})
      )) AS mention_blocked
    FROM accounts ra
    LEFT JOIN users ru ON ru.account_id = ra.id
    LEFT JOIN accounts sa ON sa.id = ${s}
    LEFT JOIN users su ON su.account_id = sa.id
    LEFT JOIN notification_policies p ON p.account_id = ra.id
    LEFT JOIN statuses s0 ON s0.id = ${statusId}::bigint AND s0.deleted_at IS NULL
    LEFT JOIN statuses t ON t.id = coalesce(s0.reblog_of_id, s0.id) AND t.deleted_at IS NULL
    WHERE ra.id = ${r}`);
  return result.rows[0] ?? null;
}

/**
 * Whether the status replying to `inReplyToId` answers a private mention of
 * the sender by the recipient, up the thread (at most 100 statuses up), as
 * NotifyService::BaseCondition#response_to_recipient?.
 */
async function respondsToRecipient(
  tx: DbOrTx,
  inReplyToId: string,
  recipient: string,
  sender: string,
): Promise<boolean> {
  const result = await tx.execute<{ n: string }>(sql`
    WITH RECURSIVE ancestors(id, in_reply_to_id, mention_id, path, depth) AS (
        SELECT s.id, s.in_reply_to_id, m.id, ARRAY[s.id], 0
        FROM statuses s
        LEFT JOIN mentions m ON NOT m.silent AND m.account_id = ${sender}::bigint AND m.status_id = s.id
        WHERE s.id = ${inReplyToId}::bigint
      UNION ALL
        SELECT s.id, s.in_reply_to_id, m.id, ancestors.path || s.id, ancestors.depth + 1
        FROM ancestors
        JOIN statuses s ON s.id = ancestors.in_reply_to_id
        LEFT JOIN mentions m ON NOT m.silent AND m.account_id = ${sender}::bigint
          AND m.status_id = s.id AND s.account_id = ${recipient}::bigint
        WHERE ancestors.mention_id IS NULL AND NOT s.id = ANY(ancestors.path) AND ancestors.depth < 100
    )
    SELECT count(*) AS n FROM ancestors JOIN statuses s ON s.id = ancestors.id
    WHERE ancestors.mention_id IS NOT NULL AND s.account_id = ${recipient}::bigint
      AND s.visibility = 'direct'`);
  return Number(result.rows[0]?.n ?? 0) > 0;
}

const olderThan = (date: Date | null, days: number) =>
  date !== null && new Date(date).getTime() <= Date.now() - days * DAY_MS;

/** Decides what happens to a notification of `type` from `sender` to `recipient`. */
export async function decide(
  tx: DbOrTx,
  recipient: string,
  sender: string,
  type: NotificationType,
  statusId: string | null,
): Promise<Decision> {
  const f = await loadFacts(tx, recipient, sender, statusId);
  const drop: Decision = { outcome: "drop", target: null };
  if (!f || !f.recipient_user || !f.sender_exists || f.recipient_unavailable) return drop;
  const target: TargetStatus | null = f.target_status_id
    ? {
        id: f.target_status_id,
        visibility: f.target_visibility ?? "public",
        conversationId: f.target_conversation_id,
      }
    : null;
  if (statusId !== null && !target) return drop; // the status is gone
  if (recipient === sender && !SELF_TYPES.has(type)) return drop;

  const message = type === "mention";
  const senderRole = roleById(f.sender_role);
  const fromStaff =
    f.sender_local_user &&
    senderRole.highlighted &&
    can(senderRole, MODERATION) &&
    senderRole.position > roleById(f.recipient_role).position;
  if (message && fromStaff) return { outcome: "accept", target };

  if (f.domain_blocking && !f.following) return drop;
  if (f.blocking || f.blocked_by || f.muting_notifications || f.conversation_muted) return drop;
  if (message && f.mention_blocked) return drop;

  if (!FILTERABLE_TYPES.has(type) || f.permitted) return { outcome: "accept", target };

  const notFollowing = !f.following;
  const notFollower = !olderThan(f.follower_since, NEW_FOLLOWER_DAYS);
  const newAccount = !olderThan(f.sender_created_at, NEW_ACCOUNT_DAYS);
  let privateMention: boolean | null = null;
  const isPrivateMention = async () => {
    if (privateMention === null) {
      privateMention =
        message &&
        target?.visibility === "direct" &&
        !(
          f.target_in_reply_to_id !== null &&
          (await respondsToRecipient(tx, f.target_in_reply_to_id, recipient, sender))
        );
    }
    return privateMention;
  };

  const policy = {
    limited: f.for_limited_accounts ?? "filter",
    notFollowing: f.for_not_following ?? "accept",
    notFollowers: f.for_not_followers ?? "accept",
    newAccounts: f.for_new_accounts ?? "accept",
    privateMentions: f.for_private_mentions ?? "filter",
  };
  /** Whether any rule with `value` applies (drop rules are checked before filter rules). */
  const applies = async (value: PolicyValue) =>
    (policy.limited === value && f.sender_silenced && notFollowing) ||
    (policy.notFollowing === value && notFollowing) ||
    (policy.notFollowers === value && notFollower) ||
    (policy.newAccounts === value && newAccount && notFollowing) ||
    (policy.privateMentions === value && notFollowing && (await isPrivateMention()));

  if (await applies("drop")) return drop;
  if (await applies("filter")) return { outcome: "filter", target };
  return { outcome: "accept", target };
}
