// GET /api/v1/favourites (https://docs.joinmastodon.org/methods/favourites/),
// as Mastodon's Api::V1::FavouritesController: the viewer's favourited
// statuses, newest favourite first, paginated by favourite id.
import type { Hono } from "hono";
import { favouritedStatuses } from "../../domain/statuses/interactions/saved-statuses.ts";
import type { HerdEnv } from "../../http/env.ts";
import { registerSavedStatusesRoute } from "./saved-statuses.ts";

export function registerFavouritesRoutes(app: Hono<HerdEnv>): void {
  registerSavedStatusesRoute(
    app,
    "/api/v1/favourites",
    ["read", "read:favourites"],
    favouritedStatuses,
  );
}
