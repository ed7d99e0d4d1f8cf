// The remote media jobs (names in remote-cache-context.ts) and what running
// each one does. Failed downloads are not errors (the media stays remote);
// a storage or database failure is, and the queue retries it.
import type { JobHandler } from "../../jobs/queue.ts";
import { cacheOnReceipt } from "./remote-cache.ts";
import { REMOTE_MEDIA_JOBS, type RemoteCacheContext } from "./remote-cache-context.ts";
import { cacheRemoteProfileImages } from "./remote-cache-profiles.ts";

function idOf(data: unknown, name: "mediaId" | "accountId"): string {
  const value = (data as Record<string, unknown> | null)?.[name];
  if (typeof value !== "string" || !/^\d{1,19}$/.test(value)) {
    throw new Error(`job data: ${name} is not an id`);
  }
  return value;
}

export function remoteMediaJobHandlers(ctx: RemoteCacheContext): Record<string, JobHandler> {
  return {
    [REMOTE_MEDIA_JOBS.attachment]: (data) => cacheOnReceipt(ctx, idOf(data, "mediaId")),
    [REMOTE_MEDIA_JOBS.profile]: (data) => cacheRemoteProfileImages(ctx, idOf(data, "accountId")),
  };
}
