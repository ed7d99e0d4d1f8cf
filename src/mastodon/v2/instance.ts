// GET /api/v2/instance (https://docs.joinmastodon.org/methods/instance/#v2).
import type { Hono } from "hono";
import { getInstanceInfo } from "../../domain/instance/instance-info.ts";
import { cacheEvenIfAuthenticated } from "../../http/cache-control.ts";
import type { HerdEnv } from "../../http/env.ts";
import { urlsFor } from "../../urls.ts";
import { serializeInstance } from "../entities/instance.ts";

export function registerInstanceV2Routes(app: Hono<HerdEnv>): void {
  app.get("/api/v2/instance", async (c) => {
    const { config, database } = c.get("deps");
    const info = await getInstanceInfo(database.db, config);
    cacheEvenIfAuthenticated(c);
    return c.json(serializeInstance(info, config, urlsFor(config)));
  });
}
