// Muting and unmuting an account
// (https://docs.joinmastodon.org/methods/accounts/#mute, #unmute,
// methods/mutes/), as Mastodon's MuteService, Account#mute! and
// UnmuteService:
// - muting yourself does nothing;
// - `notifications` (default true) also hides their notifications: the mute
//   row's hide_notifications, which the notifications rules read; muting
//   with it clears what they already sent;
// - `duration` seconds makes the mute end by itself (expires_at); 0 is
//   forever. Muting again replaces both; an expired mute counts as none;
// - the muted account's statuses leave the home feed; unmuting an account
//   still followed merges them back;
// - the list shows muted accounts that are not suspended, newest mute
//   first, paginated by the mute's id, with when each mute ends.
import { and, eq, gt, isNull, or } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { accounts, mutes } from "../../db/schema/index.ts";
import type { PageQuery } from "../../http/pagination.ts";
import { newId } from "../../lib/ids.ts";
import { clearNotificationsFrom } from "../notifications/dismiss.ts";
import { pageClauses, toPage, type Page } from "../statuses/interactions/page.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import { onBlockOrMute, onUnmute } from "../timelines/feeds.ts";
import type { ListedAccount } from "./follow-lists.ts";

export interface MuteChoices {
  /** Hide their notifications too (default true). */
  notifications?: boolean;
  /** Seconds until the mute ends; 0 or absent: never. */
  duration?: number;
}

export interface MutedAccount extends ListedAccount {
  expiresAt: Date | null;
}

const unexpired = () => or(isNull(mutes.expiresAt), gt(mutes.expiresAt, new Date()));

/** `accountId` mutes `targetId`. */
export async function muteAccount(
  db: Db,
  accountId: string,
  targetId: string,
  choices: MuteChoices,
): Promise<void> {
  if (accountId === targetId) return;
  const hideNotifications = choices.notifications ?? true;
  const duration = choices.duration ?? 0;
  const expiresAt = duration > 0 ? new Date(Date.now() + duration * 1000) : null;
  await db.transaction(async (tx) => {
    await tx
      .insert(mutes)
      .values({ id: newId(), accountId, targetAccountId: targetId, hideNotifications, expiresAt })
      .onConflictDoUpdate({
        target: [mutes.accountId, mutes.targetAccountId],
        set: { hideNotifications, expiresAt, updatedAt: new Date() },
      });
    if (hideNotifications) await clearNotificationsFrom(tx, accountId, targetId);
    await onBlockOrMute(tx, accountId, targetId);
  });
}

/** `accountId` unmutes `targetId` (`jobs`: where the feed merge is queued; inline without). */
export async function unmuteAccount(
  db: Db,
  accountId: string,
  targetId: string,
  jobs?: JobQueue | null,
): Promise<void> {
  await db.transaction(async (tx) => {
    const removed = await tx
      .delete(mutes)
      .where(and(eq(mutes.accountId, accountId), eq(mutes.targetAccountId, targetId)))
      .returning({ id: mutes.id });
    if (removed.length > 0) await onUnmute(tx, accountId, targetId, jobs);
  });
}

/** A page of the accounts `accountId` mutes, with when each mute ends. */
export async function mutedAccounts(
  db: Db,
  accountId: string,
  q: PageQuery,
): Promise<Page<MutedAccount>> {
  const { where, order } = pageClauses(mutes.id, q);
  const rows = await db
    .select({ id: mutes.id, accountId: mutes.targetAccountId, expiresAt: mutes.expiresAt })
    .from(mutes)
    .innerJoin(accounts, eq(accounts.id, mutes.targetAccountId))
    .where(and(eq(mutes.accountId, accountId), unexpired(), isNull(accounts.suspendedAt), ...where))
    .orderBy(order)
    .limit(q.limit);
  return toPage(rows, (r) => r.id, q);
}
