// Deleting one's own status, as Mastodon's Api::V1::StatusesController#destroy
// and RemoveStatusService (https://docs.joinmastodon.org/methods/statuses/#delete):
// - only one's own statuses (a boost too); others are a 404;
// - the status is discarded (deleted_at), and so are its boosts;
// - counters follow (Status#decrement_counter_caches): the author's
//   statuses_count (not for direct statuses), the thread's replies_count (for
//   public and unlisted replies), the boosted status's reblogs_count when a
//   boost is deleted, each booster's statuses_count;
// - its pin goes, its featured tags count one less, the feeds forget it and
//   its boosts, and deleting a boost takes back its notification;
// - its media attachments are freed for a redraft (RemoveStatusService with
//   `redraft`, the default), or deleted with their files when the client
//   asks (`delete_media`).
// The caller answers with the status, its source text and its media, for
// delete-and-redraft.
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/database.ts";
import { accounts, statusPins, statuses, type StatusRow } from "../../db/schema/index.ts";
import { isId } from "../../lib/ids.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import { notFound } from "../errors.ts";
import { discardFiles } from "../media/files.ts";
import { onDirectStatusDeleted } from "../conversations/account-conversations.ts";
import { emit } from "../events/emit.ts";
import { statusEvent } from "../events/types.ts";
import { withdrawNotifications } from "../notifications/dismiss.ts";
import { onStatusDeleted } from "../timelines/feeds.ts";
import { deleteStatusMedia, releaseMedia } from "./status-media.ts";
import { untagDeletedStatus } from "./tags.ts";

/** Status#decrement_counter_caches for a status just discarded. */
async function uncount(tx: DbOrTx, status: StatusRow): Promise<void> {
  if (status.visibility === "direct") return;
  await tx
    .update(accounts)
    .set({ statusesCount: sql`greatest(${accounts.statusesCount} - 1, 0)` })
    .where(eq(accounts.id, status.accountId));
  if (status.reblogOfId !== null) {
    await tx
      .update(statuses)
      .set({ reblogsCount: sql`greatest(${statuses.reblogsCount} - 1, 0)` })
      .where(eq(statuses.id, status.reblogOfId));
  }
  if (status.inReplyToId !== null && status.visibility !== "private") {
    await tx
      .update(statuses)
      .set({ repliesCount: sql`greatest(${statuses.repliesCount} - 1, 0)` })
      .where(eq(statuses.id, status.inReplyToId));
  }
}

export interface DeleteOptions {
  /** `delete_media`: delete the attachments too, rather than keep them for a redraft. */
  deleteMedia?: boolean;
  /** Queues the deletion of the files of deleted attachments. */
  jobs?: JobQueue | null;
}

/** Deletes `accountId`'s status `id`; returns the deleted row. */
export async function deleteStatus(
  db: Db,
  accountId: string,
  id: string,
  options: DeleteOptions = {},
): Promise<StatusRow> {
  if (!isId(id)) throw notFound();
  return db.transaction(async (tx) => {
    const now = new Date();
    const [status] = await tx
      .update(statuses)
      .set({ deletedAt: now, updatedAt: now })
      .where(
        and(eq(statuses.id, id), eq(statuses.accountId, accountId), isNull(statuses.deletedAt)),
      )
      .returning();
    if (!status) throw notFound();
    await uncount(tx, status);
    await untagDeletedStatus(tx, status);
    await tx.delete(statusPins).where(eq(statusPins.statusId, status.id));
    await onStatusDeleted(tx, status);
    await onDirectStatusDeleted(tx, status);
    if (options.deleteMedia && options.jobs) {
      await discardFiles({ jobs: options.jobs }, tx, await deleteStatusMedia(tx, status.id));
    } else if (status.local) {
      // A remote status's media stay with it (cached copies go with `herd media remove`).
      await releaseMedia(tx, status.id);
    }

    if (status.reblogOfId !== null) {
      const [boosted] = await tx
        .select({ accountId: statuses.accountId })
        .from(statuses)
        .where(eq(statuses.id, status.reblogOfId));
      if (boosted) {
        await withdrawNotifications(tx, {
          accountId: boosted.accountId,
          fromAccountId: accountId,
          type: "reblog",
          statusId: status.reblogOfId,
        });
      }
    }

    // RemoveStatusService#remove_reblogs.
    const boosts = await tx
      .update(statuses)
      .set({ deletedAt: now, updatedAt: now })
      .where(and(eq(statuses.reblogOfId, status.id), isNull(statuses.deletedAt)))
      .returning();
    const counted = boosts.filter((b) => b.visibility !== "direct");
    if (counted.length > 0) {
      await tx
        .update(accounts)
        .set({ statusesCount: sql`greatest(${accounts.statusesCount} - 1, 0)` })
        .where(
          inArray(
            accounts.id,
            counted.map((b) => b.accountId),
          ),
        );
    }
    for (const boost of boosts) await onStatusDeleted(tx, boost);
    await emit(tx, ...[status, ...boosts].map((s) => statusEvent("status.deleted", s)));
    return status;
  });
}
