// The sign-in page (GET/POST /auth/sign_in) and signing out
// (DELETE /auth/sign_out, or POST from a form), at Mastodon's paths. Other
// pages send visitors here with `?return_to=/local/path` and get them back
// once signed in. Field names follow Mastodon's form (`user[email]`,
// `user[password]`, `authenticity_token`).
import { signInRateLimit } from "../http/rate-limit.ts";
import type { Context, Hono } from "hono";
import { html } from "hono/html";
import { authenticateUser, SignInError } from "../domain/accounts/sign-in.ts";
import type { HerdEnv } from "../http/env.ts";
import { params } from "../http/params.ts";
import { sendPage, type Html } from "./layout.ts";
import {
  csrfToken,
  CSRF_FIELD,
  currentWebSession,
  endCurrentWebSession,
  safeReturnTo,
  startWebSession,
  verifyCsrf,
} from "./session.ts";

export const SIGN_IN_PATH = "/auth/sign_in";

/** The sign-in URL that comes back to `returnTo` afterwards. */
export function signInUrl(returnTo?: string | null): string {
  return returnTo ? `${SIGN_IN_PATH}?return_to=${encodeURIComponent(returnTo)}` : SIGN_IN_PATH;
}

export function signInForm(opts: {
  csrf: string;
  returnTo: string | null;
  login?: string;
  error?: string | null;
}): Html {
  return html`<h1>Sign in</h1>
    ${opts.error ? html`<div class="error" role="alert">${opts.error}</div>` : ""}
    <form method="post" action="${SIGN_IN_PATH}">
      <input type="hidden" name="${CSRF_FIELD}" value="${opts.csrf}" />
      ${
        opts.returnTo ? html`<input type="hidden" name="return_to" value="${opts.returnTo}" />` : ""
      }
      <label for="user_email">E-mail address or username</label>
      <input
        type="text"
        id="user_email"
        name="user[email]"
        value="${opts.login ?? ""}"
        autocomplete="username"
        autocapitalize="none"
        spellcheck="false"
        required
        autofocus
      />
      <label for="user_password">Password</label>
      <input
        type="password"
        id="user_password"
        name="user[password]"
        autocomplete="current-password"
        required
      />
      <div class="actions"><button type="submit">Sign in</button></div>
    </form>`;
}

function signOutForm(csrf: string): Html {
  return html`<form method="post" action="/auth/sign_out">
    <input type="hidden" name="${CSRF_FIELD}" value="${csrf}" />
    <input type="hidden" name="_method" value="delete" />
    <button type="submit" class="secondary">Sign out</button>
  </form>`;
}

/** A field of a Rails-style form: `user[email]` arrives as {user: {email}}. */
function field(p: Record<string, unknown>, group: string, name: string): string {
  const nested = p[group];
  const value =
    nested && typeof nested === "object" ? (nested as Record<string, unknown>)[name] : p[name];
  return typeof value === "string" ? value : "";
}

async function renderSignIn(
  c: Context<HerdEnv>,
  opts: {
    returnTo: string | null;
    login?: string;
    error?: string | null;
    status?: 200 | 403 | 422;
  },
) {
  const csrf = csrfToken(c, null);
  return sendPage(c, {
    title: "Sign in",
    body: signInForm({ csrf, returnTo: opts.returnTo, login: opts.login, error: opts.error }),
    status: opts.status,
  });
}

export function registerSignInRoutes(app: Hono<HerdEnv>): void {
  app.get(SIGN_IN_PATH, async (c) => {
    const returnTo = safeReturnTo(c.req.query("return_to"));
    const session = await currentWebSession(c);
    if (session && returnTo) return c.redirect(returnTo, 302);
    if (session) {
      return sendPage(c, {
        title: "Signed in",
        body: html`<h1>Signed in</h1>
          <p>You are signed in as <strong>@${session.account.username}</strong>.</p>
          <div class="actions">${signOutForm(csrfToken(c, session))}</div>`,
      });
    }
    return renderSignIn(c, { returnTo });
  });

  // Mastodon's throttles: 25 sign-in attempts per 5 minutes per IP, 25 per hour per login.
  app.post(SIGN_IN_PATH, signInRateLimit(), async (c) => {
    const p = await params(c);
    const returnTo = safeReturnTo(p.return_to);
    const login = field(p, "user", "email") || field(p, "user", "login");
    const session = await currentWebSession(c);
    // The form is always made before sign-in, so its token is bound to the CSRF cookie.
    if (!verifyCsrf(c, null, p[CSRF_FIELD])) {
      return renderSignIn(c, {
        returnTo,
        login,
        error: "This form has expired or did not come from this site. Please try again.",
        status: 403,
      });
    }
    try {
      const { user } = await authenticateUser(
        c.get("deps").database.db,
        login,
        field(p, "user", "password"),
      );
      // A new session (and token) at every sign-in: no session fixation.
      if (session) await endCurrentWebSession(c);
      await startWebSession(c, user.id);
    } catch (error) {
      if (!(error instanceof SignInError)) throw error;
      return renderSignIn(c, { returnTo, login, error: error.message, status: 422 });
    }
    return c.redirect(returnTo ?? SIGN_IN_PATH, 303);
  });

  const signOut = async (c: Context<HerdEnv>, checkCsrf: boolean) => {
    const session = await currentWebSession(c);
    if (checkCsrf && !verifyCsrf(c, session, (await params(c))[CSRF_FIELD])) {
      return renderSignIn(c, {
        returnTo: null,
        error: "This form has expired or did not come from this site. Please try again.",
        status: 403,
      });
    }
    await endCurrentWebSession(c);
    return c.redirect(SIGN_IN_PATH, 303);
  };
  // A form posts (with `_method=delete`, as Rails' forms do); scripts may DELETE,
  // which browsers never send across sites without CORS, which these paths lack.
  app.post("/auth/sign_out", (c) => signOut(c, true));
  app.delete("/auth/sign_out", (c) => signOut(c, false));
}
