// Media attachments (https://docs.joinmastodon.org/methods/media/), as
// Mastodon's Api::V1::MediaController: every action needs a user token with
// `write:media`; GET and PUT see one's own uploads not attached to a status
// yet (206 while processing), DELETE refuses attached ones with a 422.
// POST /api/v1/media processes everything before answering.
import type { Context, Hono } from "hono";
import type { MediaAttachmentRow } from "../../db/schema/index.ts";
import type { Deps } from "../../deps.ts";
import type { MediaContext } from "../../domain/media/context.ts";
import { getUnattachedMedia, isProcessed } from "../../domain/media/read.ts";
import { deleteMediaAttachment } from "../../domain/media/remove.ts";
import { updateMediaAttachment, type MediaChanges } from "../../domain/media/update.ts";
import { createMediaAttachment, type UploadInput } from "../../domain/media/upload.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { params, type Params } from "../../http/params.ts";
import { serializeMediaAttachment } from "../entities/media-attachment.ts";
import { scalar, urlsOf } from "./accounts-common.ts";

export const MEDIA_SCOPES = ["write", "write:media"] as const;

export function mediaContext(deps: Deps): MediaContext {
  return {
    db: deps.database.db,
    storage: deps.media,
    jobs: deps.jobs,
    ffmpeg: deps.config.media,
  };
}

/** The bytes of a multipart file parameter; anything else is no file. */
export async function fileParam(value: unknown): Promise<Uint8Array | null> {
  return value instanceof File ? new Uint8Array(await value.arrayBuffer()) : null;
}

/** A text parameter: absent (undefined), cleared (null) or a string. */
function textParam(p: Params, key: string): string | null | undefined {
  if (!Object.hasOwn(p, key)) return undefined;
  const value = p[key];
  return value === null ? null : (scalar(value) ?? undefined);
}

export async function uploadInput(c: Context<HerdEnv>): Promise<UploadInput> {
  const p = await params(c);
  return {
    file: await fileParam(p.file),
    thumbnail: await fileParam(p.thumbnail),
    description: textParam(p, "description"),
    focus: textParam(p, "focus"),
  };
}

/** The attachment, 206 while it is processed (Mastodon's status_code_for_media_attachment). */
export function answerMedia(c: Context<HerdEnv>, row: MediaAttachmentRow, status?: 200 | 202) {
  return c.json(serializeMediaAttachment(row, urlsOf(c)), status ?? (isProcessed(row) ? 200 : 206));
}

export function registerMediaRoutes(app: Hono<HerdEnv>): void {
  app.post("/api/v1/media", async (c) => {
    const { account } = requireUser(c, ...MEDIA_SCOPES);
    const row = await createMediaAttachment(
      mediaContext(c.get("deps")),
      account.id,
      await uploadInput(c),
      { delayProcessing: false },
    );
    return answerMedia(c, row, 200);
  });

  app.get("/api/v1/media/:id", async (c) => {
    const { account } = requireUser(c, ...MEDIA_SCOPES);
    return answerMedia(
      c,
      await getUnattachedMedia(c.get("deps").database.db, account.id, c.req.param("id")),
    );
  });

  app.put("/api/v1/media/:id", async (c) => {
    const { account } = requireUser(c, ...MEDIA_SCOPES);
    const p = await params(c);
    const changes: MediaChanges = {
      description: textParam(p, "description"),
      focus: textParam(p, "focus"),
      thumbnail: await fileParam(p.thumbnail),
    };
    const row = await updateMediaAttachment(
      mediaContext(c.get("deps")),
      account.id,
      c.req.param("id"),
      changes,
    );
    return answerMedia(c, row);
  });

  app.delete("/api/v1/media/:id", async (c) => {
    const { account } = requireUser(c, ...MEDIA_SCOPES);
    await deleteMediaAttachment(mediaContext(c.get("deps")), account.id, c.req.param("id"));
    return c.json({});
  });
}
