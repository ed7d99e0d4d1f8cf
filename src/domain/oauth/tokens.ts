// Access tokens: random, shown to the client once, kept as SHA-256 digests.
// Mastodon's tokens do not expire unless revoked; refresh tokens are issued
// with them (Doorkeeper's use_refresh_token) for clients that ask.
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/database.ts";
import { oauthAccessTokens, type AccessTokenRow } from "../../db/schema/index.ts";
import { newId } from "../../lib/ids.ts";
import { randomToken, sha256 } from "../../lib/tokens.ts";

/** The database or a transaction on it: token writes can join a caller's transaction. */
export type { DbOrTx };

export interface IssuedToken {
  row: AccessTokenRow;
  accessToken: string;
  refreshToken: string | null;
}

export async function issueToken(
  db: DbOrTx,
  input: {
    applicationId: string | null;
    userId: string | null;
    scopes: string[];
    withRefreshToken?: boolean;
    expiresAt?: Date | null;
  },
): Promise<IssuedToken> {
  const accessToken = randomToken();
  const refreshToken = input.withRefreshToken ? randomToken() : null;
  const [row] = await db
    .insert(oauthAccessTokens)
    .values({
      id: newId(),
      tokenDigest: sha256(accessToken),
      refreshTokenDigest: refreshToken ? sha256(refreshToken) : null,
      applicationId: input.applicationId,
      userId: input.userId,
      scopes: input.scopes.join(" "),
      expiresAt: input.expiresAt ?? null,
    })
    .returning();
  return { row: row!, accessToken, refreshToken };
}

/** Revokes every live token of a user (password reset, account disabled). */
export async function revokeUserTokens(db: Db, userId: string): Promise<void> {
  await db
    .update(oauthAccessTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(oauthAccessTokens.userId, userId), isNull(oauthAccessTokens.revokedAt)));
}

/**
 * A live token of `userId` through `applicationId` with exactly `scopes`
 * (Doorkeeper's matching_token_for): an authorization it already gave, which
 * Mastodon approves again without asking.
 */
export async function findMatchingToken(
  db: Db,
  applicationId: string,
  userId: string,
  scopes: readonly string[],
): Promise<AccessTokenRow | null> {
  const rows = await db
    .select()
    .from(oauthAccessTokens)
    .where(
      and(
        eq(oauthAccessTokens.applicationId, applicationId),
        eq(oauthAccessTokens.userId, userId),
        isNull(oauthAccessTokens.revokedAt),
        sql`(${oauthAccessTokens.expiresAt} IS NULL OR ${oauthAccessTokens.expiresAt} > now())`,
      ),
    )
    .orderBy(sql`${oauthAccessTokens.id} DESC`)
    .limit(20);
  const wanted = [...new Set(scopes)].sort().join(" ");
  return (
    rows.find(
      (r) => [...new Set(r.scopes.split(/\s+/).filter(Boolean))].sort().join(" ") === wanted,
    ) ?? null
  );
}
