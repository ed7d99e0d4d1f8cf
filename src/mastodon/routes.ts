// Every client API route module, in one list.
import type { Hono } from "hono";
import type { HerdEnv } from "../http/env.ts";

export function registerMastodonRoutes(app: Hono<HerdEnv>): void {
  void app;
}
