// GET /api/v1/custom_emojis (https://docs.joinmastodon.org/methods/custom_emojis/): public.
import type { Hono } from "hono";
import { listListedCustomEmojis } from "../../domain/instance/custom-emojis.ts";
import { cacheEvenIfAuthenticated } from "../../http/cache-control.ts";
import type { HerdEnv } from "../../http/env.ts";
import { urlsFor } from "../../urls.ts";
import { serializeCustomEmoji } from "../entities/custom-emoji.ts";

export function registerCustomEmojiRoutes(app: Hono<HerdEnv>): void {
  app.get("/api/v1/custom_emojis", async (c) => {
    const { config, database } = c.get("deps");
    const emojis = await listListedCustomEmojis(database.db);
    const urls = urlsFor(config);
    cacheEvenIfAuthenticated(c);
    return c.json(emojis.map((e) => serializeCustomEmoji(e, urls)));
  });
}
