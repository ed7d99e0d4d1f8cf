// Transcoding an upload with ffmpeg: inline for POST /api/v1/media, or in the
// `media.process` job for POST /api/v2/media (Mastodon's
// PostProcessMediaWorker). The job is safe to run twice: it works only on a
// row still queued or in progress, and a file that ffmpeg cannot process
// marks the row failed (GET /api/v1/media/:id then answers 422) instead of
// being retried.
import { and, eq, inArray } from "drizzle-orm";
import { mediaAttachments, type MediaMeta } from "../../db/schema/index.ts";
import type { ProcessedAv } from "./av.ts";
import { StreamError, transcodeAv } from "./av.ts";
import type { MediaContext } from "./context.ts";
import { detectType } from "./detect-type.ts";
import { ffmpegAvailable, FfmpegError } from "./ffmpeg.ts";
import { discardFiles, storeFiles, type FileToStore } from "./files.ts";
import { DimensionsError, geometry, ImageUnreadable } from "./image.ts";
import { fileKey, newFileName } from "./keys.ts";

/** The files and columns of a transcoded upload. */
export function transcodedFiles(id: string, av: ProcessedAv, meta: MediaMeta) {
  const name = newFileName(av.original.ext);
  const original: FileToStore = {
    key: fileKey("media_attachments/files", id, "original", name),
    data: av.original.data,
    contentType: av.original.contentType,
  };
  const small: FileToStore | null = av.small
    ? {
        key: fileKey("media_attachments/files", id, "small", name.replace(/\.\w+$/, ".png")),
        data: av.small.data,
        contentType: av.small.contentType,
      }
    : null;
  const newMeta: MediaMeta = { ...meta, original: av.originalMeta };
  if (av.small) newMeta.small = geometry(av.small.width, av.small.height);
  else delete newMeta.small;
  return {
    files: small ? [original, small] : [original],
    values: {
      type: av.type,
      fileKey: original.key,
      fileContentType: av.original.contentType,
      fileSize: av.original.data.length,
      previewKey: small?.key ?? null,
      meta: newMeta,
    },
  };
}

const isProcessingFailure = (error: unknown) =>
  error instanceof FfmpegError ||
  error instanceof StreamError ||
  error instanceof DimensionsError ||
  error instanceof ImageUnreadable;

/** The `media.process` job. */
export async function processQueuedMedia(ctx: MediaContext, mediaId: string): Promise<void> {
  const [row] = await ctx.db
    .update(mediaAttachments)
    .set({ processing: "in_progress", updatedAt: new Date() })
    .where(
      and(
        eq(mediaAttachments.id, mediaId),
        inArray(mediaAttachments.processing, ["queued", "in_progress"]),
      ),
    )
    .returning();
  if (!row) return; // done already, failed, or deleted
  const fail = () =>
    ctx.db
      .update(mediaAttachments)
      .set({ processing: "failed", updatedAt: new Date() })
      .where(eq(mediaAttachments.id, mediaId));

  const upload = row.fileKey ? await ctx.storage.get(row.fileKey) : null;
  const type = upload ? detectType(upload) : null;
  if (!upload || !type || !(await ffmpegAvailable(ctx.ffmpeg))) {
    await fail();
    return;
  }
  let av: ProcessedAv;
  try {
    av = await transcodeAv(ctx.ffmpeg, upload, type);
  } catch (error) {
    if (!isProcessingFailure(error)) throw error; // retried by the queue
    await fail();
    return;
  }
  const { files, values } = transcodedFiles(row.id, av, row.meta);
  await storeFiles(ctx.storage, files);
  await ctx.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(mediaAttachments)
      .set({
        ...values,
        // A custom thumbnail's blurhash wins over the first frame's.
        blurhash: row.thumbnailKey ? row.blurhash : av.blurhash,
        processing: "complete",
        updatedAt: new Date(),
      })
      .where(and(eq(mediaAttachments.id, row.id), eq(mediaAttachments.processing, "in_progress")))
      .returning({ id: mediaAttachments.id });
    // Deleted (or finished by another run) meanwhile: the new files are not needed.
    await discardFiles(ctx, tx, updated ? [row.fileKey, row.previewKey] : files.map((f) => f.key));
  });
}
