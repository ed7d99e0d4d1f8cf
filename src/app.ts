// createApp(deps): the whole HTTP surface. Mounts the client API, OAuth, the
// server-rendered pages and (later) federation, over shared middleware:
// request id and log line, CORS, default headers, body size limits, the
// bearer token and rate limits for the API.
import { Hono, type Context, type MiddlewareHandler, type Next } from "hono";
import { cors } from "hono/cors";
import { randomUUID } from "node:crypto";
import type { Deps } from "./deps.ts";
import { resolveToken } from "./http/auth.ts";
import { bodyLimits } from "./http/body-limit.ts";
import type { HerdEnv } from "./http/env.ts";
import { handleError, respondWithError } from "./http/errors.ts";
import { requestHeader, withDefaultHeaders } from "./http/fast-headers.ts";
import {
  createMemoryRateStore,
  defaultRules,
  rateLimit,
  type RateStore,
} from "./http/rate-limit.ts";
import { registerMastodonRoutes } from "./mastodon/routes.ts";
import { registerOAuthRoutes } from "./oauth/routes.ts";
import { registerWebRoutes } from "./web/routes.ts";
import { registerMediaFileRoutes } from "./storage/serve-local.ts";
import { registerMediaProxyRoutes } from "./web/media-proxy.ts";

export interface AppOptions {
  rateStore?: RateStore;
  /** ActivityPub (src/federation, made by the composition root): answers its URLs, passes the rest on. */
  federation?: MiddlewareHandler<HerdEnv>;
}

/**
 * The request id: the one a proxy sent in X-Request-Id, cleaned as Rails'
 * ActionDispatch::RequestId does, or a new UUID.
 */
function requestIdOf(c: Context<HerdEnv>): string {
  const given = requestHeader(c, "x-request-id")
    ?.replace(/[^\w\-@]/g, "")
    .slice(0, 255);
  return given || randomUUID();
}

/** One structured log line per request, and X-Request-Id on every response. */
function requestLog(deps: Deps, rateStore: RateStore): MiddlewareHandler<HerdEnv> {
  return async (c, next) => {
    const requestId = requestIdOf(c);
    c.set("deps", deps);
    c.set("requestId", requestId);
    c.set("token", { kind: "none" });
    c.set("rateStore", rateStore);
    const started = performance.now();
    await withDefaultHeaders(c, [["X-Request-Id", requestId]], next);
    const token = c.get("token");
    deps.logger.info("request", {
      requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
      ...(token.kind === "valid" && token.auth.account ? { accountId: token.auth.account.id } : {}),
    });
  };
}

/**
 * Cross-origin access as Mastodon's config/initializers/cors.rb: any origin,
 * no credentials, any request header. The API takes every method and exposes
 * the pagination and rate-limit headers; discovery documents, profiles and the
 * token endpoint are readable too. Herd also opens the other token endpoints
 * browser clients call (revoke, userinfo) and NodeInfo, all without cookies.
 */
function corsByPath(): MiddlewareHandler<HerdEnv> {
  const common = { origin: "*", allowHeaders: [] as string[], maxAge: 7200, credentials: false };
  const exposed = [
    "Link",
    "X-RateLimit-Reset",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-Request-Id",
  ];
  // Preflight requests (OPTIONS) go through Hono's cors(); the others only
  // need the same two headers, set without building a Response first
  // (src/http/fast-headers.ts).
  const api = cors({
    ...common,
    allowMethods: ["POST", "PUT", "DELETE", "GET", "PATCH", "OPTIONS"],
    exposeHeaders: exposed,
  });
  const read = cors({ ...common, allowMethods: ["GET"] });
  const post = cors({ ...common, allowMethods: ["POST"] });
  const userinfo = cors({ ...common, allowMethods: ["GET", "POST"] });
  const apiHeaders = [
    ["Access-Control-Allow-Origin", "*"],
    ["Access-Control-Expose-Headers", exposed.join(",")],
  ] as const;
  const otherHeaders = [["Access-Control-Allow-Origin", "*"]] as const;
  const preflightOr =
    (preflight: MiddlewareHandler<HerdEnv>, headers: readonly (readonly [string, string])[]) =>
    (c: Context<HerdEnv>, next: Next) =>
      c.req.method === "OPTIONS" ? preflight(c, next) : withDefaultHeaders(c, headers, next);
  const forApi = preflightOr(api, apiHeaders);
  const forPost = preflightOr(post, otherHeaders);
  const forUserinfo = preflightOr(userinfo, otherHeaders);
  const forRead = preflightOr(read, otherHeaders);
  return (c, next) => {
    const path = c.req.path;
    if (path.startsWith("/api/")) return forApi(c, next);
    if (path === "/oauth/token" || path === "/oauth/revoke") return forPost(c, next);
    if (path === "/oauth/userinfo") return forUserinfo(c, next);
    if (
      path.startsWith("/.well-known/") ||
      path.startsWith("/nodeinfo/") ||
      /^\/@[^/]+$/.test(path) ||
      /^\/users\/[^/]+$/.test(path) ||
      path === "/health"
    ) {
      return forRead(c, next);
    }
    return next();
  };
}

/**
 * Headers every response gets unless its route chose otherwise: no MIME
 * sniffing, and API answers kept out of shared caches (Mastodon's
 * `private, no-store` default).
 */
const NOSNIFF = [["X-Content-Type-Options", "nosniff"]] as const;
const API_DEFAULTS = [...NOSNIFF, ["Cache-Control", "private, no-store"]] as const;
const defaultHeaders: MiddlewareHandler<HerdEnv> = (c, next) =>
  withDefaultHeaders(c, c.req.path.startsWith("/api/") ? API_DEFAULTS : NOSNIFF, next);

export function createApp(deps: Deps, options: AppOptions = {}) {
  const app = new Hono<HerdEnv>();
  const rateStore = options.rateStore ?? createMemoryRateStore();

  app.use(requestLog(deps, rateStore));
  app.use(corsByPath());
  app.use(defaultHeaders);
  app.use(bodyLimits());

  app.get("/health", (c) => c.text("OK"));
  if (options.federation) app.use(options.federation);

  app.use("/api/*", resolveToken, rateLimit(rateStore, defaultRules()));
  registerMastodonRoutes(app);
  registerOAuthRoutes(app);
  registerWebRoutes(app);
  registerMediaFileRoutes(app);
  registerMediaProxyRoutes(app);

  // Unknown paths, and known paths with another method (Rails answers both 404).
  app.notFound((c) => respondWithError(c, 404, "Record not found"));
  app.onError(handleError);
  return app;
}

export type App = ReturnType<typeof createApp>;
