// Browser sessions and CSRF protection for the server-rendered pages.
// The `_herd_session` cookie (HttpOnly, SameSite=Lax, Secure over https) holds
// a random token whose SHA-256 digest is in web_sessions. Every POST form
// carries an `authenticity_token` (Rails' name): an HMAC, keyed with
// SECRET_KEY_BASE, of the session token, or before sign-in of a random
// `_herd_csrf` cookie, so a token is good only in the browser it was made for.
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createHmac } from "node:crypto";
import {
  createWebSession,
  endWebSession,
  findWebSession,
  SESSION_IDLE_DAYS,
  type WebSession,
} from "../domain/sessions/web-sessions.ts";
import type { HerdEnv } from "../http/env.ts";
import { clientIp } from "../http/rate-limit.ts";
import { randomToken, safeEqual } from "../lib/tokens.ts";
import { urlsFor } from "../urls.ts";

export const SESSION_COOKIE = "_herd_session";
export const CSRF_COOKIE = "_herd_csrf";
export const CSRF_FIELD = "authenticity_token";

function cookieOptions(c: Context<HerdEnv>) {
  return {
    path: "/",
    httpOnly: true,
    sameSite: "Lax" as const,
    secure: c.get("deps").config.protocol === "https:",
  };
}

/** The signed-in session of the request, or null. */
export async function currentWebSession(c: Context<HerdEnv>): Promise<WebSession | null> {
  const token = getCookie(c, SESSION_COOKIE);
  if (!token) return null;
  return findWebSession(c.get("deps").database.db, token);
}

/** Opens a session for `userId` and gives the browser its cookie. */
export async function startWebSession(c: Context<HerdEnv>, userId: string): Promise<void> {
  const { token } = await createWebSession(c.get("deps").database.db, userId, {
    userAgent: c.req.header("user-agent") ?? null,
    ip: clientIp(c),
  });
  setCookie(c, SESSION_COOKIE, token, {
    ...cookieOptions(c),
    maxAge: SESSION_IDLE_DAYS * 24 * 60 * 60,
  });
}

/** Ends the request's session (if any) and clears the cookie. */
export async function endCurrentWebSession(c: Context<HerdEnv>): Promise<void> {
  const token = getCookie(c, SESSION_COOKIE);
  if (token) await endWebSession(c.get("deps").database.db, token);
  deleteCookie(c, SESSION_COOKIE, cookieOptions(c));
}

function sign(c: Context<HerdEnv>, binding: string): string {
  return createHmac("sha256", c.get("deps").secrets.secretKeyBase)
    .update(`herd-csrf:${binding}`)
    .digest("base64url");
}

/** What CSRF tokens are bound to: the session when signed in, else the browser's CSRF cookie. */
function binding(c: Context<HerdEnv>, session: WebSession | null, create: boolean): string | null {
  if (session) {
    const token = getCookie(c, SESSION_COOKIE);
    if (token) return `session:${token}`;
  }
  let anon = getCookie(c, CSRF_COOKIE);
  if (!anon || anon.length > 128) {
    if (!create) return null;
    anon = randomToken();
    setCookie(c, CSRF_COOKIE, anon, cookieOptions(c));
  }
  return `anonymous:${anon}`;
}

/** The token to put in a form rendered for this request. */
export function csrfToken(c: Context<HerdEnv>, session: WebSession | null): string {
  return sign(c, binding(c, session, true)!);
}

/** Whether a submitted form is genuine: same origin (when the browser says) and a matching token. */
export function verifyCsrf(
  c: Context<HerdEnv>,
  session: WebSession | null,
  submitted: unknown,
): boolean {
  const origin = c.req.header("origin");
  if (origin && origin !== "null" && origin !== urlsFor(c.get("deps").config).base) return false;
  if (origin === "null") return false;
  if (typeof submitted !== "string" || submitted === "") return false;
  const bound = binding(c, session, false);
  return bound !== null && safeEqual(submitted, sign(c, bound));
}

/** A local path to go back to after signing in; anything else (other hosts, `//x`) is dropped. */
export function safeReturnTo(value: unknown): string | null {
  if (typeof value !== "string" || value.length > 4096) return null;
  if (!value.startsWith("/") || value.startsWith("//") || value.includes("\\")) return null;
  if ([...value].some((ch) => ch.charCodeAt(0) < 0x20 || ch === "\u007f")) return null;
  return value;
}
