// Who follows an account and whom it follows
// (https://docs.joinmastodon.org/methods/accounts/#followers, #following,
// #familiar_followers), as Mastodon's FollowerAccountsController,
// FollowingAccountsController and FamiliarFollowersPresenter:
// - newest follow first, paginated by the follow's id;
// - nothing for a suspended account, for an account that hides its
//   collections (except to itself), or for a viewer it blocks;
// - a viewer other than the owner does not see the accounts they block,
//   that block them, or that they mute;
// - familiar followers: the accounts the viewer follows that follow each
//   given account, leaving out those hiding their collections, and nothing
//   for an account that hides its own.
import { and, desc, eq, inArray, sql, type AnyColumn, type SQL } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { accounts, follows, type AccountRow } from "../../db/schema/index.ts";
import type { PageQuery } from "../../http/pagination.ts";
import { pageClauses, toPage, type Page } from "../statuses/interactions/page.ts";

/** An account in a paginated list, with the id of the row that put it there (the cursor). */
export interface ListedAccount {
  id: string;
  accountId: string;
}

type Owner = Pick<AccountRow, "id" | "suspendedAt" | "hideCollections">;

const EMPTY: Page<ListedAccount> = { items: [], cursors: null, full: false };

/** The viewer's blocks both ways and unexpired mutes, against the account in `column`. */
function notExcludedBy(viewerId: string, column: SQL): SQL {
  return sql`NOT EXISTS (SELECT 1 FROM blocks b
      WHERE (b.account_id = ${viewerId} AND b.target_account_id = ${column})
         OR (b.account_id = ${column} AND b.target_account_id = ${viewerId}))
    AND NOT EXISTS (SELECT 1 FROM mutes m
      WHERE m.account_id = ${viewerId} AND m.target_account_id = ${column}
        AND (m.expires_at IS NULL OR m.expires_at > now()))`;
}

async function hidden(db: Db, owner: Owner, viewerId: string | null): Promise<boolean> {
  if (owner.suspendedAt) return true;
  if (owner.hideCollections && viewerId !== owner.id) return true;
  if (viewerId === null || viewerId === owner.id) return false;
  const result = await db.execute<{ blocked: boolean }>(sql`SELECT EXISTS (SELECT 1 FROM blocks
    WHERE account_id = ${owner.id} AND target_account_id = ${viewerId}) AS blocked`);
  return result.rows[0]?.blocked === true;
}

async function followPage(
  db: Db,
  owner: Owner,
  viewerId: string | null,
  q: PageQuery,
  direction: "followers" | "following",
): Promise<Page<ListedAccount>> {
  if (await hidden(db, owner, viewerId)) return EMPTY;
  const [mine, theirs] =
    direction === "followers"
      ? [follows.targetAccountId, follows.accountId]
      : [follows.accountId, follows.targetAccountId];
  const { where, order } = pageClauses(follows.id, q);
  const rows = await db
    .select({ id: follows.id, accountId: theirs })
    .from(follows)
    .where(
      and(
        eq(mine, owner.id),
        viewerId !== null && viewerId !== owner.id
          ? notExcludedBy(viewerId, sql`${theirs}`)
          : undefined,
        ...where,
      ),
    )
    .orderBy(order)
    .limit(q.limit);
  return toPage(rows, (r) => r.id, q);
}

/** A page of the accounts following `owner`, as `viewerId` (null: no one signed in) may see it. */
export function followersOf(
  db: Db,
  owner: Owner,
  viewerId: string | null,
  q: PageQuery,
): Promise<Page<ListedAccount>> {
  return followPage(db, owner, viewerId, q, "followers");
}

/** A page of the accounts `owner` follows, as `viewerId` may see it. */
export function followingOf(
  db: Db,
  owner: Owner,
  viewerId: string | null,
  q: PageQuery,
): Promise<Page<ListedAccount>> {
  return followPage(db, owner, viewerId, q, "following");
}

/**
 * For each account, the ids of the accounts `viewerId` follows that follow
 * it, newest follow first, in one query.
 */
export async function familiarFollowers(
  db: Db,
  viewerId: string,
  owners: readonly Pick<AccountRow, "id" | "hideCollections">[],
): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>(owners.map((o) => [o.id, []]));
  const open = owners.filter((o) => !o.hideCollections).map((o) => o.id);
  if (open.length === 0) return result;
  const rows = await db
    .select({ ownerId: follows.targetAccountId, followerId: follows.accountId })
    .from(follows)
    .innerJoin(accounts, eq(accounts.id, follows.accountId))
    .where(
      and(
        inArray(follows.targetAccountId, open),
        sql`${follows.accountId} IN (SELECT target_account_id FROM follows WHERE account_id = ${viewerId})`,
        sql`coalesce(${accounts.hideCollections}, false) = false`,
        sql`${accounts.suspendedAt} IS NULL`,
      ),
    )
    .orderBy(desc(follows.id));
  for (const r of rows) result.get(r.ownerId)?.push(r.followerId);
  return result;
}

/**
 * The account in `column` is `viewerId` itself or one it follows: what an
 * account search with `following=true` keeps (Account::Search's
 * `first_degree`, which counts the searcher in).
 */
export function followedByOrSelf(viewerId: string, column: SQL | AnyColumn): SQL {
  return sql`(${column} = ${viewerId}::bigint OR ${column} IN (
    SELECT f.target_account_id FROM follows f WHERE f.account_id = ${viewerId}::bigint))`;
}
