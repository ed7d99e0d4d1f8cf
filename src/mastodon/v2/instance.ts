// GET /api/v2/instance (https://docs.joinmastodon.org/methods/instance/#v2).
import type { Hono } from "hono";
import { cacheEvenIfAuthenticated } from "../../http/cache-control.ts";
import type { HerdEnv } from "../../http/env.ts";
import { jsonText } from "../../http/json-text.ts";
import { urlsFor } from "../../urls.ts";
import { instanceJson } from "../entities/instance-json.ts";

export function registerInstanceV2Routes(app: Hono<HerdEnv>): void {
  app.get("/api/v2/instance", async (c) => {
    const deps = c.get("deps");
    const json = await instanceJson(deps, "v2", urlsFor(deps.config));
    cacheEvenIfAuthenticated(c);
    return jsonText(c, json);
  });
}
