// What GET /api/v1/bookmarks and GET /api/v1/favourites share, as Mastodon's
// Api::V1::BookmarksController and FavouritesController: the viewer's saved
// statuses, newest first, paginated by the bookmark's (or favourite's) id,
// 20 by default and 40 at most.
// https://docs.joinmastodon.org/methods/bookmarks/, methods/favourites/
import type { Hono } from "hono";
import type { Db } from "../../db/database.ts";
import type { Page } from "../../domain/statuses/interactions/page.ts";
import type { SavedStatus } from "../../domain/statuses/interactions/saved-statuses.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { pageQuery, type PageQuery } from "../../http/pagination.ts";
import { params } from "../../http/params.ts";
import { renderStatuses } from "../entities/status.ts";
import { urlsOf } from "./accounts-common.ts";
import { setPageLinks } from "./statuses-interactions.ts";

/** Api::BaseController::DEFAULT_STATUSES_LIMIT, and twice that at most. */
const STATUSES_LIMIT = 20;

type LoadSaved = (db: Db, accountId: string, q: PageQuery) => Promise<Page<SavedStatus>>;

/** Registers GET `path`: the page `load` finds, for a user with one of `scopes`. */
export function registerSavedStatusesRoute(
  app: Hono<HerdEnv>,
  path: string,
  scopes: readonly string[],
  load: LoadSaved,
): void {
  app.get(path, async (c) => {
    const { account } = requireUser(c, ...scopes);
    const q = pageQuery(await params(c), STATUSES_LIMIT, STATUSES_LIMIT * 2);
    const db = c.get("deps").database.db;
    const page = await load(db, account.id, q);
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
