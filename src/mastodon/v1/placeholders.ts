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
import { deprecationHeader, publicIfUnauthenticated } from "../../http/cache-control.ts";
import type { HerdEnv } from "../../http/env.ts";
import { setAnswerHeader } from "../../http/fast-headers.ts";
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

/** How Mastodon's controller marks the answer (src/http/cache-control.ts). */
interface Marks {
  /** `cache_if_unauthenticated!`. */
  cache?: true;
  /** `vary_by`, when not the API's `Authorization`. */
  vary?: string;
  /** `deprecate_api`: the day. */
  deprecated?: string;
}

/** GET endpoints answering a constant after `check`. */
const EMPTY: [path: string, check: Check, body: () => unknown, marks: Marks][] = [
  ["/api/v1/filters", user("read", "read:filters"), () => [], { deprecated: "2022-11-14" }],
  ["/api/v2/filters", user("read", "read:filters"), () => [], {}],
  ["/api/v1/announcements", requireUserAnyScope, () => [], {}],
  ["/api/v1/suggestions", user("read"), () => [], { deprecated: "2021-05-16" }],
  ["/api/v2/suggestions", user("read"), () => [], {}],
  // Trends and the directory are public and ignore the token.
  ["/api/v1/trends", () => undefined, () => [], { cache: true, deprecated: "2022-03-30" }],
  ["/api/v1/trends/tags", () => undefined, () => [], { cache: true }],
  [
    "/api/v1/trends/statuses",
    () => undefined,
    () => [],
    { cache: true, vary: "Authorization, Accept-Language" },
  ],
  [
    "/api/v1/trends/links",
    () => undefined,
    () => [],
    { cache: true, vary: "Authorization, Accept-Language" },
  ],
  ["/api/v1/directory", () => undefined, () => [], { cache: true }],
];

export function registerPlaceholderRoutes(app: Hono<HerdEnv>): void {
  for (const [path, check, body, marks] of EMPTY) {
    const deprecation = marks.deprecated && deprecationHeader(marks.deprecated);
    app.get(path, (c) => {
      try {
        check(c);
      } catch (error) {
        // Mastodon marks a deprecated endpoint's refusals too (a before_action).
        if (deprecation) setAnswerHeader(c, "Deprecation", deprecation);
        throw error;
      }
      // The headers in one plain object: @hono/node-server writes it as it
      // is (c.json with more than one header makes a Headers object).
      const headers: Record<string, string> = { "Content-Type": "application/json" };
      const cache = marks.cache && publicIfUnauthenticated(c);
      if (cache) headers["Cache-Control"] = cache;
      if (marks.vary) headers.Vary = marks.vary;
      if (deprecation) headers.Deprecation = deprecation;
      return new Response(JSON.stringify(body()), { headers });
    });
  }

  // Web Push (https://docs.joinmastodon.org/methods/push/#get): no subscription yet.
  app.get("/api/v1/push/subscription", (c) => {
    requireUser(c, "push");
    throw new ApiError(404, "Record not found");
  });
}
