// What media use cases need, and the texts of Mastodon's media errors
// (Api::V1::MediaController).
import type { Db } from "../../db/database.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import type { MediaStorage } from "../../storage/storage.ts";
import type { FfmpegConfig } from "./ffmpeg.ts";

export interface MediaContext {
  db: Db;
  storage: MediaStorage;
  jobs: JobQueue;
  ffmpeg: FfmpegConfig;
}

/** Paperclip::Errors::NotIdentifiedByImageMagickError: the file is not what it seemed. */
export const FILE_TYPE_ERROR = "File type of uploaded media could not be verified";
/** Processing failed (and GET/PUT of a failed upload). */
export const PROCESSING_ERROR = "Error processing thumbnail for uploaded media";
/** DELETE of an attachment a status carries. */
export const IN_USE_ERROR = "Media attachment is currently used by a status";

/** The names of the media jobs (src/jobs/workers.ts registers their handlers). */
export const MEDIA_JOBS = {
  /** { mediaId }: transcode an upload with ffmpeg (POST /api/v2/media of video, audio, GIFs). */
  process: "media.process",
  /** { keys }: delete files from storage once the rows naming them are gone. */
  removeFiles: "media.remove-files",
  /** {}: remove uploads never attached to a status (scheduled). */
  cleanup: "media.cleanup",
} as const;

/** When the cleanup runs (cron, UTC): hourly. */
export const MEDIA_CLEANUP_SCHEDULE = "41 * * * *";
