// The viewer's bookmarks and favourites, newest bookmark (or favourite)
// first and paginated by its id, not the status id, as Mastodon's
// Api::V1::BookmarksController and FavouritesController
// (https://docs.joinmastodon.org/methods/bookmarks/, methods/favourites/).
// Statuses are checked with statusVisibleTo when read, in the same query, so
// a status that became hidden (unfollowed private author, a block, deleted)
// drops out of the list without shortening the page.
import { and, eq } from "drizzle-orm";
import type { Db } from "../../../db/database.ts";
import { bookmarks, favourites, statuses } from "../../../db/schema/index.ts";
import type { PageQuery } from "../../../http/pagination.ts";
import { statusVisibleTo } from "../visibility.ts";
import { pageClauses, toPage, type Page } from "./page.ts";

export interface SavedStatus {
  /** The bookmark or favourite id: the pagination cursor. */
  id: string;
  statusId: string;
}

async function savedPage(
  db: Db,
  table: typeof bookmarks | typeof favourites,
  accountId: string,
  q: PageQuery,
): Promise<Page<SavedStatus>> {
  const { where, order } = pageClauses(table.id, q);
  const rows = await db
    .select({ id: table.id, statusId: table.statusId })
    .from(table)
    .innerJoin(statuses, eq(statuses.id, table.statusId))
    .where(and(eq(table.accountId, accountId), statusVisibleTo(accountId), ...where))
    .orderBy(order)
    .limit(q.limit);
  return toPage(rows, (r) => r.id, q);
}

/** A page of `accountId`'s bookmarks whose statuses they may still see. */
export function bookmarkedStatuses(
  db: Db,
  accountId: string,
  q: PageQuery,
): Promise<Page<SavedStatus>> {
  return savedPage(db, bookmarks, accountId, q);
}

/** A page of `accountId`'s favourites whose statuses they may still see. */
export function favouritedStatuses(
  db: Db,
  accountId: string,
  q: PageQuery,
): Promise<Page<SavedStatus>> {
  return savedPage(db, favourites, accountId, q);
}
