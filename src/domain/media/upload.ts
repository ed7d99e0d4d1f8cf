// POST /api/v1/media and /api/v2/media: a new media attachment, as
// Mastodon's MediaAttachment model and Api::V1/V2::MediaController
// (https://docs.joinmastodon.org/methods/media/#v2). Images are processed at
// once (sharp); video, audio and animated GIFs go through ffmpeg, at once
// for v1, and in a durable job for v2 (which answers 202 with `url: null`
// until GET /api/v1/media/:id says 200).
import {
  mediaAttachments,
  type MediaAttachmentRow,
  type MediaMeta,
} from "../../db/schema/index.ts";
import { newId } from "../../lib/ids.ts";
import { type Details, validationError } from "../accounts/create-local-account.ts";
import { unprocessable } from "../errors.ts";
import { checkAv, StreamError, transcodeAv } from "./av.ts";
import { FILE_TYPE_ERROR, MEDIA_JOBS, type MediaContext } from "./context.ts";
import type { DetectedType } from "./detect-type.ts";
import { FFMPEG_MISSING, ffmpegAvailable, FfmpegError } from "./ffmpeg.ts";
import { transcodedFiles } from "./process.ts";
import { type FileToStore, withStoredFiles } from "./files.ts";
import {
  DimensionsError,
  geometry,
  ImageUnreadable,
  inspectImage,
  processMediaImage,
  renderImage,
  SMALL_PIXELS,
  blurhashOf,
  mediaOutputFormat,
} from "./image.ts";
import { fileKey, newFileName } from "./keys.ts";
import { checkDescription, checkUpload, parseFocus, sizeLimitOf } from "./validation.ts";
import { MEDIA_LIMITS } from "../instance/limits.ts";

export interface UploadInput {
  file: Uint8Array | null;
  thumbnail?: Uint8Array | null;
  description?: string | null;
  focus?: string | null;
}

/** MediaAttachment::IMAGE_MIME_TYPES: what a thumbnail may be. */
export const acceptImage = (type: DetectedType) => type.kind === "image";

/** Turns a processing failure into the 422 Mastodon answers; other errors pass. */
export function uploadError(error: unknown): unknown {
  if (error instanceof DimensionsError || error instanceof StreamError) {
    return unprocessable(error.message);
  }
  if (error instanceof ImageUnreadable || error instanceof FfmpegError) {
    return unprocessable(FILE_TYPE_ERROR);
  }
  return error;
}

export interface ProcessedThumbnail {
  file: FileToStore;
  blurhash: string | null;
}

/** THUMBNAIL_STYLES: a custom preview within 640x360's pixels, with its blurhash. */
export async function processThumbnail(
  mediaId: string,
  data: Uint8Array,
  type: DetectedType,
): Promise<ProcessedThumbnail> {
  try {
    const info = await inspectImage(data, type);
    const image = await renderImage(data, info, {
      format: mediaOutputFormat(type),
      pixels: SMALL_PIXELS,
    });
    return {
      file: {
        key: fileKey("media_attachments/thumbnails", mediaId, "original", newFileName(image.ext)),
        data: image.data,
        contentType: image.contentType,
      },
      blurhash: await blurhashOf(image.data),
    };
  } catch (error) {
    throw uploadError(error);
  }
}

/** Refuses video, audio and animated GIFs when ffmpeg is not installed. */
async function requireFfmpeg(ctx: MediaContext): Promise<void> {
  if (!(await ffmpegAvailable(ctx.ffmpeg))) throw unprocessable(FFMPEG_MISSING);
}

export async function createMediaAttachment(
  ctx: MediaContext,
  accountId: string,
  input: UploadInput,
  options: { delayProcessing: boolean },
): Promise<MediaAttachmentRow> {
  const details: Details = {};
  const type = checkUpload(details, "file", input.file, {
    required: true,
    accept: () => true,
    limit: sizeLimitOf,
  });
  const thumbnailType = checkUpload(details, "thumbnail", input.thumbnail, {
    required: false,
    accept: acceptImage,
    limit: () => MEDIA_LIMITS.imageSizeLimit,
  });
  checkDescription(details, input.description);
  if (Object.keys(details).length > 0 || !type || !input.file) throw validationError(details);
  const data = input.file;

  const id = newId();
  const now = new Date();
  const meta: MediaMeta = {};
  const focus = parseFocus(input.focus);
  if (focus) meta.focus = focus;
  const thumbnail =
    thumbnailType && input.thumbnail
      ? await processThumbnail(id, input.thumbnail, thumbnailType)
      : null;
  const row = {
    id,
    accountId,
    description: input.description ?? null,
    thumbnailKey: thumbnail?.file.key ?? null,
    createdAt: now,
    updatedAt: now,
  };
  const extra = thumbnail ? [thumbnail.file] : [];
  const insert = (values: typeof mediaAttachments.$inferInsert) => async () => {
    const [created] = await ctx.db.insert(mediaAttachments).values(values).returning();
    return created!;
  };

  try {
    let animatedGif = false;
    if (type.kind === "image") {
      const info = await inspectImage(data, type);
      animatedGif = type.mime === "image/gif" && info.pages > 1;
      if (!animatedGif) {
        const image = await processMediaImage(data, type, info);
        const name = newFileName(image.original.ext);
        const files: FileToStore[] = [
          {
            key: fileKey("media_attachments/files", id, "original", name),
            data: image.original.data,
            contentType: image.original.contentType,
          },
          {
            key: fileKey("media_attachments/files", id, "small", name),
            data: image.small.data,
            contentType: image.small.contentType,
          },
          ...extra,
        ];
        meta.original = geometry(image.original.width, image.original.height);
        meta.small = geometry(image.small.width, image.small.height);
        return await withStoredFiles(
          ctx.storage,
          files,
          insert({
            ...row,
            type: "image",
            fileKey: files[0]!.key,
            fileContentType: image.original.contentType,
            fileSize: image.original.data.length,
            previewKey: files[1]!.key,
            meta,
            blurhash: thumbnail?.blurhash ?? image.blurhash,
            processing: "complete",
          }),
        );
      }
    }

    // Video, audio, animated GIFs: ffmpeg.
    await requireFfmpeg(ctx);
    if (options.delayProcessing) {
      const kind = await checkAv(ctx.ffmpeg, data, type);
      // The upload is kept as received until the job transcodes it.
      const files: FileToStore[] = [
        {
          key: fileKey("media_attachments/files", id, "original", newFileName(type.ext)),
          data,
          contentType: type.mime,
        },
        ...extra,
      ];
      return await withStoredFiles(ctx.storage, files, () =>
        ctx.db.transaction(async (tx) => {
          const [created] = await tx
            .insert(mediaAttachments)
            .values({
              ...row,
              type: kind,
              fileKey: files[0]!.key,
              fileContentType: type.mime,
              fileSize: data.length,
              meta,
              blurhash: thumbnail?.blurhash ?? null,
              processing: "queued",
            })
            .returning();
          await ctx.jobs.send(MEDIA_JOBS.process, { mediaId: id }, { tx });
          return created!;
        }),
      );
    }
    const av = await transcodeAv(ctx.ffmpeg, data, type);
    const { files, values } = transcodedFiles(id, av, meta);
    return await withStoredFiles(
      ctx.storage,
      [...files, ...extra],
      insert({
        ...row,
        ...values,
        blurhash: thumbnail?.blurhash ?? av.blurhash,
        processing: "complete",
      }),
    );
  } catch (error) {
    // The thumbnail was stored only with the rows above; nothing to undo here.
    throw uploadError(error);
  }
}
