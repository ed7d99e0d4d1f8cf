// Bookmarking and unbookmarking a status, as Mastodon's
// Api::V1::Statuses::BookmarksController and Bookmark model
// (https://docs.joinmastodon.org/methods/statuses/#bookmark, #unbookmark):
// the status must be visible to the viewer (else 404); a boost stands for the
// boosted status; both are idempotent; unbookmarking works while the viewer
// holds the bookmark even if the status is no longer visible to them.
import { and, eq } from "drizzle-orm";
import type { Db } from "../../../db/database.ts";
import { bookmarks } from "../../../db/schema/index.ts";
import { newId } from "../../../lib/ids.ts";
import { notFound } from "../../errors.ts";
import { findLiveStatus, original, requireVisibleStatus } from "./target.ts";

/** Bookmarks status `id` for `accountId`; returns the id of the status to show. */
export async function bookmarkStatus(db: Db, accountId: string, id: string): Promise<string> {
  return db.transaction(async (tx) => {
    const requested = await requireVisibleStatus(tx, id, accountId);
    const status = await original(tx, requested);
    await tx
      .insert(bookmarks)
      .values({ id: newId(), accountId, statusId: status.id })
      .onConflictDoNothing({ target: [bookmarks.accountId, bookmarks.statusId] });
    return requested.id;
  });
}

/** Removes `accountId`'s bookmark of status `id`; returns the id of the status to show. */
export async function unbookmarkStatus(db: Db, accountId: string, id: string): Promise<string> {
  return db.transaction(async (tx) => {
    const requested = await findLiveStatus(tx, id);
    if (!requested) throw notFound();
    const status = await original(tx, requested);
    const removed = await tx
      .delete(bookmarks)
      .where(and(eq(bookmarks.accountId, accountId), eq(bookmarks.statusId, status.id)))
      .returning({ id: bookmarks.id });
    if (removed.length === 0) await requireVisibleStatus(tx, id, accountId);
    return requested.id;
  });
}
