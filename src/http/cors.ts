// Cross-origin access as Mastodon's config/initializers/cors.rb: any origin,
// no credentials, any request header. The API takes every method and exposes
// the pagination and rate-limit headers; discovery documents, profiles and the
// token endpoint are readable too. Herd also opens the other token endpoints
// browser clients call (revoke, userinfo) and NodeInfo, all without cookies.
//
// Answers other than preflights need only one or two headers, which the front
// (src/http/front.ts) sets; preflight requests (OPTIONS) go through Hono's
// cors() here.
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { HerdEnv } from "./env.ts";

const EXPOSED = [
  "Link",
  "X-RateLimit-Reset",
  "X-RateLimit-Limit",
  "X-RateLimit-Remaining",
  "X-Request-Id",
];

export type CorsKind = "api" | "post" | "userinfo" | "read" | null;

/** Which of Mastodon's CORS rules a path falls under, if any. */
export function corsKindOf(path: string): CorsKind {
  if (path.startsWith("/api/")) return "api";
  if (path === "/oauth/token" || path === "/oauth/revoke") return "post";
  if (path === "/oauth/userinfo") return "userinfo";
  if (
    path.startsWith("/.well-known/") ||
    path.startsWith("/nodeinfo/") ||
    /^\/@[^/]+$/.test(path) ||
    /^\/users\/[^/]+$/.test(path) ||
    path === "/health"
  ) {
    return "read";
  }
  return null;
}

/** The CORS headers of an answer (not a preflight) under `kind`. */
export function corsHeaders(kind: CorsKind): readonly (readonly [string, string])[] {
  if (kind === "api") {
    return [
      ["Access-Control-Allow-Origin", "*"],
      ["Access-Control-Expose-Headers", EXPOSED.join(",")],
    ];
  }
  return kind ? [["Access-Control-Allow-Origin", "*"]] : [];
}

/** Answers preflight requests (register for OPTIONS); other paths go on. */
export function corsPreflight(): MiddlewareHandler<HerdEnv> {
  const common = { origin: "*", allowHeaders: [] as string[], maxAge: 7200, credentials: false };
  const byKind: Record<Exclude<CorsKind, null>, MiddlewareHandler<HerdEnv>> = {
    api: cors({
      ...common,
      allowMethods: ["POST", "PUT", "DELETE", "GET", "PATCH", "OPTIONS"],
      exposeHeaders: EXPOSED,
    }),
    post: cors({ ...common, allowMethods: ["POST"] }),
    userinfo: cors({ ...common, allowMethods: ["GET", "POST"] }),
    read: cors({ ...common, allowMethods: ["GET"] }),
  };
  return (c, next) => {
    const kind = corsKindOf(c.req.path);
    return kind ? byKind[kind](c, next) : next();
  };
}
