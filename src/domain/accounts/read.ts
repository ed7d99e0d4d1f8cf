// Reading accounts for display: with what the Account entity needs from the
// local user (role, noindex) and whether the account may be shown. As
// Mastodon, a local account whose user has not confirmed the e-mail address
// or waits for approval is not shown (Api::V1::AccountsController's
// check_account_confirmation/check_account_approval, Account.without_unapproved);
// suspended accounts are shown, as suspended.
import { and, eq, ilike, inArray, isNull, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { accounts, users, type AccountRow } from "../../db/schema/index.ts";
import type { CustomEmojiRow } from "../instance/custom-emojis.ts";
import { isId } from "../../lib/ids.ts";
import { ACCOUNT_EMOJIS, decodeEmojis } from "../emojis/account-emojis.ts";
import type { Resolver } from "../federation-port.ts";
import { followedByOrSelf } from "../graph/follow-lists.ts";

export interface AccountWithUser extends AccountRow {
  /** The local user's role (null: everyone, or a remote account). */
  roleId: number | null;
  /** The local user's search-engine opt-out (user setting `noindex`). */
  noindex: boolean | null;
  /** False for a local account hidden from others (unconfirmed or unapproved user, or no user). */
  visible: boolean;
  /** The account it moved to, when it did. */
  moved?: AccountWithUser | null;
  /** Candidate custom emojis of its profile (src/domain/emojis/account-emojis.ts). */
  emojis?: CustomEmojiRow[];
}

const VISIBLE: SQL<boolean> = sql<boolean>`(${accounts.domain} IS NOT NULL OR (${users.confirmedAt} IS NOT NULL AND coalesce(${users.approved}, false)))`;

const columns = {
  account: accounts,
  roleId: users.roleId,
  noindex: sql<boolean | null>`(${users.settings} ->> 'noindex')::boolean`,
  visible: VISIBLE,
  emojis: ACCOUNT_EMOJIS,
};

type Row = {
  account: AccountRow;
  roleId: number | null;
  noindex: boolean | null;
  visible: boolean;
  emojis: Record<string, unknown>[] | null;
};

const toView = (r: Row): AccountWithUser => ({
  ...r.account,
  roleId: r.roleId,
  noindex: r.noindex,
  visible: r.visible,
  emojis: decodeEmojis(r.emojis),
});

async function select(db: Db, where: SQL | undefined, limit?: number): Promise<AccountWithUser[]> {
  const q = db
    .select(columns)
    .from(accounts)
    .leftJoin(users, eq(users.accountId, accounts.id))
    .where(where);
  const rows = limit === undefined ? await q : await q.limit(limit);
  return rows.map(toView);
}

/** Attaches `moved` targets with one more query (only when some account moved). */
async function withMoved(db: Db, list: AccountWithUser[]): Promise<AccountWithUser[]> {
  const movedIds = [...new Set(list.map((a) => a.movedToAccountId).filter((x) => x !== null))];
  if (movedIds.length === 0) return list;
  const targets = new Map((await select(db, inArray(accounts.id, movedIds))).map((a) => [a.id, a]));
  return list.map((a) =>
    a.movedToAccountId ? { ...a, moved: targets.get(a.movedToAccountId) ?? null } : a,
  );
}

/**
 * The accounts of `ids` that exist, in the order of `ids` (duplicates and
 * non-ids dropped), in at most two queries. `visibleOnly` drops local accounts
 * whose user is unconfirmed or unapproved.
 */
export async function loadAccounts(
  db: Db,
  ids: readonly string[],
  options: { visibleOnly?: boolean } = {},
): Promise<AccountWithUser[]> {
  const wanted = [...new Set(ids.filter(isId))];
  if (wanted.length === 0) return [];
  const found = await select(
    db,
    and(inArray(accounts.id, wanted), options.visibleOnly ? VISIBLE : undefined),
  );
  const byId = new Map(found.map((a) => [a.id, a]));
  return withMoved(
    db,
    wanted.map((id) => byId.get(id)).filter((a) => a !== undefined),
  );
}

/** One account by id, or null when unknown (or hidden, with visibleOnly). */
export async function loadAccount(
  db: Db,
  id: string,
  options: { visibleOnly?: boolean } = {},
): Promise<AccountWithUser | null> {
  return (await loadAccounts(db, [id], options))[0] ?? null;
}

/**
 * GET /api/v1/accounts/lookup: `user`, `@user` or `user@LOCAL_DOMAIN` (any
 * case) names a local account; other domains name remote accounts Herd
 * knows, or, given a Resolver, finds by WebFinger (issue P3 asks lookup to
 * resolve handles, where Mastodon's skip_webfinger answers known ones only).
 */
export async function lookupAccount(
  db: Db,
  acct: string,
  localDomains: readonly string[],
  resolver: Resolver | null = null,
): Promise<AccountWithUser | null> {
  const found = await findByAcct(db, acct, localDomains);
  if (found || !resolver) return found;
  const [username = "", domain = ""] = acct
    .trim()
    .replace(/^acct:/i, "")
    .replace(/^@/, "")
    .split("@");
  if (
    username === "" ||
    domain === "" ||
    localDomains.some((d) => d.toLowerCase() === domain.toLowerCase())
  ) {
    return null;
  }
  if (!(await resolver.resolveAccount(username, domain.toLowerCase()))) return null;
  return findByAcct(db, acct, localDomains);
}

async function findByAcct(
  db: Db,
  acct: string,
  localDomains: readonly string[],
): Promise<AccountWithUser | null> {
  const [username = "", domain, extra] = acct
    .trim()
    .replace(/^acct:/i, "")
    .replace(/^@/, "")
    .split("@");
  if (username === "" || extra !== undefined) return null;
  const local =
    domain === undefined || localDomains.some((d) => d.toLowerCase() === domain.toLowerCase());
  const rows = await select(
    db,
    and(
      sql`lower(${accounts.username}) = lower(${username})`,
      local ? isNull(accounts.domain) : sql`lower(${accounts.domain}) = lower(${domain})`,
      VISIBLE,
    ),
    1,
  );
  return (await withMoved(db, rows))[0] ?? null;
}

const likePrefix = (s: string) => `${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export interface AccountSearch {
  q: string;
  limit: number;
  offset: number;
  localDomains: readonly string[];
  /** Only the viewer and the accounts it follows (nothing without a viewer). */
  followingOnly: boolean;
  /** The signed-in searcher. */
  viewerId?: string | null;
  /**
   * Leave out accounts the searcher blocks or is blocked by, unless the query
   * is their full handle (`user@domain`), so that one can still find whom to
   * unblock (GET /api/v2/search).
   */
  hideBlocked?: boolean;
}

/**
 * GET /api/v1/accounts/search without a search engine: accounts whose
 * username or display name starts with the query (case-insensitive), of those
 * Mastodon deems searchable (shown, not suspended, not moved); an exact
 * username first. `followingOnly` keeps the searcher and the accounts it
 * follows, as Mastodon's following search.
 */
export async function searchAccounts(db: Db, s: AccountSearch): Promise<AccountWithUser[]> {
  const [username = "", domain] = s.q.trim().replace(/^@/, "").split("@");
  const viewerId = s.viewerId ?? null;
  if (username === "" || (s.followingOnly && viewerId === null)) return [];
  const local =
    domain === undefined ||
    domain === "" ||
    s.localDomains.some((d) => d.toLowerCase() === domain.toLowerCase());
  const prefix = likePrefix(username);
  const byName = or(
    sql`lower(${accounts.username}) LIKE lower(${prefix})`,
    domain === undefined ? ilike(accounts.displayName, prefix) : undefined,
  );
  const rows = await db
    .select(columns)
    .from(accounts)
    .leftJoin(users, eq(users.accountId, accounts.id))
    .where(
      and(
        byName,
        local
          ? domain === undefined
            ? undefined
            : isNull(accounts.domain)
          : ilike(accounts.domain, likePrefix(domain)),
        VISIBLE,
        isNull(accounts.suspendedAt),
        isNull(accounts.movedToAccountId),
        s.followingOnly && viewerId !== null ? followedByOrSelf(viewerId, accounts.id) : undefined,
        s.hideBlocked && viewerId !== null
          ? or(
              domain
                ? and(
                    sql`lower(${accounts.username}) = lower(${username})`,
                    local
                      ? isNull(accounts.domain)
                      : sql`lower(${accounts.domain}) = lower(${domain})`,
                  )
                : undefined,
              sql`NOT EXISTS (SELECT 1 FROM blocks b
                WHERE (b.account_id = ${viewerId} AND b.target_account_id = ${accounts.id})
                   OR (b.account_id = ${accounts.id} AND b.target_account_id = ${viewerId}))`,
            )
          : undefined,
      ),
    )
    .orderBy(
      sql`(lower(${accounts.username}) = lower(${username}) AND ${accounts.domain} IS NULL) DESC`,
      sql`${accounts.domain} IS NULL DESC`,
      sql`${accounts.followersCount} DESC`,
      accounts.id,
    )
    .limit(s.limit)
    .offset(s.offset);
  return rows.map(toView);
}
