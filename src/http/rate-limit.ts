// Rate limits with Mastodon's headers (https://docs.joinmastodon.org/api/rate-limits/):
// X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset (ISO 8601).
// Fixed windows counted in this process for now; a Redis-backed store can
// replace `MemoryRateStore` behind the same interface.
import type { Context, MiddlewareHandler } from "hono";
import { errorBody } from "./errors.ts";
import type { HerdEnv } from "./env.ts";

export interface RateStore {
  /** Counts one hit on `key` in the window of `periodMs`; returns the count and when the window ends. */
  hit(key: string, periodMs: number): { count: number; resetAt: number };
}

export function createMemoryRateStore(): RateStore & { clear(): void } {
  const windows = new Map<string, { count: number; resetAt: number }>();
  let sweepAt = 0;
  return {
    hit(key, periodMs) {
      const now = Date.now();
      if (now > sweepAt) {
        // Forget ended windows now and then, so memory stays bounded.
        for (const [k, w] of windows) if (w.resetAt <= now) windows.delete(k);
        sweepAt = now + 60_000;
      }
      let w = windows.get(key);
      if (!w || w.resetAt <= now) {
        w = { count: 0, resetAt: Math.ceil((now + 1) / periodMs) * periodMs };
        windows.set(key, w);
      }
      w.count++;
      return { count: w.count, resetAt: w.resetAt };
    },
    clear: () => windows.clear(),
  };
}

export interface RateRule {
  name: string;
  limit: number;
  periodMs: number;
  /** The key of the counter (account or IP); null: the rule does not apply. */
  key(c: Context<HerdEnv>): string | null;
}

export function clientIp(c: Context<HerdEnv>): string {
  const forwarded = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)
    ?.incoming?.socket?.remoteAddress;
  return forwarded || c.req.header("x-real-ip") || incoming || "unknown";
}

/** Applies `rules`; the first exceeded one answers 429; headers show the tightest. */
export function rateLimit(store: RateStore, rules: RateRule[]): MiddlewareHandler<HerdEnv> {
  return async (c, next) => {
    let shown: { limit: number; remaining: number; resetAt: number } | null = null;
    for (const rule of rules) {
      const key = rule.key(c);
      if (key === null) continue;
      const { count, resetAt } = store.hit(`${rule.name}:${key}`, rule.periodMs);
      const remaining = Math.max(0, rule.limit - count);
      if (!shown || remaining < shown.remaining) shown = { limit: rule.limit, remaining, resetAt };
      if (count > rule.limit) {
        setHeaders(c, shown);
        return c.json(errorBody("Too many requests"), 429);
      }
    }
    await next();
    if (shown) setHeaders(c, shown);
  };
}

function setHeaders(c: Context<HerdEnv>, v: { limit: number; remaining: number; resetAt: number }) {
  c.header("X-RateLimit-Limit", String(v.limit));
  c.header("X-RateLimit-Remaining", String(v.remaining));
  c.header("X-RateLimit-Reset", new Date(v.resetAt).toISOString());
}

const FIVE_MINUTES = 5 * 60_000;
const THIRTY_MINUTES = 30 * 60_000;

/** Mastodon's default limits (config/initializers/rack_attack.rb). */
export function defaultRules(): RateRule[] {
  const authenticated = (c: Context<HerdEnv>) => {
    const t = c.get("token");
    return t?.kind === "valid" ? (t.auth.account?.id ?? `app:${t.auth.token.id}`) : null;
  };
  return [
    { name: "api-account", limit: 300, periodMs: FIVE_MINUTES, key: authenticated },
    {
      name: "api-ip",
      limit: 300,
      periodMs: FIVE_MINUTES,
      key: (c) => (authenticated(c) === null ? clientIp(c) : null),
    },
    {
      name: "sign-up",
      limit: 5,
      periodMs: THIRTY_MINUTES,
      key: (c) =>
        c.req.method === "POST" && c.req.path === "/api/v1/accounts" ? clientIp(c) : null,
    },
    {
      name: "media",
      limit: 30,
      periodMs: THIRTY_MINUTES,
      key: (c) =>
        c.req.method === "POST" && /^\/api\/v[12]\/media$/.test(c.req.path)
          ? authenticated(c)
          : null,
    },
  ];
}
