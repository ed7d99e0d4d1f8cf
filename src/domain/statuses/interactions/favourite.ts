// Favouriting and unfavouriting a status, as Mastodon's FavouriteService,
// UnfavouriteService and Api::V1::Statuses::FavouritesController
// (https://docs.joinmastodon.org/methods/statuses/#favourite, #unfavourite):
// - the status must be visible to the viewer (else 404), and the viewer must
//   not block its author (StatusPolicy#favourite?, else 403);
// - a boost stands for the boosted status;
// - both are idempotent; favourites_count changes in the same transaction;
// - the author is notified ("favourite"), and the notification is taken back
//   on unfavourite;
// - unfavouriting works while the viewer holds the favourite even if the
//   status is no longer visible to them; without one it needs a visible status.
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../../db/database.ts";
import { favourites, statuses } from "../../../db/schema/index.ts";
import { newId } from "../../../lib/ids.ts";
import { forbidden, notFound } from "../../errors.ts";
import { emit } from "../../events/emit.ts";
import { withdrawNotifications } from "../../notifications/dismiss.ts";
import { notify } from "../../notifications/notify.ts";
import { findLiveStatus, isBlocking, original, requireVisibleStatus } from "./target.ts";

/** Favourites status `id` for `accountId`; returns the id of the status to show. */
export async function favouriteStatus(db: Db, accountId: string, id: string): Promise<string> {
  return db.transaction(async (tx) => {
    const requested = await requireVisibleStatus(tx, id, accountId);
    const status = await original(tx, requested);
    if (await isBlocking(tx, accountId, status.accountId)) throw forbidden();
    const inserted = await tx
      .insert(favourites)
      .values({ id: newId(), accountId, statusId: status.id })
      .onConflictDoNothing({ target: [favourites.accountId, favourites.statusId] })
      .returning({ id: favourites.id });
    if (inserted[0]) {
      await tx
        .update(statuses)
        .set({ favouritesCount: sql`${statuses.favouritesCount} + 1` })
        .where(eq(statuses.id, status.id));
      await notify(tx, {
        accountId: status.accountId,
        fromAccountId: accountId,
        type: "favourite",
        statusId: status.id,
      });
      await emit(tx, {
        type: "favourite.created",
        favouriteId: inserted[0].id,
        accountId,
        statusId: status.id,
        statusLocal: status.local,
      });
    }
    return requested.id;
  });
}

/** Takes back `accountId`'s favourite of status `id`; returns the id of the status to show. */
export async function unfavouriteStatus(db: Db, accountId: string, id: string): Promise<string> {
  return db.transaction(async (tx) => {
    const requested = await findLiveStatus(tx, id);
    if (!requested) throw notFound();
    const status = await original(tx, requested);
    const removed = await tx
      .delete(favourites)
      .where(and(eq(favourites.accountId, accountId), eq(favourites.statusId, status.id)))
      .returning({ id: favourites.id });
    if (!removed[0]) {
      // Nothing to undo: answer only about a status the viewer may see.
      await requireVisibleStatus(tx, id, accountId);
      return requested.id;
    }
    await tx
      .update(statuses)
      .set({ favouritesCount: sql`greatest(${statuses.favouritesCount} - 1, 0)` })
      .where(eq(statuses.id, status.id));
    await withdrawNotifications(tx, {
      accountId: status.accountId,
      fromAccountId: accountId,
      type: "favourite",
      statusId: status.id,
    });
    await emit(tx, {
      type: "favourite.removed",
      favouriteId: removed[0].id,
      accountId,
      statusId: status.id,
      statusLocal: status.local,
    });
    return requested.id;
  });
}
