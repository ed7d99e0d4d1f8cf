// /api/v1/scheduled_statuses (https://docs.joinmastodon.org/methods/scheduled_statuses/),
// as Mastodon's Api::V1::ScheduledStatusesController: a user token with
// `read:statuses` to read, `write:statuses` to move or cancel; only one's
// own (others are a 404); listed newest first, 20 by default and 40 at most,
// with Link headers.
import type { Context, Hono } from "hono";
import type { ScheduledStatusRow } from "../../db/schema/index.ts";
import {
  cancelScheduledStatus,
  findScheduledStatus,
  listScheduledStatuses,
  rescheduleStatus,
  scheduledMedia,
} from "../../domain/scheduled-statuses/manage.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { pageQuery } from "../../http/pagination.ts";
import { params } from "../../http/params.ts";
import { serializeScheduledStatus } from "../entities/scheduled-status.ts";
import { scalar, urlsOf } from "./accounts-common.ts";
import { setPageLinks } from "./statuses-interactions.ts";

const READ = ["read", "read:statuses"];
const WRITE = ["write", "write:statuses"];

/** Api::BaseController::DEFAULT_STATUSES_LIMIT, and twice that at most. */
const LIMIT = 20;

/** The ScheduledStatus entities of `rows`, their media loaded in one query. */
export async function renderScheduledStatuses(c: Context<HerdEnv>, rows: ScheduledStatusRow[]) {
  const media = await scheduledMedia(c.get("deps").database.db, rows);
  const urls = urlsOf(c);
  return rows.map((r) => serializeScheduledStatus(r, media.get(r.id) ?? [], urls));
}

export function registerScheduledStatusesRoutes(app: Hono<HerdEnv>): void {
  // https://docs.joinmastodon.org/methods/scheduled_statuses/#get
  app.get("/api/v1/scheduled_statuses", async (c) => {
    const { account } = requireUser(c, ...READ);
    const q = pageQuery(await params(c), LIMIT, LIMIT * 2);
    const page = await listScheduledStatuses(c.get("deps").database.db, account.id, q);
    setPageLinks(c, page);
    return c.json(await renderScheduledStatuses(c, page.items));
  });

  // https://docs.joinmastodon.org/methods/scheduled_statuses/#get-one
  app.get("/api/v1/scheduled_statuses/:id", async (c) => {
    const { account } = requireUser(c, ...READ);
    const row = await findScheduledStatus(c.get("deps").database.db, account.id, c.req.param("id"));
    return c.json((await renderScheduledStatuses(c, [row]))[0]);
  });

  // https://docs.joinmastodon.org/methods/scheduled_statuses/#update
  app.put("/api/v1/scheduled_statuses/:id", async (c) => {
    const { account } = requireUser(c, ...WRITE);
    const p = await params(c);
    const deps = c.get("deps");
    const row = await rescheduleStatus(
      deps.database.db,
      deps.jobs,
      account.id,
      c.req.param("id"),
      scalar(p.scheduled_at),
    );
    return c.json((await renderScheduledStatuses(c, [row]))[0]);
  });

  // https://docs.joinmastodon.org/methods/scheduled_statuses/#cancel
  app.delete("/api/v1/scheduled_statuses/:id", async (c) => {
    const { account } = requireUser(c, ...WRITE);
    await params(c); // a malformed body is a 400, as Rails reading params
    await cancelScheduledStatus(c.get("deps").database.db, account.id, c.req.param("id"));
    return c.json({});
  });
}
