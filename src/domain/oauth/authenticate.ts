// Resolves a bearer token to what it may act as. Tokens are looked up by their
// SHA-256 digest (tokens are never stored in clear).
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { preparedFor } from "../../db/prepared.ts";
import {
  accounts,
  oauthAccessTokens,
  oauthApplications,
  users,
  type AccessTokenRow,
  type AccountRow,
  type ApplicationRow,
  type UserRow,
} from "../../db/schema/index.ts";
import { sha256 } from "../../lib/tokens.ts";
import { parseScopes } from "./scopes.ts";
import type { CachedToken, TokenCache } from "./token-cache.ts";

export interface Authenticated {
  token: AccessTokenRow;
  scopes: string[];
  application: ApplicationRow | null;
  /** Null for app-only (client_credentials) tokens. */
  user: UserRow | null;
  account: AccountRow | null;
}

export type TokenCheck =
  | {
      ok: true;
      auth: Authenticated;
      /** Its use is due to be recorded (touchToken): at most once a minute per token and process. */
      touch: boolean;
    }
  | { ok: false; reason: "invalid" | "revoked" | "expired" };

/** How often a token's use is recorded (touchToken checks again in its statement). */
const TOUCH_EVERY_MS = 60_000;

/** The token row by digest, with its application, user and account (every API request). */
const tokenByDigest = preparedFor((db) =>
  db
    .select({
      token: oauthAccessTokens,
      application: oauthApplications,
      user: users,
      account: accounts,
    })
    .from(oauthAccessTokens)
    .leftJoin(oauthApplications, eq(oauthApplications.id, oauthAccessTokens.applicationId))
    .leftJoin(users, eq(users.id, oauthAccessTokens.userId))
    .leftJoin(accounts, eq(accounts.id, users.accountId))
    .where(eq(oauthAccessTokens.tokenDigest, sql.placeholder("digest")))
    .limit(1)
    .prepare("herd_token_by_digest"),
);

/**
 * The check of the token whose digest is `digest` (`sha256(token)`) from
 * `cache` alone, without a promise: undefined when the cache does not hold
 * it. The API's token middleware answers most requests from here.
 */
export function authenticateCached(
  digest: string,
  cache: TokenCache,
  recordsUse = false,
): TokenCheck | undefined {
  const entry = cache.get(digest);
  return entry && checkEntry(entry, recordsUse);
}

/**
 * The token `token` stands for, from `cache` when it holds it (token-cache.ts
 * says why that is never stale for writes through this pool), else from the
 * database. The rows are frozen: they may be shared by later requests.
 * `recordsUse`: the caller records the token's use when `touch` says it is
 * due (the API does; the streaming API, as Mastodon's, does not, and must
 * not use up the API's turn).
 */
export function authenticateToken(
  db: Db,
  token: string,
  cache: TokenCache | null = null,
  recordsUse = false,
): Promise<TokenCheck> {
  return authenticateDigest(db, sha256(token), cache, recordsUse);
}

/** authenticateToken by the token's digest (`sha256(token)`), for a caller that has it. */
export async function authenticateDigest(
  db: Db,
  digest: string,
  cache: TokenCache | null = null,
  recordsUse = false,
): Promise<TokenCheck> {
  let entry = cache?.get(digest);
  if (!entry) {
    const store = cache?.begin();
    const rows = await tokenByDigest(db).execute({ digest });
    const row = rows[0];
    if (!row) return { ok: false, reason: "invalid" };
    const auth: Authenticated = Object.freeze({
      token: Object.freeze(row.token),
      scopes: Object.freeze(parseScopes(row.token.scopes)) as string[],
      application: row.application && Object.freeze(row.application),
      user: row.user && Object.freeze(row.user),
      account: row.account && Object.freeze(row.account),
    });
    entry = { auth, touchedAt: row.token.lastUsedAt?.getTime() ?? 0 };
    store?.(digest, entry);
  }
  return checkEntry(entry, recordsUse);
}

function checkEntry(entry: CachedToken, recordsUse: boolean): TokenCheck {
  const { token: row } = entry.auth;
  const now = Date.now();
  if (row.revokedAt) return { ok: false, reason: "revoked" };
  if (row.expiresAt && row.expiresAt.getTime() <= now) {
    return { ok: false, reason: "expired" };
  }
  const touch = recordsUse && now - entry.touchedAt >= TOUCH_EVERY_MS;
  if (touch) entry.touchedAt = now;
  return { ok: true, auth: entry.auth, touch };
}

/** Records use without a write per request: at most once a minute per token. */
export async function touchToken(db: Db, tokenId: string): Promise<void> {
  await db
    .update(oauthAccessTokens)
    .set({ lastUsedAt: sql`now()` })
    .where(
      and(
        eq(oauthAccessTokens.id, tokenId),
        isNull(oauthAccessTokens.revokedAt),
        sql`(${oauthAccessTokens.lastUsedAt} IS NULL OR ${oauthAccessTokens.lastUsedAt} < now() - interval '1 minute')`,
      ),
    );
}
