// The other grants of POST /oauth/token (https://docs.joinmastodon.org/methods/oauth/#token)
// and token revocation (RFC 7009). Tokens never expire (Mastodon sets
// Doorkeeper's access_token_expires_in to nil) and, as in Mastodon, no refresh
// token is issued; the refresh_token grant still serves tokens that have one.
import { and, eq, isNull, or, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { oauthAccessTokens, type ApplicationRow } from "../../db/schema/index.ts";
import { sha256 } from "../../lib/tokens.ts";
import { authenticateUser, SignInError } from "../accounts/sign-in.ts";
import { missingParam, OAuthError } from "./oauth-error.ts";
import { defaultScopesFor, invalidScopes, parseScopes, withinScopes } from "./scopes.ts";
import { issueToken, type IssuedToken } from "./tokens.ts";

/**
 * The scopes a token request asks for: the `scope` parameter, or the app's
 * default scopes; they must be known and within the app's registered scopes.
 */
export function requestedScopes(application: ApplicationRow, scope: string | null): string[] {
  const appScopes = parseScopes(application.scopes);
  const requested = scope ? parseScopes(scope) : defaultScopesFor(appScopes);
  if (
    requested.length === 0 ||
    invalidScopes(requested).length > 0 ||
    !withinScopes(appScopes, requested)
  ) {
    throw new OAuthError("invalid_scope");
  }
  return requested;
}

/** grant_type=client_credentials: a token for the app itself, with no user. */
export async function issueClientCredentialsToken(
  db: Db,
  client: ApplicationRow,
  scope: string | null,
): Promise<IssuedToken> {
  const scopes = requestedScopes(client, scope);
  return issueToken(db, { applicationId: client.id, userId: null, scopes });
}

/**
 * grant_type=password (the resource owner password credentials grant), which
 * Mastodon offered until 4.3 for first-party clients. `username` is the
 * e-mail address or the username. Users who may not sign in are refused.
 */
export async function issuePasswordToken(
  db: Db,
  client: ApplicationRow,
  input: { username: string | null; password: string | null; scope: string | null },
): Promise<IssuedToken> {
  if (!input.username) throw missingParam("username");
  if (!input.password) throw missingParam("password");
  const scopes = requestedScopes(client, input.scope);
  let userId: string;
  try {
    ({
      user: { id: userId },
    } = await authenticateUser(db, input.username, input.password));
  } catch (error) {
    if (!(error instanceof SignInError)) throw error;
    throw error.reason === "invalid"
      ? new OAuthError("invalid_grant")
      : new OAuthError("invalid_grant", error.message);
  }
  return issueToken(db, { applicationId: client.id, userId, scopes });
}

/**
 * grant_type=refresh_token: a new token (and refresh token) for a live token
 * of the same client; the old one is revoked. `scope` may narrow, never widen.
 */
export async function refreshAccessToken(
  db: Db,
  client: ApplicationRow,
  input: { refreshToken: string | null; scope: string | null },
): Promise<IssuedToken> {
  if (!input.refreshToken) throw missingParam("refresh_token");
  const digest = sha256(input.refreshToken);
  return db.transaction(async (tx) => {
    const [old] = await tx
      .select()
      .from(oauthAccessTokens)
      .where(eq(oauthAccessTokens.refreshTokenDigest, digest))
      .for("update")
      .limit(1);
    if (!old || old.revokedAt || old.applicationId !== client.id) {
      throw new OAuthError("invalid_grant");
    }
    const held = parseScopes(old.scopes);
    let scopes = held;
    if (input.scope) {
      scopes = parseScopes(input.scope);
      if (scopes.length === 0 || !withinScopes(held, scopes)) throw new OAuthError("invalid_scope");
    }
    await tx
      .update(oauthAccessTokens)
      .set({ revokedAt: sql`now()` })
      .where(eq(oauthAccessTokens.id, old.id));
    return issueToken(tx, {
      applicationId: client.id,
      userId: old.userId,
      scopes,
      withRefreshToken: true,
    });
  });
}

/**
 * Revokes the access or refresh token `token` for `client` (RFC 7009).
 * "unknown" for tokens that do not exist (revoking them is not an error),
 * "forbidden" when the token belongs to another app.
 */
export async function revokeTokenForClient(
  db: Db,
  client: ApplicationRow,
  token: string,
): Promise<"revoked" | "unknown" | "forbidden"> {
  const digest = sha256(token);
  const [row] = await db
    .select({ id: oauthAccessTokens.id, applicationId: oauthAccessTokens.applicationId })
    .from(oauthAccessTokens)
    .where(
      or(
        eq(oauthAccessTokens.tokenDigest, digest),
        eq(oauthAccessTokens.refreshTokenDigest, digest),
      ),
    )
    .limit(1);
  if (!row) return "unknown";
  if (row.applicationId !== null && row.applicationId !== client.id) return "forbidden";
  await db
    .update(oauthAccessTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(oauthAccessTokens.id, row.id), isNull(oauthAccessTokens.revokedAt)));
  return "revoked";
}
