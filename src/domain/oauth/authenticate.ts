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

export interface Authenticated {
  token: AccessTokenRow;
  scopes: string[];
  application: ApplicationRow | null;
  /** Null for app-only (client_credentials) tokens. */
  user: UserRow | null;
  account: AccountRow | null;
}

export type TokenCheck =
  { ok: true; auth: Authenticated } | { ok: false; reason: "invalid" | "revoked" | "expired" };

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

export async function authenticateToken(db: Db, token: string): Promise<TokenCheck> {
  const rows = await tokenByDigest(db).execute({ digest: sha256(token) });
  const row = rows[0];
  if (!row) return { ok: false, reason: "invalid" };
  if (row.token.revokedAt) return { ok: false, reason: "revoked" };
  if (row.token.expiresAt && row.token.expiresAt.getTime() <= Date.now()) {
    return { ok: false, reason: "expired" };
  }
  return {
    ok: true,
    auth: {
      token: row.token,
      scopes: parseScopes(row.token.scopes),
      application: row.application,
      user: row.user,
      account: row.account,
    },
  };
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
