// Endpoints every client calls at start whose features later issues build.
// Until then each answers as Mastodon does for an account with no data, after
// the same token, scope and user checks as Mastodon's controller, so that no
// client learns more, or less, than it would from Mastodon.
// Registered last: a real route registered earlier wins.
//
// Scopes: the `doorkeeper_authorize!` list of each Mastodon controller
// (app/controllers/api/v1/..., api/v2/...); any one of them suffices.
import type { Context, Hono } from "hono";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { ApiError } from "../../http/errors.ts";

const USER_REQUIRED = "This method requires an authenticated user";

/**
 * Mastodon's `require_user!` with no scope check before it: without a token
 * there is no user, which is a 422 rather than a 401.
 */
function requireUserAnyScope(c: Context<HerdEnv>) {
  if (c.get("token")?.kind === "none") throw new ApiError(422, USER_REQUIRED);
  return requireUser(c);
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

  // Web Push (https://docs.joinmastodon.org/methods/push/#get): no subscription yet.
  app.get("/api/v1/push/subscription", (c) => {
    requireUser(c, "push");
    throw new ApiError(404, "Record not found");
  });
}
