// GET /api/v1/favourites (https://docs.joinmastodon.org/methods/favourites/),
// as Mastodon's Api::V1::FavouritesController: the viewer's favourited
// statuses, newest favourite first, paginated by favourite id.
import type { Hono } from "hono";
import { favouritedStatuses } from "../../domain/statuses/interactions/saved-statuses.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { pageQuery } from "../../http/pagination.ts";
import { params } from "../../http/params.ts";
import { renderStatuses } from "../entities/status.ts";
import { urlsOf } from "./accounts-common.ts";
import { setPageLinks } from "./statuses-interactions.ts";

/** Api::BaseController::DEFAULT_STATUSES_LIMIT, and twice that at most. */
const STATUSES_LIMIT = 20;

export function registerFavouritesRoutes(app: Hono<HerdEnv>): void {
  app.get("/api/v1/favourites", async (c) => {
    const { account } = requireUser(c, "read", "read:favourites");
    const q = pageQuery(await params(c), STATUSES_LIMIT, STATUSES_LIMIT * 2);
    const db = c.var.deps.database.db;
    const page = await favouritedStatuses(db, account.id, q);
    const shown = await renderStatuses(
      db,
      page.items.map((i) => i.statusId),
      account.id,
      urlsOf(c),
    );
    setPageLinks(c, page);
    return c.json(shown);
  });
}
