// The follow rows themselves, and what Mastodon's Follow model does around
// them (app/models/follow.rb): accounts.following_count / followers_count move
// with every row made or removed, in the same transaction and never below
// zero; removing a follow also removes the endorsement that needed it
// (remove_endorsements) and the "follow" notification it made (the
// notification belongs to the follow: `has_one :notification, dependent:
// :destroy`). List memberships hang on the follow row (list_accounts.follow_id
// ON DELETE CASCADE), as Mastodon's ListAccount does.
import { and, eq, inArray, isNull, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import { accounts, follows } from "../../db/schema/index.ts";
import { newId } from "../../lib/ids.ts";
import { idArray, intArray } from "../../lib/pg-arrays.ts";
import type { PairFacts } from "../events/types.ts";
import { withdrawNotificationsOfPairs } from "../notifications/dismiss.ts";

export interface FollowSettings {
  showReblogs: boolean;
  notify: boolean;
  /** null: every language. */
  languages: string[] | null;
  uri?: string | null;
}

export interface RemovedFollow {
  id: string;
  accountId: string;
  targetAccountId: string;
  /** The Follow activity's id, when the follow came with one (remote) or sent one. */
  uri: string | null;
}

/**
 * Serialises changes to the relationship between two accounts, whoever
 * starts them (Mastodon takes a Redis lock named after the pair): a follow
 * and a block of the same pair never interleave.
 */
export async function lockPair(tx: DbOrTx, a: string, b: string): Promise<void> {
  const [low, high] = BigInt(a) < BigInt(b) ? [a, b] : [b, a];
  await tx.execute(
    sql`SELECT pg_advisory_xact_lock(hashtextextended(${`relationship:${low}:${high}`}, 0))`,
  );
}

/** Which of `ids` are local accounts (for the facts of graph events). */
export async function localIds(tx: DbOrTx, ids: readonly string[]): Promise<Set<string>> {
  const rows = await tx
    .select({ id: accounts.id })
    .from(accounts)
    .where(and(inArray(accounts.id, [...ids]), isNull(accounts.domain)));
  return new Set(rows.map((r) => r.id));
}

/** The facts of a graph event between `accountId` and `targetAccountId`. */
export async function pairFacts(
  tx: DbOrTx,
  accountId: string,
  targetAccountId: string,
): Promise<PairFacts> {
  const local = await localIds(tx, [accountId, targetAccountId]);
  return {
    accountId,
    targetAccountId,
    accountLocal: local.has(accountId),
    targetLocal: local.has(targetAccountId),
  };
}

/** `accountId` follows `targetAccountId` (the pair itself). */
export const followPair = (accountId: string, targetAccountId: string): SQL =>
  and(eq(follows.accountId, accountId), eq(follows.targetAccountId, targetAccountId))!;

/**
 * Makes the follow unless it exists, counting it on both accounts. Returns
 * the follow's id and whether it is new.
 */
export async function insertFollow(
  tx: DbOrTx,
  accountId: string,
  targetAccountId: string,
  settings: FollowSettings,
): Promise<{ id: string; created: boolean }> {
  const [inserted] = await tx
    .insert(follows)
    .values({
      id: newId(),
      accountId,
      targetAccountId,
      showReblogs: settings.showReblogs,
      notify: settings.notify,
      languages: settings.languages,
      uri: settings.uri ?? null,
    })
    .onConflictDoNothing({ target: [follows.accountId, follows.targetAccountId] })
    .returning({ id: follows.id });
  if (inserted) {
    await tx
      .update(accounts)
      .set({ followingCount: sql`${accounts.followingCount} + 1` })
      .where(eq(accounts.id, accountId));
    await tx
      .update(accounts)
      .set({ followersCount: sql`${accounts.followersCount} + 1` })
      .where(eq(accounts.id, targetAccountId));
    return { id: inserted.id, created: true };
  }
  const [existing] = await tx
    .select({ id: follows.id })
    .from(follows)
    .where(followPair(accountId, targetAccountId));
  if (!existing) throw new Error("follow vanished while being created");
  return { id: existing.id, created: false };
}

/**
 * Removes the follows matching `where`, with their counters, endorsements
 * and "follow" notifications, in a fixed number of statements whatever their
 * number. Returns what was removed (for the feed hooks).
 */
export async function removeFollows(tx: DbOrTx, where: SQL): Promise<RemovedFollow[]> {
  const gone = await tx.delete(follows).where(where).returning({
    id: follows.id,
    accountId: follows.accountId,
    targetAccountId: follows.targetAccountId,
    uri: follows.uri,
  });
  if (gone.length === 0) return gone;

  const delta = new Map<string, { following: number; followers: number }>();
  const bump = (id: string, key: "following" | "followers") => {
    const d = delta.get(id) ?? { following: 0, followers: 0 };
    d[key]++;
    delta.set(id, d);
  };
  for (const g of gone) {
    bump(g.accountId, "following");
    bump(g.targetAccountId, "followers");
  }
  const ids = [...delta.keys()];
  await tx.execute(sql`UPDATE accounts a
    SET following_count = greatest(a.following_count - d.following, 0),
        followers_count = greatest(a.followers_count - d.followers, 0)
    FROM (SELECT unnest(${idArray(ids)}::bigint[]) AS id,
                 unnest(${intArray(ids.map((id) => delta.get(id)!.following))}::int[]) AS following,
                 unnest(${intArray(ids.map((id) => delta.get(id)!.followers))}::int[]) AS followers) d
    WHERE a.id = d.id`);

  const followers = idArray(gone.map((g) => g.accountId));
  const followed = idArray(gone.map((g) => g.targetAccountId));
  await tx.execute(sql`DELETE FROM account_pins p
    USING (SELECT unnest(${followers}::bigint[]) AS a, unnest(${followed}::bigint[]) AS t) g
    WHERE p.account_id = g.a AND p.target_account_id = g.t`);
  await withdrawNotificationsOfPairs(
    tx,
    gone.map((g) => ({ accountId: g.targetAccountId, fromAccountId: g.accountId })),
    "follow",
  );
  return gone;
}
