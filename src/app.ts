// createApp(deps): the whole HTTP surface. Mounts the client API, OAuth, the
// server-rendered pages and federation, behind the front (src/http/front.ts:
// request id, log line, default and CORS headers, /health), then shared
// middleware: CORS preflights, body size limits, the bearer token and rate
// limits for the API.
import { Hono, type MiddlewareHandler } from "hono";
import type { Deps } from "./deps.ts";
import { resolveToken } from "./http/auth.ts";
import { bodyLimits } from "./http/body-limit.ts";
import { corsPreflight } from "./http/cors.ts";
import type { HerdEnv, TokenState } from "./http/env.ts";
import { handleError, respondWithError } from "./http/errors.ts";
import { frontOf, withFront } from "./http/front.ts";
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

const NO_TOKEN: TokenState = Object.freeze({ kind: "none" });

/** What every route reads from its context: one plain (not async) step. */
function context(deps: Deps, rateStore: RateStore): MiddlewareHandler<HerdEnv> {
  return (c, next) => {
    c.set("deps", deps);
    c.set("requestId", frontOf(c).requestId);
    c.set("token", NO_TOKEN);
    c.set("rateStore", rateStore);
    return next();
  };
}

export function createApp(deps: Deps, options: AppOptions = {}) {
  const app = new Hono<HerdEnv>();
  const rateStore = options.rateStore ?? createMemoryRateStore();

  app.use(context(deps, rateStore));
  app.options("*", corsPreflight());
  app.on(["POST", "PUT", "PATCH", "DELETE"], "*", bodyLimits());

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
  // Every caller (the Node listener, the streaming server's, `app.request` in
  // tests) goes through the front.
  app.fetch = withFront(app.fetch, deps.logger);
  return app;
}

export type App = ReturnType<typeof createApp>;
