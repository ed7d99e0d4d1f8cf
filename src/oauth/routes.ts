import type { Hono } from "hono";
import type { HerdEnv } from "../http/env.ts";

export function registerOAuthRoutes(app: Hono<HerdEnv>): void {
  void app;
}
