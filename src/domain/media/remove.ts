// Removing media attachments: DELETE /api/v1/media/:id (only while no status
// carries it, as Mastodon 4.4), and the scheduled cleanup of uploads never
// attached (Mastodon's Scheduler::MediaCleanupScheduler: older than a day).
// Rows go in a transaction that also queues the deletion of their files.
import { and, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import { mediaAttachments, type MediaAttachmentRow } from "../../db/schema/index.ts";
import { unprocessable } from "../errors.ts";
import { IN_USE_ERROR, type MediaContext } from "./context.ts";
import { discardFiles } from "./files.ts";
import { findOwnMedia } from "./read.ts";

/**
 * Not waiting with a scheduled status (a column the Drizzle schema does not
 * name yet): the cleanup spares those (MediaAttachment.unattached), though
 * their owner may still delete them, as Mastodon's MediaController allows.
 */
const WAITING_NOT = sql`media_attachments.scheduled_status_id IS NULL`;

/** Uploads left unattached this long are removed. */
export const UNATTACHED_MAX_AGE_MS = 24 * 60 * 60 * 1000;
const CLEANUP_BATCH = 500;

const keysOf = (rows: Pick<MediaAttachmentRow, "fileKey" | "previewKey" | "thumbnailKey">[]) =>
  rows.flatMap((r) => [r.fileKey, r.previewKey, r.thumbnailKey]);

export async function deleteMediaAttachment(
  ctx: MediaContext,
  accountId: string,
  id: string,
): Promise<void> {
  const row = await findOwnMedia(ctx.db, accountId, id, { unattachedOnly: false });
  if (row.statusId !== null) throw unprocessable(IN_USE_ERROR);
  await ctx.db.transaction(async (tx) => {
    const gone = await tx
      .delete(mediaAttachments)
      .where(and(eq(mediaAttachments.id, row.id), isNull(mediaAttachments.statusId)))
      .returning();
    if (gone.length === 0) throw unprocessable(IN_USE_ERROR); // attached meanwhile
    await discardFiles(ctx, tx, keysOf(gone));
  });
}

/** The `media.cleanup` job: removes unattached uploads older than a day, in batches. */
export async function removeUnattachedMedia(ctx: MediaContext, now = new Date()): Promise<number> {
  const before = new Date(now.getTime() - UNATTACHED_MAX_AGE_MS);
  let removed = 0;
  for (;;) {
    const batch = await ctx.db.transaction(async (tx) => {
      const ids = tx
        .select({ id: mediaAttachments.id })
        .from(mediaAttachments)
        .where(
          and(
            isNull(mediaAttachments.statusId),
            // Waiting with a scheduled status is attached (MediaAttachment.unattached).
            WAITING_NOT,
            isNull(mediaAttachments.remoteUrl),
            lt(mediaAttachments.createdAt, before),
          ),
        )
        .limit(CLEANUP_BATCH);
      const gone = await tx
        .delete(mediaAttachments)
        .where(
          and(inArray(mediaAttachments.id, ids), isNull(mediaAttachments.statusId), WAITING_NOT),
        )
        .returning();
      await discardFiles(ctx, tx, keysOf(gone));
      return gone.length;
    });
    removed += batch;
    if (batch < CLEANUP_BATCH) return removed;
  }
}
