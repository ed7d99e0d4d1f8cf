// Authorization codes (RFC 6749 section 4.1, PKCE per RFC 7636): made when a
// user approves an app, kept as SHA-256 digests, good for 10 minutes
// (Doorkeeper's default, which Mastodon keeps) and for one exchange. A code
// that comes back after its exchange is refused and the token it gave is
// revoked, as RFC 6749 section 4.1.2 recommends.
import { and, eq, isNull, sql } from "drizzle-orm";
import { createHash } from "node:crypto";
import type { Db } from "../../db/database.ts";
import {
  oauthAccessGrants,
  oauthAccessTokens,
  type AccessGrantRow,
  type ApplicationRow,
} from "../../db/schema/index.ts";
import { newId } from "../../lib/ids.ts";
import { randomToken, safeEqual, sha256 } from "../../lib/tokens.ts";
import { requireClient, type ClientCredentials } from "./client-auth.ts";
import { missingParam, OAuthError } from "./oauth-error.ts";
import { parseScopes } from "./scopes.ts";
import { issueToken, type IssuedToken } from "./tokens.ts";

export const GRANT_LIFETIME_MS = 10 * 60 * 1000;

export async function createGrant(
  db: Db,
  input: {
    application: ApplicationRow;
    userId: string;
    redirectUri: string;
    scopes: string[];
    codeChallenge: string | null;
    codeChallengeMethod: "S256" | null;
  },
): Promise<{ code: string; grant: AccessGrantRow }> {
  const code = randomToken();
  const now = Date.now();
  const [grant] = await db
    .insert(oauthAccessGrants)
    .values({
      id: newId(now),
      codeDigest: sha256(code),
      applicationId: input.application.id,
      userId: input.userId,
      redirectUri: input.redirectUri,
      scopes: input.scopes.join(" "),
      codeChallenge: input.codeChallenge,
      codeChallengeMethod: input.codeChallengeMethod,
      expiresAt: new Date(now + GRANT_LIFETIME_MS),
    })
    .returning();
  return { code, grant: grant! };
}

/** RFC 7636 section 4.6: BASE64URL(SHA256(verifier)) must equal the challenge. */
function pkceMatches(grant: AccessGrantRow, verifier: string): boolean {
  const computed = createHash("sha256").update(verifier).digest("base64url");
  return grant.codeChallengeMethod === "S256" && safeEqual(computed, grant.codeChallenge ?? "");
}

/**
 * POST /oauth/token with grant_type=authorization_code, checked in Doorkeeper's
 * order: required parameters, client, code, redirect URI, PKCE verifier.
 */
export async function exchangeAuthorizationCode(
  db: Db,
  input: {
    credentials: ClientCredentials | null;
    code: string | null;
    redirectUri: string | null;
    codeVerifier: string | null;
  },
): Promise<IssuedToken> {
  const digest = input.code ? sha256(input.code) : null;
  const peek = digest
    ? (
        await db
          .select({ codeChallenge: oauthAccessGrants.codeChallenge })
          .from(oauthAccessGrants)
          .where(eq(oauthAccessGrants.codeDigest, digest))
          .limit(1)
      )[0]
    : undefined;
  if (peek?.codeChallenge && !input.codeVerifier) throw missingParam("code_verifier");
  if (!input.redirectUri) throw missingParam("redirect_uri");
  const client = await requireClient(db, input.credentials);
  if (!digest) throw new OAuthError("invalid_grant");

  const outcome = await db.transaction(async (tx) => {
    const [grant] = await tx
      .select()
      .from(oauthAccessGrants)
      .where(eq(oauthAccessGrants.codeDigest, digest))
      .for("update")
      .limit(1);
    if (!grant || grant.applicationId !== client.id) return { error: "invalid" as const };
    if (grant.usedAt) {
      if (grant.accessTokenId) {
        await tx
          .update(oauthAccessTokens)
          .set({ revokedAt: sql`now()` })
          .where(
            and(eq(oauthAccessTokens.id, grant.accessTokenId), isNull(oauthAccessTokens.revokedAt)),
          );
      }
      return { error: "reused" as const };
    }
    if (grant.expiresAt.getTime() <= Date.now()) return { error: "invalid" as const };
    if (grant.redirectUri !== input.redirectUri) return { error: "invalid" as const };
    if (grant.codeChallenge && !pkceMatches(grant, input.codeVerifier ?? "")) {
      return { error: "invalid" as const };
    }
    const issued = await issueToken(tx, {
      applicationId: client.id,
      userId: grant.userId,
      scopes: parseScopes(grant.scopes),
    });
    await tx
      .update(oauthAccessGrants)
      .set({ usedAt: sql`now()`, accessTokenId: issued.row.id })
      .where(eq(oauthAccessGrants.id, grant.id));
    return { issued };
  });
  // The revocation of a reused code's token is committed before this error.
  if ("error" in outcome) throw new OAuthError("invalid_grant");
  return outcome.issued;
}

/** Removes codes that can no longer be exchanged (kept a day to catch replays). */
export async function deleteStaleGrants(db: Db): Promise<number> {
  const result = await db
    .delete(oauthAccessGrants)
    .where(sql`${oauthAccessGrants.expiresAt} < now() - interval '1 day'`);
  return result.rowCount ?? 0;
}
