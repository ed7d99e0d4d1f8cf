// Every client API route module, in one list.
import type { Hono } from "hono";
import type { HerdEnv } from "../http/env.ts";
import { registerAppsRoutes } from "./v1/apps.ts";
import { registerInstanceRoutes } from "./v1/instance.ts";
import { registerInstanceV2Routes } from "./v2/instance.ts";
import { registerCustomEmojiRoutes } from "./v1/custom-emojis.ts";
import { registerPlaceholderRoutes } from "./v1/placeholders.ts";
import { registerAccountsRoutes } from "./v1/accounts.ts";

export function registerMastodonRoutes(app: Hono<HerdEnv>): void {
  registerAppsRoutes(app);
  registerInstanceRoutes(app);
  registerInstanceV2Routes(app);
  registerCustomEmojiRoutes(app);
  registerAccountsRoutes(app);
  // Keep last: answers for features not built yet; real routes above win.
  registerPlaceholderRoutes(app);
}
