// createApp(deps): the whole HTTP surface. Mounts the client API, OAuth, the
// server-rendered pages and (later) federation, over shared middleware.
import { Hono } from "hono";
import { cors } from "hono/cors";
import { randomUUID } from "node:crypto";
import type { Deps } from "./deps.ts";
import type { HerdEnv } from "./http/env.ts";
import { errorBody, handleError } from "./http/errors.ts";
import { resolveToken } from "./http/auth.ts";
import {
  createMemoryRateStore,
  defaultRules,
  rateLimit,
  type RateStore,
} from "./http/rate-limit.ts";
import { registerMastodonRoutes } from "./mastodon/routes.ts";
import { registerOAuthRoutes } from "./oauth/routes.ts";
import { registerWebRoutes } from "./web/routes.ts";

export interface AppOptions {
  rateStore?: RateStore;
}

export function createApp(deps: Deps, options: AppOptions = {}) {
  const app = new Hono<HerdEnv>();
  const rateStore = options.rateStore ?? createMemoryRateStore();

  app.use(async (c, next) => {
    const requestId = c.req.header("x-request-id")?.slice(0, 64) || randomUUID();
    c.set("deps", deps);
    c.set("requestId", requestId);
    c.set("token", { kind: "none" });
    const started = performance.now();
    await next();
    c.header("X-Request-Id", requestId);
    deps.logger.info("request", {
      requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  });

  // Mastodon opens the API to every origin, without credentials
  // (config/initializers/cors.rb).
  const apiCors = cors({
    origin: "*",
    allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    allowHeaders: [
      "Authorization",
      "Content-Type",
      "Idempotency-Key",
      "Accept",
      "X-Requested-With",
    ],
    exposeHeaders: [
      "Link",
      "X-RateLimit-Reset",
      "X-RateLimit-Limit",
      "X-RateLimit-Remaining",
      "X-Request-Id",
      "Idempotency-Key",
    ],
    maxAge: 86400,
  });
  for (const path of [
    "/api/*",
    "/oauth/token",
    "/oauth/revoke",
    "/oauth/userinfo",
    "/.well-known/*",
    "/nodeinfo/*",
    "/health",
  ]) {
    app.use(path, apiCors);
  }

  app.get("/health", (c) => c.text("OK"));

  app.use("/api/*", resolveToken, rateLimit(rateStore, defaultRules()));
  registerMastodonRoutes(app);
  registerOAuthRoutes(app);
  registerWebRoutes(app);

  app.notFound((c) => {
    if (c.req.path.startsWith("/api/") || (c.req.header("accept") ?? "").includes("json")) {
      return c.json(errorBody("Record not found"), 404);
    }
    return c.html(
      "<!doctype html><title>Not found</title><h1>The page you are looking for isn't here.</h1>",
      404,
    );
  });
  app.onError(handleError);
  return app;
}

export type App = ReturnType<typeof createApp>;
