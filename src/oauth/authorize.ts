// The authorization endpoint (https://docs.joinmastodon.org/methods/oauth/#authorize),
// as Mastodon's Oauth::AuthorizationsController over Doorkeeper's:
// GET /oauth/authorize checks the request, sends visitors to the sign-in page
// and back, then asks the signed-in user; POST approves (302 to the client with
// `code` and `state`), DELETE (or POST with `_method=delete`) denies
// (`error=access_denied`). The out-of-band URI shows the code on
// /oauth/authorize/native instead. An app the user already authorized with the
// same scopes is approved again without asking, unless `force_login` is set,
// which signs the user out first so another account can be chosen.
import type { Context, Hono } from "hono";
import {
  AuthorizationRequestError,
  checkAuthorizationRequest,
  type AuthorizationRequest,
  type AuthorizationRequestInput,
} from "../domain/oauth/authorization-request.ts";
import { createGrant } from "../domain/oauth/grants.ts";
import { OAUTH_DESCRIPTIONS } from "../domain/oauth/oauth-error.ts";
import { isOobUri, withQuery } from "../domain/oauth/redirect-uris.ts";
import { findMatchingToken } from "../domain/oauth/tokens.ts";
import type { WebSession } from "../domain/sessions/web-sessions.ts";
import type { HerdEnv } from "../http/env.ts";
import { params } from "../http/params.ts";
import { sendPage } from "../web/layout.ts";
import {
  csrfToken,
  CSRF_FIELD,
  currentWebSession,
  endCurrentWebSession,
  verifyCsrf,
} from "../web/session.ts";
import { signInUrl } from "../web/sign-in.ts";
import { codePage, consentPage, errorPage } from "./authorize-pages.ts";

const AUTHORIZE_PATH = "/oauth/authorize";
const NATIVE_PATH = "/oauth/authorize/native";
const REQUEST_FIELDS = [
  "response_type",
  "client_id",
  "redirect_uri",
  "scope",
  "state",
  "code_challenge",
  "code_challenge_method",
] as const;

function str(p: Record<string, unknown>, key: string): string | null {
  const v = p[key];
  return typeof v === "string" ? v : null;
}

function requestInput(p: Record<string, unknown>): AuthorizationRequestInput {
  return {
    responseType: str(p, "response_type"),
    clientId: str(p, "client_id"),
    redirectUri: str(p, "redirect_uri"),
    scope: str(p, "scope"),
    state: str(p, "state"),
    codeChallenge: str(p, "code_challenge"),
    codeChallengeMethod: str(p, "code_challenge_method"),
  };
}

/** Rails' boolean casting, as Mastodon reads `force_login`. */
function truthy(value: unknown): boolean {
  return (
    typeof value === "string" &&
    value !== "" &&
    !["0", "f", "false", "off", "no", "n"].includes(value.toLowerCase())
  );
}

/** GET /oauth/authorize with the request's own parameters (where sign-in comes back to). */
function authorizeUrl(p: Record<string, unknown>, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams();
  for (const key of REQUEST_FIELDS) {
    const value = str(p, key);
    if (value !== null) query.set(key, value);
  }
  for (const [k, v] of Object.entries(extra)) query.set(k, v);
  return `${AUTHORIZE_PATH}?${query.toString()}`;
}

function showError(c: Context<HerdEnv>, description: string, status: 400 | 401 | 403 = 400) {
  return sendPage(c, { title: "An error has occurred", body: errorPage(description), status });
}

/** Back to the client with `?error=`, or an error page when that is not allowed. */
function answerError(c: Context<HerdEnv>, error: AuthorizationRequestError) {
  const description = error.description ?? OAUTH_DESCRIPTIONS[error.code];
  // Doorkeeper's statuses: 401 for an unknown client, 400 otherwise.
  if (!error.redirectUri)
    return showError(c, description, error.code === "invalid_client" ? 401 : 400);
  return c.redirect(
    withQuery(error.redirectUri, {
      error: error.code,
      error_description: description,
      state: error.state,
    }),
    302,
  );
}

async function approve(c: Context<HerdEnv>, request: AuthorizationRequest, session: WebSession) {
  const { code } = await createGrant(c.get("deps").database.db, {
    application: request.application,
    userId: session.user.id,
    redirectUri: request.redirectUri,
    scopes: request.scopes,
    codeChallenge: request.codeChallenge,
    codeChallengeMethod: request.codeChallengeMethod,
  });
  if (isOobUri(request.redirectUri)) {
    return c.redirect(`${NATIVE_PATH}?code=${encodeURIComponent(code)}`, 302);
  }
  return c.redirect(withQuery(request.redirectUri, { code, state: request.state }), 302);
}

async function check(c: Context<HerdEnv>, p: Record<string, unknown>) {
  try {
    return await checkAuthorizationRequest(c.get("deps").database.db, requestInput(p));
  } catch (error) {
    if (error instanceof AuthorizationRequestError) return error;
    throw error;
  }
}

export function registerAuthorizeRoutes(app: Hono<HerdEnv>): void {
  app.get(AUTHORIZE_PATH, async (c) => {
    c.header("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate");
    const p = await params(c);
    const request = await check(c, p);
    if (request instanceof AuthorizationRequestError) return answerError(c, request);

    const session = await currentWebSession(c);
    if (truthy(p.force_login)) {
      if (session) await endCurrentWebSession(c);
      return c.redirect(signInUrl(authorizeUrl(p)), 302);
    }
    if (!session) return c.redirect(signInUrl(authorizeUrl(p)), 302);

    const db = c.get("deps").database.db;
    if (await findMatchingToken(db, request.application.id, session.user.id, request.scopes)) {
      return approve(c, request, session);
    }
    return sendPage(c, {
      title: "Authorization required",
      body: consentPage({
        request,
        account: session.account,
        csrf: csrfToken(c, session),
        switchAccountUrl: authorizeUrl(p, { force_login: "true" }),
      }),
    });
  });

  const decide = async (c: Context<HerdEnv>, method: "POST" | "DELETE") => {
    c.header("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate");
    const p = await params(c);
    const approved = method === "POST" && str(p, "_method")?.toLowerCase() !== "delete";
    const session = await currentWebSession(c);
    if (!session) return c.redirect(signInUrl(authorizeUrl(p)), 302);
    if (!verifyCsrf(c, session, p[CSRF_FIELD])) {
      return showError(
        c,
        "This form has expired or did not come from this site. Go back to the app and try again.",
        403,
      );
    }
    const request = await check(c, p);
    if (request instanceof AuthorizationRequestError) return answerError(c, request);
    if (!approved) {
      return answerError(
        c,
        new AuthorizationRequestError("access_denied", {
          redirectUri: isOobUri(request.redirectUri) ? null : request.redirectUri,
          state: request.state,
        }),
      );
    }
    return approve(c, request, session);
  };
  app.post(AUTHORIZE_PATH, (c) => decide(c, "POST"));
  app.delete(AUTHORIZE_PATH, (c) => decide(c, "DELETE"));

  app.get(NATIVE_PATH, (c) => {
    const code = c.req.query("code");
    if (!code || code.length > 256) return showError(c, OAUTH_DESCRIPTIONS.invalid_request);
    return sendPage(c, { title: "Authorization code", body: codePage(code) });
  });
}
