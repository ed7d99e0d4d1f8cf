// /api/v1/statuses: posting, reading, editing and deleting statuses, and a
// status's context, history and source
// (https://docs.joinmastodon.org/methods/statuses/), as Mastodon's
// Api::V1::StatusesController and Api::V1::Statuses::{Histories,Sources}Controller.
// Scopes and checks in Mastodon's order: token and scope (401/403), then the
// user (422), then the status (404, never 403: a hidden status is a missing one).
import type { Context, Hono } from "hono";
import type { Db } from "../../db/database.ts";
import type { Authenticated } from "../../domain/oauth/authenticate.ts";
import { pollParams } from "../../domain/polls/input.ts";
import { findScheduledStatus } from "../../domain/scheduled-statuses/manage.ts";
import { statusContext } from "../../domain/statuses/context.ts";
import { createStatus } from "../../domain/statuses/create-status.ts";
import { deleteStatus } from "../../domain/statuses/delete-status.ts";
import type { MediaAttributes } from "../../domain/statuses/edit-media.ts";
import { editStatus } from "../../domain/statuses/edit-status.ts";
import { permittedStatusIds, statusHistory, statusSource } from "../../domain/statuses/read.ts";
import { visibleStatusQuery } from "../../domain/statuses/read.ts";
import { requireToken, requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { ApiError, notFoundError } from "../../http/errors.ts";
import { params, type Params } from "../../http/params.ts";
import { renderContext } from "../entities/context.ts";
import { cachedPageJson } from "../entities/page-cache.ts";
import { renderStatusesJson } from "../entities/status-json.ts";
import { pageColumns } from "../entities/status-versions.ts";
import { isId } from "../../lib/ids.ts";
import { jsonText } from "../../http/json-text.ts";
import { renderStatusEdits } from "../entities/status-edit.ts";
import { serializeStatusSource } from "../entities/status-source.ts";
import { renderStatus } from "../entities/status.ts";
import {
  authorizeIfGotToken,
  formatContext,
  idsParam,
  scalar,
  truthy,
  urlsOf,
} from "./accounts-common.ts";
import { fileParam } from "./media.ts";
import { renderScheduledStatuses } from "./scheduled-statuses.ts";
import { cacheIfUnauthenticated } from "../../http/cache-control.ts";

/** Api::BaseController::DEFAULT_STATUSES_LIMIT: the most statuses GET /api/v1/statuses shows. */
const DEFAULT_STATUSES_LIMIT = 20;

const READ = ["read", "read:statuses"];
const WRITE = ["write", "write:statuses"];

const viewerOf = (auth: Authenticated | null) => auth?.account?.id ?? null;

/** A boolean as Rails casts it; absent (or not a scalar) is undefined. */
function bool(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  const s = scalar(value);
  if (s === undefined || s === "") return undefined;
  return !/^(0|f|false|off)$/i.test(s);
}

/** `media_ids[]`: Rails permits only an array of scalars. */
function mediaIds(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.map(scalar).filter((v): v is string => v !== undefined && v !== "");
}

/**
 * `media_attributes[][id,description,focus,thumbnail]` (an array of hashes, or
 * a hash of them by index); a thumbnail is a multipart file.
 */
async function mediaAttributes(value: unknown): Promise<MediaAttributes[]> {
  if (typeof value !== "object" || value === null) return [];
  const list = Array.isArray(value) ? value : Object.values(value);
  const out: MediaAttributes[] = [];
  for (const item of list) {
    if (typeof item !== "object" || item === null || Array.isArray(item)) continue;
    const a = item as Record<string, unknown>;
    const id = scalar(a.id);
    if (id === undefined) continue;
    const text = (k: string) =>
      Object.hasOwn(a, k) ? (a[k] === null ? null : (scalar(a[k]) ?? undefined)) : undefined;
    out.push({
      id,
      description: text("description"),
      focus: text("focus"),
      thumbnail: await fileParam(a.thumbnail),
    });
  }
  return out;
}

async function renderOr404(c: Context<HerdEnv>, id: string, viewerId: string | null) {
  const status = await renderStatus(c.get("deps").database.db, id, viewerId, urlsOf(c));
  if (!status) throw notFoundError();
  return c.json(status);
}

function statusFields(p: Params) {
  return {
    text: scalar(p.status),
    spoilerText: scalar(p.spoiler_text),
    sensitive: bool(p.sensitive),
    language: scalar(p.language),
    mediaIds: mediaIds(p.media_ids),
    poll: pollParams(p.poll),
  };
}

/** GET /api/v1/statuses/:id's statements: the status if the viewer may see it, rendered. */
const VISIBLE_STATUS = {
  viewer: {
    name: "herd_status_shown",
    query: (db: Db) => visibleStatusQuery(db, true, pageColumns()),
  },
  visitor: {
    name: "herd_status_shown_visitor",
    query: (db: Db) => visibleStatusQuery(db, false, pageColumns()),
  },
};

export function registerStatusesRoutes(app: Hono<HerdEnv>): void {
  // https://docs.joinmastodon.org/methods/statuses/#create
  app.post("/api/v1/statuses", async (c) => {
    const auth = requireUser(c, ...WRITE);
    const p = await params(c);
    const deps = c.get("deps");
    const posted = await createStatus(
      deps.database.db,
      { ...formatContext(deps), jobs: deps.jobs },
      auth,
      {
        ...statusFields(p),
        visibility: scalar(p.visibility),
        inReplyToId: scalar(p.in_reply_to_id),
        scheduledAt: scalar(p.scheduled_at),
        applicationId: auth.application?.id ?? null,
        idempotencyKey: c.req.header("idempotency-key") ?? null,
      },
    );
    if (posted.scheduled) {
      // A ScheduledStatus, as Mastodon answers a `scheduled_at` in the future.
      const row = await findScheduledStatus(deps.database.db, auth.account.id, posted.id);
      return c.json((await renderScheduledStatuses(c, [row]))[0]);
    }
    return renderOr404(c, posted.id, auth.account.id);
  });

  // https://docs.joinmastodon.org/methods/statuses/#index
  app.get("/api/v1/statuses", async (c) => {
    const viewerId = viewerOf(authorizeIfGotToken(c, ...READ));
    const ids = [...new Set(idsParam((await params(c)).id))];
    if (ids.length > DEFAULT_STATUSES_LIMIT) {
      // Mastodon raises Mastodon::ValidationError without a message.
      throw new ApiError(422, "Mastodon::ValidationError");
    }
    const db = c.get("deps").database.db;
    const permitted = await permittedStatusIds(db, ids, viewerId);
    return jsonText(c, (await renderStatusesJson(db, permitted, viewerId, urlsOf(c))).json);
  });

  // https://docs.joinmastodon.org/methods/statuses/#get
  app.get("/api/v1/statuses/:id", async (c) => {
    const viewerId = viewerOf(authorizeIfGotToken(c, ...READ));
    const id = c.req.param("id");
    if (!isId(id)) throw notFoundError();
    // requireStatus's rule and the rendering in one round trip, or none
    // when this process has it already.
    const page = await cachedPageJson(
      c.get("deps"),
      viewerId === null ? VISIBLE_STATUS.visitor : VISIBLE_STATUS.viewer,
      { id },
      viewerId,
      urlsOf(c),
    );
    if (page.ids.length === 0) throw notFoundError();
    cacheIfUnauthenticated(c);
    // The array's one element.
    return jsonText(c, page.json.subarray(1, -1));
  });

  // https://docs.joinmastodon.org/methods/statuses/#edit
  app.put("/api/v1/statuses/:id", async (c) => {
    const auth = requireUser(c, ...WRITE);
    const p = await params(c);
    const deps = c.get("deps");
    const id = await editStatus(
      deps.database.db,
      { ...formatContext(deps), jobs: deps.jobs, storage: deps.media },
      auth,
      c.req.param("id"),
      { ...statusFields(p), mediaAttributes: await mediaAttributes(p.media_attributes) },
    );
    return renderOr404(c, id, auth.account.id);
  });

  // https://docs.joinmastodon.org/methods/statuses/#delete
  app.delete("/api/v1/statuses/:id", async (c) => {
    const auth = requireUser(c, ...WRITE);
    const p = await params(c); // a malformed body is a 400, as Rails reading params
    const deps = c.get("deps");
    const db = deps.database.db;
    const deleted = await deleteStatus(db, auth.account.id, c.req.param("id"), {
      deleteMedia: truthy(p.delete_media),
      jobs: deps.jobs,
    });
    // With the source text and the media, for delete-and-redraft.
    const status = await renderStatus(db, deleted.id, auth.account.id, urlsOf(c), {
      source: true,
    });
    if (!status) throw notFoundError();
    return c.json(status);
  });

  // https://docs.joinmastodon.org/methods/statuses/#context
  app.get("/api/v1/statuses/:id/context", async (c) => {
    const viewerId = viewerOf(authorizeIfGotToken(c, ...READ));
    const db = c.get("deps").database.db;
    const context = await statusContext(db, c.req.param("id"), viewerId);
    cacheIfUnauthenticated(c);
    return c.json(await renderContext(db, context, viewerId, urlsOf(c)));
  });

  // https://docs.joinmastodon.org/methods/statuses/#history
  app.get("/api/v1/statuses/:id/history", async (c) => {
    const viewerId = viewerOf(authorizeIfGotToken(c, ...READ));
    const db = c.get("deps").database.db;
    const versions = await statusHistory(db, c.req.param("id"), viewerId);
    cacheIfUnauthenticated(c);
    return c.json(await renderStatusEdits(db, c.req.param("id"), versions, urlsOf(c)));
  });

  // https://docs.joinmastodon.org/methods/statuses/#source: any token with
  // the scope, an app token too (which sees what a visitor sees).
  app.get("/api/v1/statuses/:id/source", async (c) => {
    const viewerId = viewerOf(requireToken(c, ...READ));
    const source = await statusSource(c.get("deps").database.db, c.req.param("id"), viewerId);
    return c.json(serializeStatusSource(source));
  });
}
