// The media jobs (names in context.ts) and what running each one does.
import type { JobHandler } from "../../jobs/queue.ts";
import { isValidKey } from "../../storage/storage.ts";
import { MEDIA_JOBS, type MediaContext } from "./context.ts";
import { processQueuedMedia } from "./process.ts";
import { removeUnattachedMedia } from "./remove.ts";

function mediaIdOf(data: unknown): string {
  const value = (data as Record<string, unknown> | null)?.mediaId;
  if (typeof value !== "string" || !/^\d{1,19}$/.test(value)) {
    throw new Error("job data: mediaId is not an id");
  }
  return value;
}

function keysOf(data: unknown): string[] {
  const value = (data as Record<string, unknown> | null)?.keys;
  if (!Array.isArray(value)) throw new Error("job data: keys is not a list");
  return value.filter((k): k is string => typeof k === "string" && isValidKey(k));
}

export function mediaJobHandlers(ctx: MediaContext): Record<string, JobHandler> {
  return {
    [MEDIA_JOBS.process]: (data) => processQueuedMedia(ctx, mediaIdOf(data)),
    [MEDIA_JOBS.removeFiles]: (data) => ctx.storage.delete(keysOf(data)),
    [MEDIA_JOBS.cleanup]: async () => {
      await removeUnattachedMedia(ctx);
    },
  };
}
