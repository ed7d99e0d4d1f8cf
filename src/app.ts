// createApp(deps): the whole HTTP surface. Mounts the client API, OAuth, the
// server-rendered pages and federation, behind the front (src/http/front.ts:
// request id, log line, default and CORS headers, /health), then shared
// middleware: CORS preflights, body size limits, the bearer token and rate
// limits for the API. Hono's router is wrapped so that each request reaches
// Hono as one handler (src/http/flat-router.ts).
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { SmartRouter } from "hono/router/smart-router";
import { TrieRouter } from "hono/router/trie-router";
import type { Deps } from "./deps.ts";
import { NO_TOKEN, resolveToken } from "./http/auth.ts";
import { bodyLimits } from "./http/body-limit.ts";
import { corsPreflight } from "./http/cors.ts";
import type { HerdEnv } from "./http/env.ts";
import { handleError, respondWithError } from "./http/errors.ts";
import { flatRouter } from "./http/flat-router.ts";
import { frontOf, pathOf, withFront } from "./http/front.ts";
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
  /**
   * ActivityPub (src/federation, made by the composition root): a middleware
   * that answers its URLs and passes the rest on, and the paths (Hono
   * patterns) to mount it on.
   */
  federation?: { middleware: MiddlewareHandler<HerdEnv>; paths: readonly string[] };
}

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
  // Unknown paths, and known paths with another method (Rails answers both 404).
  // The router answers with these for the requests it folds (most), Hono for
  // the rest: both are given the same two handlers.
  const notFound = (c: Context) => respondWithError(c, 404, "Record not found");
  const app = new Hono<HerdEnv>({
    getPath: pathOf,
    router: flatRouter(new SmartRouter({ routers: [new RegExpRouter(), new TrieRouter()] }), {
      onError: handleError,
      onNotFound: notFound,
    }),
  });
  const rateStore = options.rateStore ?? createMemoryRateStore();

  app.use(context(deps, rateStore));
  app.options("*", corsPreflight());
  app.on(["POST", "PUT", "PATCH", "DELETE"], "*", bodyLimits());

  if (options.federation) {
    for (const path of options.federation.paths) app.use(path, options.federation.middleware);
  }

  app.use("/api/*", resolveToken, rateLimit(rateStore, defaultRules()));
  registerMastodonRoutes(app);
  registerOAuthRoutes(app);
  registerWebRoutes(app);
  registerMediaFileRoutes(app);
  registerMediaProxyRoutes(app);

  app.notFound(notFound);
  app.onError(handleError);
  // Every caller (the Node listener, the streaming server's, `app.request` in
  // tests) goes through the front.
  app.fetch = withFront(app.fetch, deps.logger);
  return app;
}

export type App = ReturnType<typeof createApp>;
