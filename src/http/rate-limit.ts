// Rate limits as Mastodon's Rack::Attack setup (config/initializers/rack_attack.rb,
// https://docs.joinmastodon.org/api/rate-limits/):
// - fixed windows aligned on multiples of the period, counted per rule and key;
// - every matching rule counts the request, in order, until one is exceeded,
//   which answers 429 {"error": "Too many requests"};
// - API responses carry X-RateLimit-Limit, X-RateLimit-Remaining and
//   X-RateLimit-Reset (ISO 8601 with microseconds, as Ruby's iso8601(6)) of
//   the rule closest to being exceeded;
// - requests from the loopback address itself are never limited (Mastodon's
//   "allow from localhost" safelist);
// - addresses are the client's as a trusted proxy reports it (X-Forwarded-For,
//   read as Rails' remote_ip does), and IPv6 addresses count per /64.
// Counters live in this process (`createMemoryRateStore`); a shared store
// (Redis) implements the same `RateStore` interface.
import type { Context, MiddlewareHandler, Next } from "hono";
import { errorBody } from "./errors.ts";
import type { HerdEnv } from "./env.ts";
import { clientIp, isLoopback, throttleIp } from "./client-ip.ts";
import { params } from "./params.ts";
import { withDefaultHeaders } from "./fast-headers.ts";
import { isPromise } from "../lib/is-promise.ts";

// Other modules took the client address from here first.
export { clientIp, isLoopback, isTrustedProxy, normalizeIp, throttleIp } from "./client-ip.ts";

export interface RateHit {
  /** Hits in the current window, this one included. */
  count: number;
  /** When the current window ends (ms since the epoch). */
  resetAt: number;
}

/**
 * Counts hits per key in fixed windows of `periodMs`, aligned on multiples of
 * the period since the epoch (a Redis store: INCR `key:floor(now/period)`
 * with an expiry of one period).
 */
export interface RateStore {
  hit(key: string, periodMs: number): RateHit | Promise<RateHit>;
}

/** Windows kept at most by the in-process store; the oldest go first past it. */
const MAX_WINDOWS = 100_000;

/** The in-process store: synchronous, and clearable (tests). */
export interface MemoryRateStore extends RateStore {
  hit(key: string, periodMs: number): RateHit;
  clear(): void;
  /** Windows currently kept. */
  size(): number;
}

export function createMemoryRateStore(now: () => number = Date.now): MemoryRateStore {
  const windows = new Map<string, RateHit>();
  let sweepAt = 0;
  const sweep = (t: number) => {
    for (const [k, w] of windows) if (w.resetAt <= t) windows.delete(k);
    sweepAt = t + 60_000;
  };
  return {
    hit(key, periodMs) {
      const t = now();
      // Forget ended windows now and then, so memory stays bounded.
      if (t > sweepAt) sweep(t);
      let w = windows.get(key);
      if (!w || w.resetAt <= t) {
        if (w) windows.delete(key);
        if (windows.size >= MAX_WINDOWS) {
          sweep(t);
          // Still full: drop the oldest windows (a Map iterates in insertion order).
          for (const k of windows.keys()) {
            if (windows.size < MAX_WINDOWS) break;
            windows.delete(k);
          }
        }
        w = { count: 0, resetAt: (Math.floor(t / periodMs) + 1) * periodMs };
        windows.set(key, w);
      }
      w.count++;
      return { count: w.count, resetAt: w.resetAt };
    },
    clear: () => windows.clear(),
    size: () => windows.size,
  };
}

export interface RateRule {
  name: string;
  limit: number;
  periodMs: number;
  /** The key of the counter (user, token, address, e-mail); null: the rule does not apply. */
  key(c: Context<HerdEnv>): string | null | Promise<string | null>;
}

// ---- the middleware

export interface RateLimitOptions {
  /** Put X-RateLimit-* on every response the rules counted (API), not only on 429s. */
  headers?: boolean;
}

/** Ruby's Time#iso8601(6): `2024-05-01T12:35:00.000000Z`. */
export function resetTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** The rule closest to being exceeded, and the one exceeded if any. */
interface Count {
  shown: { limit: number; remaining: number; resetAt: number } | null;
  exceeded?: { limit: number; resetAt: number };
}

/** Counts the request against `rules[i]` and on, in order, until one is exceeded. */
function countFrom(
  c: Context<HerdEnv>,
  store: RateStore,
  rules: RateRule[],
  i: number,
  count: Count,
): Count | Promise<Count> {
  for (; i < rules.length && !count.exceeded; i++) {
    const next = countOne(c, store, rules[i]!, count);
    if (isPromise(next)) {
      const after = i + 1;
      return next.then((n) => (n.exceeded ? n : countFrom(c, store, rules, after, n)));
    }
    count = next;
  }
  return count;
}

/** One rule; a promise only when its key or the store gives one. */
function countOne(
  c: Context<HerdEnv>,
  store: RateStore,
  rule: RateRule,
  count: Count,
): Count | Promise<Count> {
  const key = rule.key(c);
  if (isPromise<string | null>(key)) return key.then((k) => hit(store, rule, k, count));
  return hit(store, rule, key, count);
}

function hit(
  store: RateStore,
  rule: RateRule,
  key: string | null,
  count: Count,
): Count | Promise<Count> {
  if (key === null) return count;
  const result = store.hit(`${rule.name}:${key}`, rule.periodMs);
  return isPromise<RateHit>(result)
    ? result.then((r) => judge(rule, r, count))
    : judge(rule, result, count);
}

function judge(rule: RateRule, { count, resetAt }: RateHit, before: Count): Count {
  const remaining = Math.max(0, rule.limit - count);
  const shown =
    !before.shown || remaining < before.shown.remaining
      ? { limit: rule.limit, remaining, resetAt }
      : before.shown;
  return count > rule.limit ? { shown, exceeded: { limit: rule.limit, resetAt } } : { shown };
}

/**
 * Applies `rules` with `store` (by default the app's, `c.get("rateStore")`).
 * The first exceeded rule answers 429; the headers show the rule with the
 * fewest requests left. Not async: with the in-process store and the API's
 * rules, nothing here waits (src/http/flat-router.ts says why that matters).
 */
export function rateLimit(
  store: RateStore | null,
  rules: RateRule[],
  options: RateLimitOptions = {},
): MiddlewareHandler<HerdEnv> {
  const withHeaders = options.headers ?? true;
  return (c, next) => {
    const counters = store ?? c.get("rateStore");
    if (!counters || isLoopback(clientIp(c))) return next();
    const answer = ({ shown, exceeded }: Count): Response | ReturnType<Next> => {
      if (exceeded) {
        // Not answered yet: these headers go into the 429 about to be made.
        c.header("X-RateLimit-Limit", String(exceeded.limit));
        c.header("X-RateLimit-Remaining", "0");
        c.header("X-RateLimit-Reset", resetTimestamp(exceeded.resetAt));
        return c.json(errorBody("Too many requests"), 429);
      }
      if (!shown || !withHeaders) return next();
      return withDefaultHeaders(c, rateHeaders(shown), next);
    };
    const count = countFrom(c, counters, rules, 0, { shown: null });
    // Hono's type says a promise; its compose and flat-router.ts take either.
    return (
      isPromise<Count>(count) ? count.then((n): unknown => answer(n)) : answer(count)
    ) as ReturnType<Next>;
  };
}

function rateHeaders(v: { limit: number; remaining: number; resetAt: number }): [string, string][] {
  return [
    ["X-RateLimit-Limit", String(v.limit)],
    ["X-RateLimit-Remaining", String(v.remaining)],
    ["X-RateLimit-Reset", resetTimestamp(v.resetAt)],
  ];
}

// ---- Mastodon's rules

const MINUTE = 60_000;

/** The user behind a valid token (Rack::Attack's authenticated_user_id). */
function userId(c: Context<HerdEnv>): string | null {
  const t = c.get("token");
  return t?.kind === "valid" ? (t.auth.user?.id ?? null) : null;
}

function tokenId(c: Context<HerdEnv>): string | null {
  const t = c.get("token");
  return t?.kind === "valid" ? `${t.auth.token.id}` : null;
}

/** Rack::Attack's path_matches?: the path itself, or with a format extension. */
function pathIs(c: Context<HerdEnv>, path: string): boolean {
  const p = c.req.path;
  return p === path || (p.startsWith(`${path}.`) && !p.slice(path.length).includes("/"));
}

function isPaging(c: Context<HerdEnv>): boolean {
  return ["page", "min_id", "max_id", "since_id"].some((k) => !!c.req.query(k));
}

const MEDIA_PATH = /^\/api\/v\d+\/media$/i;
const DELETE_STATUS_PATH = /^\/api\/v1\/statuses\/\d+$/;
const UNREBLOG_PATH = /^\/api\/v1\/statuses\/\d+\/unreblog$/;

/** A lowercased `user[email]` form parameter (the login and password-reset forms). */
async function formEmail(c: Context<HerdEnv>): Promise<string | null> {
  let p: Record<string, unknown>;
  try {
    p = await params(c);
  } catch {
    return null; // the route answers the malformed body itself
  }
  const user = p.user;
  const email =
    user && typeof user === "object" ? (user as Record<string, unknown>).email : undefined;
  return typeof email === "string" && email.trim() !== "" ? email.trim().toLowerCase() : null;
}

/** The limits of the client API (/api/*), in Mastodon's order. Needs the token resolved. */
export function defaultRules(): RateRule[] {
  const post = (c: Context<HerdEnv>) => c.req.method === "POST";
  return [
    { name: "api-user", limit: 1500, periodMs: 5 * MINUTE, key: userId },
    { name: "api-token", limit: 300, periodMs: 5 * MINUTE, key: tokenId },
    {
      name: "api-ip",
      limit: 300,
      periodMs: 5 * MINUTE,
      key: (c) => (userId(c) === null ? throttleIp(c) : null),
    },
    {
      name: "media",
      limit: 30,
      periodMs: 30 * MINUTE,
      key: (c) => (post(c) && MEDIA_PATH.test(c.req.path) ? userId(c) : null),
    },
    {
      name: "sign-up",
      limit: 5,
      periodMs: 30 * MINUTE,
      key: (c) => (post(c) && c.req.path === "/api/v1/accounts" ? throttleIp(c) : null),
    },
    {
      name: "paging-user",
      limit: 300,
      periodMs: 15 * MINUTE,
      key: (c) => (isPaging(c) ? userId(c) : null),
    },
    {
      name: "paging-ip",
      limit: 300,
      periodMs: 15 * MINUTE,
      key: (c) => (isPaging(c) && userId(c) === null ? throttleIp(c) : null),
    },
    {
      name: "delete",
      limit: 30,
      periodMs: 30 * MINUTE,
      key: (c) =>
        (post(c) && UNREBLOG_PATH.test(c.req.path)) ||
        (c.req.method === "DELETE" && DELETE_STATUS_PATH.test(c.req.path))
          ? userId(c)
          : null,
    },
    {
      name: "email-confirmation-ip",
      limit: 25,
      periodMs: 5 * MINUTE,
      key: (c) => (post(c) && c.req.path === "/api/v1/emails/confirmations" ? throttleIp(c) : null),
    },
    {
      name: "email-confirmation-user",
      limit: 5,
      periodMs: 30 * MINUTE,
      key: (c) => (post(c) && c.req.path === "/api/v1/emails/confirmations" ? userId(c) : null),
    },
  ];
}

/**
 * The limits of signing in through the web form (POST /auth/sign_in): 25 per
 * 5 minutes per address, 25 per hour per login. Mount before the handler:
 * `app.post("/auth/sign_in", signInRateLimit(), handler)`.
 */
export function signInRules(): RateRule[] {
  const signIn = (c: Context<HerdEnv>) => c.req.method === "POST" && pathIs(c, "/auth/sign_in");
  return [
    {
      name: "login-ip",
      limit: 25,
      periodMs: 5 * MINUTE,
      key: (c) => (signIn(c) ? throttleIp(c) : null),
    },
    {
      name: "login-email",
      limit: 25,
      periodMs: 60 * MINUTE,
      key: (c) => (signIn(c) ? formEmail(c) : null),
    },
  ];
}

/**
 * The other web forms' limits: sign-up (POST /auth), password resets (POST
 * /auth/password), confirmation mails (POST /auth/confirmation).
 */
export function webFormRules(): RateRule[] {
  const postTo = (c: Context<HerdEnv>, path: string) => c.req.method === "POST" && pathIs(c, path);
  return [
    {
      name: "sign-up-form-ip",
      limit: 25,
      periodMs: 5 * MINUTE,
      key: (c) => (postTo(c, "/auth") ? throttleIp(c) : null),
    },
    {
      name: "password-reset-ip",
      limit: 25,
      periodMs: 5 * MINUTE,
      key: (c) => (postTo(c, "/auth/password") ? throttleIp(c) : null),
    },
    {
      name: "password-reset-email",
      limit: 5,
      periodMs: 30 * MINUTE,
      key: (c) => (postTo(c, "/auth/password") ? formEmail(c) : null),
    },
    {
      name: "email-confirmation-form-ip",
      limit: 25,
      periodMs: 5 * MINUTE,
      key: (c) => (postTo(c, "/auth/confirmation") ? throttleIp(c) : null),
    },
  ];
}

/** The sign-in limits as a route middleware using the app's store (headers only on a 429). */
export function signInRateLimit(): MiddlewareHandler<HerdEnv> {
  return rateLimit(null, signInRules(), { headers: false });
}

/** The other web forms' limits as a middleware using the app's store. */
export function webFormRateLimit(): MiddlewareHandler<HerdEnv> {
  return rateLimit(null, webFormRules(), { headers: false });
}
