import type { Hono } from "hono";
import type { HerdEnv } from "../http/env.ts";
import { registerSignInRoutes } from "./sign-in.ts";
import { registerDiscoveryRoutes } from "./discovery.ts";
import { registerStaticRoutes } from "./static.ts";
import { registerConfirmationRoutes } from "./confirmation.ts";

export function registerWebRoutes(app: Hono<HerdEnv>): void {
  registerSignInRoutes(app);
  registerDiscoveryRoutes(app);
  registerStaticRoutes(app);
  registerConfirmationRoutes(app);
}
