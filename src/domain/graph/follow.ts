// Following, unfollowing and removing a follower
// (https://docs.joinmastodon.org/methods/accounts/#follow, #unfollow,
// #remove_from_followers), as Mastodon's FollowService, UnfollowService and
// RemoveFromFollowersService:
// - following yourself, an unknown or a suspended account is "not found";
//   following someone who blocks you or whom you block, an account that
//   moved, or an account of a domain you block is not allowed (403);
// - following an account already followed (or requested) changes only the
//   options given: reblogs, notify, languages;
// - a locked account, a remote one (it answers later), or a follower who is
//   silenced gets a follow request ("follow_request" notification); anyone
//   else is followed at once ("follow" notification, the feed hook merges);
// - unfollowing also withdraws a pending request.
import { and, eq, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/database.ts";
import { accounts, followRequests, follows, type AccountRow } from "../../db/schema/index.ts";
import { newId } from "../../lib/ids.ts";
import { forbidden, notFound } from "../errors.ts";
import { emit } from "../events/emit.ts";
import { withdrawNotifications } from "../notifications/dismiss.ts";
import { notify } from "../notifications/notify.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import { onFollow, onUnfollow } from "../timelines/feeds.ts";
import { followPair, insertFollow, lockPair, pairFacts, removeFollows } from "./follow-rows.ts";

/** What a follow asks for; an absent field keeps what an existing follow has. */
export interface FollowChoices {
  reblogs?: boolean;
  notify?: boolean;
  /** null or []: every language. */
  languages?: string[] | null;
}

/** The account `id` as stored, read inside the caller's transaction. */
export async function findAccountRow(tx: DbOrTx, id: string): Promise<AccountRow | null> {
  const [row] = await tx.select().from(accounts).where(eq(accounts.id, id));
  return row ?? null;
}

/** FollowService#following_not_allowed? for two local or known accounts. */
async function followNotAllowed(tx: DbOrTx, source: AccountRow, target: AccountRow) {
  if (target.movedToAccountId) return true;
  const result = await tx.execute<{ refused: boolean }>(sql`SELECT (
    EXISTS (SELECT 1 FROM blocks WHERE account_id = ${target.id} AND target_account_id = ${source.id})
    OR EXISTS (SELECT 1 FROM blocks WHERE account_id = ${source.id} AND target_account_id = ${target.id})
    OR EXISTS (SELECT 1 FROM account_domain_blocks
               WHERE account_id = ${source.id} AND domain = ${target.domain ?? ""})
  ) AS refused`);
  return result.rows[0]?.refused === true;
}

function changes(choices: FollowChoices) {
  const set: { showReblogs?: boolean; notify?: boolean; languages?: string[] | null } = {};
  if (choices.reblogs !== undefined) set.showReblogs = choices.reblogs;
  if (choices.notify !== undefined) set.notify = choices.notify;
  if (choices.languages !== undefined) {
    set.languages = choices.languages && choices.languages.length > 0 ? choices.languages : null;
  }
  return set;
}

/**
 * `source` follows (or asks to follow) account `targetId`. `jobs`: where the
 * feed merge is queued (done inline without).
 */
export async function followAccount(
  db: Db,
  source: AccountRow,
  targetId: string,
  choices: FollowChoices,
  jobs?: JobQueue | null,
): Promise<void> {
  await db.transaction(async (tx) => {
    const target = await findAccountRow(tx, targetId);
    if (!target || target.id === source.id || target.suspendedAt) throw notFound();
    await lockPair(tx, source.id, target.id);
    if (await followNotAllowed(tx, source, target)) throw forbidden();

    const set = changes(choices);
    for (const table of [follows, followRequests]) {
      const pair = and(eq(table.accountId, source.id), eq(table.targetAccountId, target.id));
      const existing =
        Object.keys(set).length > 0
          ? await tx
              .update(table)
              .set({ ...set, updatedAt: new Date() })
              .where(pair)
              .returning({ id: table.id })
          : await tx.select({ id: table.id }).from(table).where(pair);
      if (existing.length > 0) return;
    }

    const facts = {
      accountId: source.id,
      targetAccountId: target.id,
      accountLocal: source.domain === null,
      targetLocal: target.domain === null,
    };
    const settings = {
      showReblogs: set.showReblogs ?? true,
      notify: set.notify ?? false,
      languages: set.languages ?? null,
    };
    if (target.locked || source.silencedAt || target.domain !== null) {
      const requested = await tx
        .insert(followRequests)
        .values({ id: newId(), accountId: source.id, targetAccountId: target.id, ...settings })
        .onConflictDoNothing({ target: [followRequests.accountId, followRequests.targetAccountId] })
        .returning({ id: followRequests.id });
      if (requested.length > 0 && target.domain === null) {
        await notify(tx, {
          accountId: target.id,
          fromAccountId: source.id,
          type: "follow_request",
        });
      }
      if (requested[0]) {
        await emit(tx, { type: "follow.requested", requestId: requested[0].id, ...facts });
      }
      return;
    }
    const follow = await insertFollow(tx, source.id, target.id, settings);
    if (follow.created) {
      await notify(tx, { accountId: target.id, fromAccountId: source.id, type: "follow" });
      await onFollow(tx, source.id, target.id, jobs);
      await emit(tx, { type: "follow.created", followId: follow.id, ...facts });
    }
  });
}

/**
 * Names request `requestId` with the id of the Follow activity federation
 * sends for it, unless it has one: an Accept or Reject naming that id finds
 * the request, and the follow it becomes keeps it (for the Undo). Returns
 * the id the request has, or null when the request is gone.
 */
export async function nameFollowRequest(
  db: Db,
  requestId: string,
  uri: string,
): Promise<string | null> {
  const [row] = await db
    .update(followRequests)
    .set({ uri: sql`coalesce(${followRequests.uri}, ${uri})` })
    .where(eq(followRequests.id, requestId))
    .returning({ uri: followRequests.uri });
  return row ? (row.uri ?? uri) : null;
}

/** `accountId` stops following `targetId`, or withdraws its request to. */
export async function unfollowAccount(db: Db, accountId: string, targetId: string): Promise<void> {
  await db.transaction(async (tx) => {
    await lockPair(tx, accountId, targetId);
    const gone = await removeFollows(tx, followPair(accountId, targetId));
    if (gone.length > 0) {
      await onUnfollow(tx, accountId, targetId);
      const facts = await pairFacts(tx, accountId, targetId);
      for (const g of gone) {
        await emit(tx, {
          type: "follow.removed",
          followId: g.id,
          requested: false,
          uri: g.uri,
          ...facts,
        });
      }
      return;
    }
    const withdrawn = await tx
      .delete(followRequests)
      .where(
        and(eq(followRequests.accountId, accountId), eq(followRequests.targetAccountId, targetId)),
      )
      .returning({ id: followRequests.id, uri: followRequests.uri });
    if (withdrawn.length > 0) {
      await withdrawNotifications(tx, {
        accountId: targetId,
        fromAccountId: accountId,
        type: "follow_request",
      });
      const facts = await pairFacts(tx, accountId, targetId);
      for (const w of withdrawn) {
        await emit(tx, {
          type: "follow.removed",
          followId: w.id,
          requested: true,
          uri: w.uri,
          ...facts,
        });
      }
    }
  });
}

/** `accountId` makes `followerId` stop following it. */
export async function removeFromFollowers(
  db: Db,
  accountId: string,
  followerId: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    await lockPair(tx, accountId, followerId);
    const gone = await removeFollows(tx, followPair(followerId, accountId));
    if (gone.length === 0) return;
    await onUnfollow(tx, followerId, accountId);
    const facts = await pairFacts(tx, followerId, accountId);
    for (const g of gone) {
      await emit(tx, { type: "follower.removed", followId: g.id, uri: g.uri, ...facts });
    }
  });
}
