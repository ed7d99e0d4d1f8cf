// Copies of remote posts' attachments in Herd's storage (CACHE_REMOTE_MEDIA),
// as Mastodon keeps them: a remote attachment is stored with its remote_url
// and, once its file is downloaded, processed like an upload (images get
// their `small` preview, `meta` sizes and blurhash; video and audio go
// through ffmpeg when it is installed, and are kept as received, their type
// checked, when it is not) and kept under `cache/` in storage.
//
// When: on receipt, by the `media.fetch-remote` job that storing the post
// sends in its transaction (mode "receipt", Mastodon's behaviour), or on
// first view through GET /media_proxy/:id/original|small (every mode but
// "never"), Mastodon's MediaProxyController: the attachment entity of an
// uncached file names that proxy, which downloads it, then redirects to the
// copy. A download that fails (refused address, timeout, too large, a file
// that is not what it says) leaves the attachment uncached: its entity keeps
// naming the proxy, and `remote_url` always names the original. Files of a
// server whose media a domain block rejects are never downloaded
// (domain-block-rules.ts), nor proxied.
import { and, asc, eq, gt, isNotNull, isNull, lt } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import {
  accounts,
  mediaAttachments,
  statuses,
  type MediaAttachmentRow,
  type MediaType,
} from "../../db/schema/index.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import { isId } from "../../lib/ids.ts";
import type { MediaStorage } from "../../storage/storage.ts";
import { rejectsMediaFrom } from "../instance/domain-block-rules.ts";
import { MEDIA_LIMITS } from "../instance/limits.ts";
import { statusVisibleTo } from "../statuses/visibility.ts";
import { StreamError, transcodeAv } from "./av.ts";
import type { DetectedType } from "./detect-type.ts";
import { ffmpegAvailable, FfmpegError } from "./ffmpeg.ts";
import { discardFiles, storeFiles, type FileToStore } from "./files.ts";
import {
  DimensionsError,
  geometry,
  ImageUnreadable,
  inspectImage,
  processMediaImage,
} from "./image.ts";
import { fileKey, newFileName } from "./keys.ts";
import { transcodedFiles } from "./process.ts";
import { cacheKey, REMOTE_MEDIA_JOBS, type RemoteCacheContext } from "./remote-cache-context.ts";
import { downloadRemoteFile, type DownloadedFile } from "./remote-cache-download.ts";
import { sizeLimitOf } from "./validation.ts";

const ACCEPT = "image/*, video/*, audio/*;q=0.9, */*;q=0.5";

/**
 * Called where remote attachments are stored (remote-status-parts.ts), in
 * that transaction: one `media.fetch-remote` job each, which exists exactly
 * when they do. The job itself looks at the mode.
 */
export async function requestRemoteMediaCache(
  tx: DbOrTx,
  jobs: JobQueue | null,
  mediaIds: readonly string[],
): Promise<void> {
  if (!jobs) return;
  for (const mediaId of mediaIds) {
    await jobs.send(REMOTE_MEDIA_JOBS.attachment, { mediaId }, { tx });
  }
}

/** Whether the file's content may be the declared kind of attachment (containers hold video or audio). */
function fits(declared: MediaType, type: DetectedType): boolean {
  switch (declared) {
    case "image":
      return type.kind === "image";
    case "gifv":
      return type.kind === "video" || type.mime === "image/gif";
    case "video":
    case "audio":
      return type.kind === "video" || type.kind === "audio";
    default:
      // Mastodon does not download what it cannot show ("unknown").
      return false;
  }
}

interface Processed {
  files: FileToStore[];
  values: Partial<typeof mediaAttachments.$inferInsert>;
}

const cached = (files: FileToStore[]) => files.map((f) => ({ ...f, key: cacheKey(f.key) }));

async function processDownload(
  ctx: RemoteCacheContext,
  row: MediaAttachmentRow,
  { data, type }: DownloadedFile,
): Promise<Processed | null> {
  if (!fits(row.type, type) || data.length >= sizeLimitOf(type)) return null;
  try {
    if (type.kind === "image") {
      const info = await inspectImage(data, type);
      if (!(type.mime === "image/gif" && info.pages > 1)) {
        const image = await processMediaImage(data, type, info);
        const name = newFileName(image.original.ext);
        const [original, small] = cached([
          {
            key: fileKey("media_attachments/files", row.id, "original", name),
            data: image.original.data,
            contentType: image.original.contentType,
          },
          {
            key: fileKey("media_attachments/files", row.id, "small", name),
            data: image.small.data,
            contentType: image.small.contentType,
          },
        ]) as [FileToStore, FileToStore];
        return {
          files: [original, small],
          values: {
            type: "image",
            fileKey: original.key,
            fileContentType: original.contentType,
            fileSize: original.data.length,
            previewKey: small.key,
            meta: {
              ...row.meta,
              original: geometry(image.original.width, image.original.height),
              small: geometry(image.small.width, image.small.height),
            },
            blurhash: image.blurhash ?? row.blurhash,
          },
        };
      }
    }
    if (await ffmpegAvailable(ctx.ffmpeg)) {
      // Animated GIFs, video and audio: as uploads are (MP4, MP3, a preview frame).
      const av = await transcodeAv(ctx.ffmpeg, data, type);
      const { files, values } = transcodedFiles(row.id, av, row.meta);
      return {
        files: cached(files),
        values: {
          ...values,
          fileKey: cacheKey(values.fileKey),
          previewKey: values.previewKey === null ? null : cacheKey(values.previewKey),
          blurhash: av.blurhash ?? row.blurhash,
        },
      };
    }
    // No ffmpeg: the file as received (of a checked type), without a preview.
    const key = cacheKey(
      fileKey("media_attachments/files", row.id, "original", newFileName(type.ext)),
    );
    return {
      files: [{ key, data, contentType: type.mime }],
      values: { fileKey: key, fileContentType: type.mime, fileSize: data.length, previewKey: null },
    };
  } catch (error) {
    if (
      error instanceof DimensionsError ||
      error instanceof ImageUnreadable ||
      error instanceof FfmpegError ||
      error instanceof StreamError
    ) {
      return null;
    }
    throw error;
  }
}

/**
 * DomainBlock.reject_media? of the attachment's account (FetchMediaWorker,
 * MediaProxyController): its file is never downloaded.
 */
async function mediaRejected(db: DbOrTx, row: MediaAttachmentRow): Promise<boolean> {
  const [account] = await db
    .select({ domain: accounts.domain })
    .from(accounts)
    .where(eq(accounts.id, row.accountId));
  return rejectsMediaFrom(db, account?.domain ?? null);
}

async function findMedia(db: DbOrTx, id: string): Promise<MediaAttachmentRow | null> {
  const [row] = await db.select().from(mediaAttachments).where(eq(mediaAttachments.id, id));
  return row ?? null;
}

/**
 * Downloads and stores the file of remote attachment `mediaId` unless it is
 * cached already; answers the row with its copy, or null when it could not
 * be cached (not a remote attachment, or the download failed). `redownload`:
 * a view asked for it, and its age (for `herd media remove`) starts again,
 * as MediaProxyController#redownload! does.
 */
export async function cacheRemoteAttachment(
  ctx: RemoteCacheContext,
  mediaId: string,
  options: { redownload?: boolean } = {},
): Promise<MediaAttachmentRow | null> {
  const row = await findMedia(ctx.db, mediaId);
  if (!row || row.remoteUrl === null) return null;
  if (row.fileKey !== null) return row;
  if (await mediaRejected(ctx.db, row)) return null;
  const limit = row.type === "image" ? MEDIA_LIMITS.imageSizeLimit : MEDIA_LIMITS.videoSizeLimit;
  const file = await downloadRemoteFile(row.remoteUrl, limit, ctx.fetch, ACCEPT);
  const processed = file ? await processDownload(ctx, row, file) : null;
  if (!processed) return null;

  const keys = processed.files.map((f) => f.key);
  await storeFiles(ctx.storage, processed.files);
  try {
    return await ctx.db.transaction(async (tx) => {
      const now = new Date();
      const [updated] = await tx
        .update(mediaAttachments)
        .set({
          ...processed.values,
          updatedAt: now,
          ...(options.redownload ? { createdAt: now } : {}),
        })
        .where(
          and(
            eq(mediaAttachments.id, row.id),
            isNull(mediaAttachments.fileKey),
            isNotNull(mediaAttachments.remoteUrl),
          ),
        )
        .returning();
      if (updated) return updated;
      // Cached by another run meanwhile, or gone: these copies are not needed.
      await discardFiles(ctx, tx, keys);
      const current = await findMedia(tx, row.id);
      return current?.fileKey ? current : null;
    });
  } catch (error) {
    await ctx.storage.delete(keys).catch(() => undefined);
    throw error;
  }
}

/** The `media.fetch-remote` job: caches on receipt in mode "receipt" only. */
export async function cacheOnReceipt(ctx: RemoteCacheContext, mediaId: string): Promise<void> {
  if (ctx.mode !== "receipt") return;
  await cacheRemoteAttachment(ctx, mediaId);
}

export type ProxyStyle = "original" | "small";

/** The downloads under way in this process, by attachment id (Mastodon's media_download lock). */
export type PendingDownloads = Map<string, Promise<MediaAttachmentRow | null>>;

/** Where GET /media_proxy/:id/:style sends the viewer. */
export type ProxyAnswer = { key: string } | { remoteUrl: string } | null;

/**
 * MediaProxyController#show: the remote attachment `id` of a status the
 * viewer may see (null: a visitor), downloaded now if it is not cached
 * (mode "never": the remote file itself). `pending` shares one download
 * among concurrent views of the same attachment in this process.
 */
export async function proxiedMedia(
  ctx: RemoteCacheContext,
  id: string,
  viewerId: string | null,
  style: ProxyStyle,
  pending: PendingDownloads,
): Promise<ProxyAnswer> {
  if (!isId(id)) return null;
  const [found] = await ctx.db
    .select({ media: mediaAttachments })
    .from(mediaAttachments)
    .innerJoin(statuses, eq(statuses.id, mediaAttachments.statusId))
    .where(
      and(
        eq(mediaAttachments.id, id),
        isNotNull(mediaAttachments.remoteUrl),
        statusVisibleTo(viewerId),
      ),
    )
    .limit(1);
  if (!found) return null;
  let row: MediaAttachmentRow | null = found.media;
  if (row.fileKey === null) {
    // Refused media are not sent elsewhere either: Mastodon's proxy then
    // names a file it does not have.
    if (await mediaRejected(ctx.db, row)) return null;
    if (ctx.mode === "never") return { remoteUrl: row.remoteUrl! };
    let download = pending.get(id);
    if (!download) {
      download = cacheRemoteAttachment(ctx, id, { redownload: true }).finally(() =>
        pending.delete(id),
      );
      pending.set(id, download);
    }
    row = await download;
  }
  if (!row) return null;
  const key = style === "small" ? (row.thumbnailKey ?? row.previewKey) : row.fileKey;
  return key ? { key } : null;
}

const REMOVE_BATCH = 500;

/**
 * `herd media remove`: forgets the cached copies of remote attachments
 * created before `before` (tootctl's MediaAttachment.cached.remote), keeping
 * the rows: their entities name the media proxy again, which downloads them
 * anew if someone looks. Answers how many, and roughly how many bytes.
 */
export async function removeCachedRemoteMedia(
  ctx: { db: DbOrTx; storage: MediaStorage },
  before: Date,
  options: { dryRun: boolean },
): Promise<{ count: number; bytes: number }> {
  let count = 0;
  let bytes = 0;
  let after = "0";
  for (;;) {
    const rows = await ctx.db
      .select()
      .from(mediaAttachments)
      .where(
        and(
          isNotNull(mediaAttachments.remoteUrl),
          isNotNull(mediaAttachments.fileKey),
          lt(mediaAttachments.createdAt, before),
          gt(mediaAttachments.id, after),
        ),
      )
      .orderBy(asc(mediaAttachments.id))
      .limit(REMOVE_BATCH);
    for (const row of rows) {
      count++;
      bytes += row.fileSize ?? 0;
      if (options.dryRun) continue;
      // The row first: a file that no row names is never served.
      const [cleared] = await ctx.db
        .update(mediaAttachments)
        .set({
          fileKey: null,
          fileContentType: null,
          fileSize: null,
          previewKey: null,
          thumbnailKey: null,
          updatedAt: new Date(),
        })
        .where(and(eq(mediaAttachments.id, row.id), eq(mediaAttachments.fileKey, row.fileKey!)))
        .returning({ id: mediaAttachments.id });
      if (!cleared) continue;
      const keys = [row.fileKey, row.previewKey, row.thumbnailKey].filter(
        (k): k is string => k !== null,
      );
      await ctx.storage.delete(keys);
    }
    if (rows.length < REMOVE_BATCH) return { count, bytes };
    after = rows[rows.length - 1]!.id;
  }
}
