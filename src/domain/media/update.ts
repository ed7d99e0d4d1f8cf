// PUT /api/v1/media/:id: the description, focal point and custom thumbnail
// of an upload not attached yet (https://docs.joinmastodon.org/methods/media/#update).
import { eq } from "drizzle-orm";
import {
  mediaAttachments,
  type MediaAttachmentRow,
  type MediaMeta,
} from "../../db/schema/index.ts";
import { type Details, validationError } from "../accounts/create-local-account.ts";
import { unprocessable } from "../errors.ts";
import { MEDIA_LIMITS } from "../instance/limits.ts";
import { PROCESSING_ERROR, type MediaContext } from "./context.ts";
import { discardFiles, withStoredFiles } from "./files.ts";
import { findOwnMedia } from "./read.ts";
import { acceptImage, processThumbnail } from "./upload.ts";
import { checkDescription, checkUpload, parseFocus } from "./validation.ts";

export interface MediaChanges {
  /** Absent: unchanged; null or "": cleared. */
  description?: string | null;
  focus?: string | null;
  thumbnail?: Uint8Array | null;
}

export async function updateMediaAttachment(
  ctx: MediaContext,
  accountId: string,
  id: string,
  changes: MediaChanges,
): Promise<MediaAttachmentRow> {
  const row = await findOwnMedia(ctx.db, accountId, id, { unattachedOnly: true });
  // Mastodon's check_processing runs before the update.
  if (row.processing === "failed") throw unprocessable(PROCESSING_ERROR);

  const details: Details = {};
  checkDescription(details, changes.description);
  const thumbnailType = checkUpload(details, "thumbnail", changes.thumbnail, {
    required: false,
    accept: acceptImage,
    limit: () => MEDIA_LIMITS.imageSizeLimit,
  });
  if (Object.keys(details).length > 0) throw validationError(details);

  const values: Partial<typeof mediaAttachments.$inferInsert> = { updatedAt: new Date() };
  if (changes.description !== undefined) values.description = changes.description;
  const focus = parseFocus(changes.focus);
  if (focus) values.meta = { ...row.meta, focus } satisfies MediaMeta;
  const thumbnail =
    thumbnailType && changes.thumbnail
      ? await processThumbnail(row.id, changes.thumbnail, thumbnailType)
      : null;
  if (thumbnail) {
    values.thumbnailKey = thumbnail.file.key;
    values.blurhash = thumbnail.blurhash;
  }

  return withStoredFiles(ctx.storage, thumbnail ? [thumbnail.file] : [], () =>
    ctx.db.transaction(async (tx) => {
      const [updated] = await tx
        .update(mediaAttachments)
        .set(values)
        .where(eq(mediaAttachments.id, row.id))
        .returning();
      if (!updated) throw new Error("media attachment vanished");
      if (thumbnail) await discardFiles(ctx, tx, [row.thumbnailKey]);
      return updated;
    }),
  );
}
