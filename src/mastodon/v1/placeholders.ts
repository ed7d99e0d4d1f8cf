// Endpoints every client calls at start whose features later issues build.
// Until then each answers as Mastodon does for an account with no data, after
// the same token, scope and user checks as Mastodon's controller, so that no
// client learns more, or less, than it would from Mastodon.
// Registered last: a real route registered earlier wins.
//
// Scopes: the `doorkeeper_authorize!` list of each Mastodon controller
// (app/controllers/api/v1/..., api/v2/...); any one of them suffices.
import type { Context, Hono } from "hono";
import { requireToken, requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { ApiError } from "../../http/errors.ts";
import { params } from "../../http/params.ts";

const USER_REQUIRED = "This method requires an authenticated user";

/**
 * Mastodon's `require_user!` with no scope check before it: without a token
 * there is no user, which is a 422 rather than a 401.
 */
function requireUserAnyScope(c: Context<HerdEnv>) {
  if (c.get("token")?.kind === "none") throw new ApiError(422, USER_REQUIRED);
  return requireUser(c);
}

/** Mastodon's `authorize_if_got_token!`: a token is optional, but when sent it must hold a scope. */
function authorizeIfGotToken(c: Context<HerdEnv>, ...scopes: string[]) {
  return c.get("token")?.kind === "none" ? null : requireToken(c, ...scopes);
}

type Check = (c: Context<HerdEnv>) => unknown;

const user =
  (...scopes: string[]): Check =>
  (c) =>
    requireUser(c, ...scopes);

/** GET endpoints answering a constant after `check`. */
const EMPTY: [path: string, check: Check, body: () => unknown][] = [
  ["/api/v1/filters", user("read", "read:filters"), () => []],
  ["/api/v2/filters", user("read", "read:filters"), () => []],
  ["/api/v1/announcements", requireUserAnyScope, () => []],
  ["/api/v1/suggestions", user("read"), () => []],
  ["/api/v2/suggestions", user("read"), () => []],
  ["/api/v1/scheduled_statuses", user("read", "read:statuses"), () => []],
  // Trends and the directory are public and ignore the token.
  ["/api/v1/trends", () => undefined, () => []],
  ["/api/v1/trends/tags", () => undefined, () => []],
  ["/api/v1/trends/statuses", () => undefined, () => []],
  ["/api/v1/trends/links", () => undefined, () => []],
  ["/api/v1/directory", () => undefined, () => []],
];

export function registerPlaceholderRoutes(app: Hono<HerdEnv>): void {
  for (const [path, check, body] of EMPTY) {
    app.get(path, (c) => {
      check(c);
      return c.json(body() as object);
    });
  }

  // Search (https://docs.joinmastodon.org/methods/search/#v2): public, but
  // paging and resolving remote resources need a signed-in user.
  app.get("/api/v2/search", async (c) => {
    const signedIn = Boolean(authorizeIfGotToken(c, "read", "read:search")?.user);
    const p = await params(c);
    if (p.q === undefined || p.q === "" || (typeof p.q === "string" && p.q.trim() === "")) {
      throw new ApiError(400, "param is missing or the value is empty or invalid: q");
    }
    if (!signedIn) {
      if (p.offset !== undefined && p.offset !== "") {
        throw new ApiError(
          401,
          "Search queries pagination is not supported without authentication",
        );
      }
      if (truthy(p.resolve)) {
        throw new ApiError(
          401,
          "Search queries that resolve remote resources are not supported without authentication",
        );
      }
    }
    if (toInteger(p.offset) < 0 || toInteger(p.limit) < 0) {
      throw new ApiError(400, "Pagination values for `offset` and `limit` must be positive");
    }
    return c.json({ accounts: [], statuses: [], hashtags: [] });
  });

  // Web Push (https://docs.joinmastodon.org/methods/push/#get): no subscription yet.
  app.get("/api/v1/push/subscription", (c) => {
    requireUser(c, "push");
    throw new ApiError(404, "Record not found");
  });
}

/** Ruby's `to_i`: the leading integer of a string, else 0. */
function toInteger(value: unknown): number {
  if (typeof value === "number") return Math.trunc(value);
  if (typeof value !== "string") return 0;
  const n = Number.parseInt(value.trim(), 10);
  return Number.isNaN(n) ? 0 : n;
}

/** Rails' truthy parameter: present and not one of its false values. */
function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return false;
  if (typeof value === "boolean") return value;
  return !["0", "f", "false", "off", "no", "n"].includes(String(value).toLowerCase());
}
