// Bearer tokens and scopes, answered as Mastodon (Doorkeeper) does:
// - no, unknown, revoked or expired token: 401 {"error": "The access token is invalid"} (or "...was revoked"/"...expired");
// - a token without the scope: 403 {"error": "This action is outside the authorized scopes"};
// - an app-only token where a user is needed: 422 {"error": "This method requires an authenticated user"};
// - an unconfirmed, unapproved or disabled user: 403 with the reason.
// See https://docs.joinmastodon.org/api/oauth-scopes/ and Mastodon's Api::BaseController.
import type { Context, MiddlewareHandler, Next } from "hono";
import {
  authenticateCached,
  authenticateDigest,
  touchToken,
  type Authenticated,
  type TokenCheck,
} from "../domain/oauth/authenticate.ts";
import { grants } from "../domain/oauth/scopes.ts";
import { tokenCacheOf } from "../domain/oauth/token-cache.ts";
import type { AccountRow, UserRow } from "../db/schema/index.ts";
import { ApiError } from "./errors.ts";
import { requestHeader } from "./fast-headers.ts";
import { frontOf } from "./front.ts";
import { params } from "./params.ts";
import type { HerdEnv, TokenState } from "./env.ts";
import { sha256 } from "../lib/tokens.ts";

/** The bearer token of a request: `Authorization: Bearer`, or `access_token` in the query. */
export function bearerToken(c: Context<HerdEnv>): string | null {
  const header = requestHeader(c, "authorization");
  if (header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (m) return m[1] ?? null;
  }
  // Most requests have no query at all: no need to look in it twice.
  if (!c.req.url.includes("?")) return null;
  return c.req.query("access_token") || c.req.query("bearer_token") || null;
}

/**
 * The token in the body, where Doorkeeper (access_token_methods) looks last:
 * `access_token` or `bearer_token` as a form or JSON parameter.
 */
async function bodyToken(c: Context<HerdEnv>): Promise<string | null> {
  let p: Record<string, unknown>;
  try {
    p = await params(c);
  } catch {
    return null; // the route answers the malformed body itself
  }
  for (const key of ["access_token", "bearer_token"]) {
    const v = p[key];
    if (typeof v === "string" && v !== "") return v;
  }
  return null;
}

/** No token sent (shared: it is never changed). */
export const NO_TOKEN: TokenState = Object.freeze({ kind: "none" });

function record(c: Context<HerdEnv>, check: TokenCheck): void {
  if (check.ok) {
    c.set("token", { kind: "valid", auth: check.auth });
    // For the request's log line.
    if (check.auth.account) frontOf(c).accountId = check.auth.account.id;
    // Use is recorded at most once a minute, without a write on other requests.
    if (check.touch)
      touchToken(c.get("deps").database.db, check.auth.token.id).catch(() => undefined);
  } else {
    c.set("token", { kind: "invalid", reason: check.reason });
  }
}

/** Records what `token` stands for, then runs `next`: without a promise when the cache holds it. */
function withToken(c: Context<HerdEnv>, token: string, next: Next) {
  const { database } = c.get("deps");
  const cache = tokenCacheOf(database);
  const digest = sha256(token);
  const cached = authenticateCached(digest, cache, true);
  if (cached) {
    record(c, cached);
    return next();
  }
  return authenticateDigest(database.db, digest, cache, true).then((check) => {
    record(c, check);
    return next();
  });
}

/**
 * Resolves the token (if any) for every API request; rejects nothing by
 * itself. The token is where Doorkeeper finds it in Mastodon: the
 * Authorization header, then `access_token` or `bearer_token` in the query
 * or in the body. Not async: most requests carry a token the cache holds
 * (src/http/flat-router.ts says why a promise costs).
 */
export const resolveToken: MiddlewareHandler<HerdEnv> = (c, next) => {
  const token = bearerToken(c);
  if (token) return withToken(c, token, next);
  const method = c.req.method;
  if (method === "GET" || method === "HEAD" || !c.req.raw.body) {
    c.set("token", NO_TOKEN);
    return next();
  }
  return bodyToken(c).then((found) => {
    if (found) return withToken(c, found, next);
    c.set("token", NO_TOKEN);
    return next();
  });
};

const INVALID: Record<"invalid" | "revoked" | "expired", string> = {
  invalid: "The access token is invalid",
  revoked: "The access token was revoked",
  expired: "The access token expired",
};

/** The token of the request, or a 401. `anyOf` scopes: one of them suffices. */
export function requireToken(c: Context<HerdEnv>, ...anyOf: string[]): Authenticated {
  const state = c.get("token");
  if (!state || state.kind === "none") throw new ApiError(401, INVALID.invalid);
  if (state.kind === "invalid") throw new ApiError(401, INVALID[state.reason]);
  if (anyOf.length > 0 && !anyOf.some((s) => grants(state.auth.scopes, s))) {
    throw new ApiError(403, "This action is outside the authorized scopes");
  }
  return state.auth;
}

export interface UserAuth extends Authenticated {
  user: UserRow;
  account: AccountRow;
}

/** The signed-in user of the request, checked as Mastodon's `require_user!`. */
export function requireUser(c: Context<HerdEnv>, ...anyOf: string[]): UserAuth {
  const auth = requireToken(c, ...anyOf);
  checkUsable(auth);
  return auth as UserAuth;
}

function checkUsable(auth: Authenticated): asserts auth is UserAuth {
  const { user, account } = auth;
  if (!user || !account) throw new ApiError(422, "This method requires an authenticated user");
  if (!user.confirmedAt)
    throw new ApiError(403, "Your login is missing a confirmed e-mail address");
  if (!user.approved) throw new ApiError(403, "Your login is currently pending approval");
  if (user.disabled || account.suspendedAt || account.memorial) {
    throw new ApiError(403, "Your login is currently disabled");
  }
}

/** Whether a valid token of a user came (Mastodon's `user_signed_in?` in the API). */
export function userSignedIn(c: Context<HerdEnv>): boolean {
  const token = c.get("token");
  return token?.kind === "valid" && token.auth.user !== null;
}

/** The viewer when a valid user token is present (public endpoints), else null. */
export function optionalUser(c: Context<HerdEnv>, ...anyOf: string[]): UserAuth | null {
  const state = c.get("token");
  if (!state || state.kind === "none") return null;
  if (state.kind === "invalid") throw new ApiError(401, INVALID[state.reason]);
  if (anyOf.length > 0 && !anyOf.some((s) => grants(state.auth.scopes, s))) {
    throw new ApiError(403, "This action is outside the authorized scopes");
  }
  const { user, account } = state.auth;
  if (!user || !account) return null;
  checkUsable(state.auth);
  return state.auth as UserAuth;
}
