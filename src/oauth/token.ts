// The token endpoint (https://docs.joinmastodon.org/methods/oauth/#token) and
// token revocation (https://docs.joinmastodon.org/methods/oauth/#revoke), as
// Doorkeeper answers them: the Token entity, or RFC 6749 section 5.2 errors
// {"error", "error_description"} with 401 for client failures and 400 for the
// rest. Bodies may be forms or JSON; client credentials come from HTTP Basic
// (first, as Doorkeeper) or from client_id/client_secret parameters.
import type { Context, Hono } from "hono";
import type { ClientCredentials } from "../domain/oauth/client-auth.ts";
import { requireClient } from "../domain/oauth/client-auth.ts";
import { exchangeAuthorizationCode } from "../domain/oauth/grants.ts";
import { missingParam, OAuthError } from "../domain/oauth/oauth-error.ts";
import {
  issueClientCredentialsToken,
  issuePasswordToken,
  refreshAccessToken,
  revokeTokenForClient,
} from "../domain/oauth/token-requests.ts";
import type { IssuedToken } from "../domain/oauth/tokens.ts";
import type { HerdEnv } from "../http/env.ts";
import { ApiError } from "../http/errors.ts";
import { params } from "../http/params.ts";
import { serializeToken } from "../mastodon/entities/token.ts";

const MAX_PARAM = 4096;

/** A string parameter; anything else (arrays, hashes, overlong values) counts as absent. */
function str(p: Record<string, unknown>, key: string): string | null {
  const v = p[key];
  return typeof v === "string" && v !== "" && v.length <= MAX_PARAM ? v : null;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch {
    return value;
  }
}

/** RFC 6749 section 2.3.1: Basic credentials are form-encoded, then base64. */
export function clientCredentials(
  c: Context<HerdEnv>,
  p: Record<string, unknown>,
): ClientCredentials | null {
  const header = c.req.header("authorization");
  const basic = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (basic) {
    const text = Buffer.from(basic[1]!, "base64").toString("utf8");
    const colon = text.indexOf(":");
    if (colon > 0) {
      return {
        clientId: decode(text.slice(0, colon)),
        clientSecret: decode(text.slice(colon + 1)),
      };
    }
  }
  const clientId = str(p, "client_id");
  const clientSecret = str(p, "client_secret");
  return clientId && clientSecret ? { clientId, clientSecret } : null;
}

/** The request's parameters; a body that cannot be read is invalid_request. */
async function oauthParams(c: Context<HerdEnv>): Promise<Record<string, unknown>> {
  try {
    return await params(c);
  } catch (error) {
    if (error instanceof ApiError && error.status === 400) {
      throw new OAuthError("invalid_request");
    }
    throw error;
  }
}

function oauthError(c: Context<HerdEnv>, error: OAuthError) {
  const status =
    error.code === "invalid_client" || error.code === "unauthorized_client" ? 401 : 400;
  if (error.code === "invalid_client") {
    c.header(
      "WWW-Authenticate",
      `Bearer realm="Doorkeeper", error="invalid_client", error_description="${error.description}"`,
    );
  }
  return c.json({ error: error.code, error_description: error.description }, status);
}

async function grant(c: Context<HerdEnv>, p: Record<string, unknown>): Promise<IssuedToken> {
  const db = c.get("deps").database.db;
  const grantType = str(p, "grant_type");
  const credentials = clientCredentials(c, p);
  switch (grantType) {
    case null:
      throw missingParam("grant_type");
    case "authorization_code":
      return exchangeAuthorizationCode(db, {
        credentials,
        code: str(p, "code"),
        redirectUri: str(p, "redirect_uri"),
        codeVerifier: str(p, "code_verifier"),
      });
    case "client_credentials":
      return issueClientCredentialsToken(db, await requireClient(db, credentials), str(p, "scope"));
    case "password":
      return issuePasswordToken(db, await requireClient(db, credentials), {
        username: str(p, "username"),
        password: str(p, "password"),
        scope: str(p, "scope"),
      });
    case "refresh_token":
      return refreshAccessToken(db, await requireClient(db, credentials), {
        refreshToken: str(p, "refresh_token"),
        scope: str(p, "scope"),
      });
    default:
      throw new OAuthError("unsupported_grant_type");
  }
}

export function registerTokenRoutes(app: Hono<HerdEnv>): void {
  app.post("/oauth/token", async (c) => {
    // RFC 6749 section 5.1: token responses are never cached.
    c.header("Cache-Control", "no-store");
    c.header("Pragma", "no-cache");
    try {
      const issued = await grant(c, await oauthParams(c));
      return c.json(serializeToken(issued));
    } catch (error) {
      if (error instanceof OAuthError) return oauthError(c, error);
      throw error;
    }
  });

  // RFC 7009: revoking an unknown token succeeds; a token of another app, or a
  // request without valid client credentials or token, is refused with 403.
  app.post("/oauth/revoke", async (c) => {
    const forbidden = () =>
      c.json(
        {
          error: "unauthorized_client",
          error_description: "You are not authorized to revoke this token",
        },
        403,
      );
    let p: Record<string, unknown>;
    try {
      p = await oauthParams(c);
    } catch (error) {
      if (error instanceof OAuthError) return oauthError(c, error);
      throw error;
    }
    const db = c.get("deps").database.db;
    const token = str(p, "token");
    let client;
    try {
      client = await requireClient(db, clientCredentials(c, p));
    } catch (error) {
      if (error instanceof OAuthError) return forbidden();
      throw error;
    }
    if (!token) return forbidden();
    const outcome = await revokeTokenForClient(db, client, token);
    return outcome === "forbidden" ? forbidden() : c.json({});
  });
}
