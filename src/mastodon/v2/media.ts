// POST /api/v2/media (https://docs.joinmastodon.org/methods/media/#v2), as
// Mastodon's Api::V2::MediaController: images are processed at once (200);
// video, audio and animated GIFs are transcoded by a job and answered 202
// with `url: null` until GET /api/v1/media/:id answers 200.
import type { Hono } from "hono";
import { isProcessed } from "../../domain/media/read.ts";
import { createMediaAttachment } from "../../domain/media/upload.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { answerMedia, MEDIA_SCOPES, mediaContext, uploadInput } from "../v1/media.ts";

export function registerMediaV2Routes(app: Hono<HerdEnv>): void {
  app.post("/api/v2/media", async (c) => {
    const { account } = requireUser(c, ...MEDIA_SCOPES);
    const row = await createMediaAttachment(
      mediaContext(c.get("deps")),
      account.id,
      await uploadInput(c),
      { delayProcessing: true },
    );
    return answerMedia(c, row, isProcessed(row) ? 200 : 202);
  });
}
