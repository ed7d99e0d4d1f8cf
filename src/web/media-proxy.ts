// GET /media_proxy/:id/original and /media_proxy/:id/small: Mastodon's
// MediaProxyController, which the MediaAttachment entity of a remote file
// not cached yet names (CACHE_REMOTE_MEDIA "view", or a copy removed by
// `herd media remove`, or a download that failed on receipt). It downloads
// the file now, then redirects (302) to the copy; mode "never" redirects to
// the remote file itself. Only attachments of statuses the viewer may see
// (signed in on the web, or not) are answered; anything else, and a file
// that cannot be downloaded, is a 404.
import type { Context, Hono } from "hono";
import { HERD_VERSION } from "../domain/instance/software.ts";
import { proxiedMedia, type PendingDownloads } from "../domain/media/remote-cache.ts";
import {
  DEFAULT_REMOTE_FETCH,
  type RemoteCacheContext,
} from "../domain/media/remote-cache-context.ts";
import type { HerdEnv } from "../http/env.ts";
import { respondWithError } from "../http/errors.ts";
import { urlsFor } from "../urls.ts";
import { currentWebSession } from "./session.ts";

export function registerMediaProxyRoutes(app: Hono<HerdEnv>): void {
  // One download per attachment at a time in this process (Mastodon's lock).
  const pending: PendingDownloads = new Map();

  const show = async (c: Context<HerdEnv>) => {
    const { config, database, media, jobs } = c.get("deps");
    const urls = urlsFor(config);
    const ctx: RemoteCacheContext = {
      db: database.db,
      storage: media,
      jobs,
      ffmpeg: config.media,
      mode: config.media.cacheRemoteMedia,
      fetch: {
        ...DEFAULT_REMOTE_FETCH,
        allowPrivateAddress: config.allowPrivateAddress,
        userAgent: `Herd/${HERD_VERSION} (+${urls.base}/)`,
      },
    };
    const session = await currentWebSession(c);
    const style = new URL(c.req.url).pathname.endsWith("/small") ? "small" : "original";
    const answer = await proxiedMedia(
      ctx,
      c.req.param("id") ?? "",
      session?.account.id ?? null,
      style,
      pending,
    );
    if (!answer) return respondWithError(c, 404, "Record not found");
    return c.redirect("key" in answer ? urls.file(answer.key)! : answer.remoteUrl, 302);
  };

  app.get("/media_proxy/:id", show);
  app.get("/media_proxy/:id/*", show);
}
