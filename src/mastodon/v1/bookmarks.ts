// GET /api/v1/bookmarks (https://docs.joinmastodon.org/methods/bookmarks/),
// as Mastodon's Api::V1::BookmarksController: the viewer's bookmarked
// statuses, newest bookmark first, paginated by bookmark id.
import type { Hono } from "hono";
import { bookmarkedStatuses } from "../../domain/statuses/interactions/saved-statuses.ts";
import type { HerdEnv } from "../../http/env.ts";
import { registerSavedStatusesRoute } from "./saved-statuses.ts";

export function registerBookmarksRoutes(app: Hono<HerdEnv>): void {
  registerSavedStatusesRoute(
    app,
    "/api/v1/bookmarks",
    ["read", "read:bookmarks"],
    bookmarkedStatuses,
  );
}
