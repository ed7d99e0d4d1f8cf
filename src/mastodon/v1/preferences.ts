// GET /api/v1/preferences (https://docs.joinmastodon.org/methods/preferences/),
// as Mastodon's Api::V1::PreferencesController.
import type { Hono } from "hono";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { serializePreferences } from "../entities/preferences.ts";

export function registerPreferencesRoutes(app: Hono<HerdEnv>): void {
  app.get("/api/v1/preferences", (c) => {
    const { user, account } = requireUser(c, "read", "read:accounts");
    return c.json(serializePreferences(user, account));
  });
}
