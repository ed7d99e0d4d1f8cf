// /api/v1/notifications (https://docs.joinmastodon.org/methods/notifications/),
// as Mastodon's Api::V1::NotificationsController: listing (40 by default, 80
// at most, Link header), one notification, the unread count since the
// notifications marker (100 by default, 1000 at most), dismissing one, clearing all.
import type { Hono } from "hono";
import {
  getNotification,
  listNotifications,
  unreadCount,
} from "../../domain/notifications/browse.ts";
import { clearNotifications, dismissNotification } from "../../domain/notifications/dismiss.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { pageQuery } from "../../http/pagination.ts";
import { params } from "../../http/params.ts";
import { renderNotifications } from "../entities/notification.ts";
import { urlsOf } from "./accounts-common.ts";
import { browseFilter, setPageLinks } from "./notifications-common.ts";
import { registerNotificationRequestsRoutes } from "./notifications-requests.ts";

const READ = ["read", "read:notifications"];
const WRITE = ["write", "write:notifications"];

export function registerNotificationsRoutes(app: Hono<HerdEnv>): void {
  // Before `/api/v1/notifications/:id`, which would take `requests` and `policy` for ids.
  registerNotificationRequestsRoutes(app);

  app.get("/api/v1/notifications", async (c) => {
    const { account } = requireUser(c, ...READ);
    const p = await params(c);
    const db = c.get("deps").database.db;
    const views = await listNotifications(
      db,
      account.id,
      browseFilter(p, { accountId: true }),
      pageQuery(p, 40, 80),
    );
    const first = views[0];
    const last = views[views.length - 1];
    setPageLinks(c, ["limit", "account_id", "types", "exclude_types", "include_filtered"], {
      next: last?.id ?? null,
      prev: first?.id ?? null,
    });
    return c.json(await renderNotifications(db, views, account.id, urlsOf(c)));
  });

  app.get("/api/v1/notifications/unread_count", async (c) => {
    const { account } = requireUser(c, ...READ);
    const p = await params(c);
    const count = await unreadCount(
      c.get("deps").database.db,
      account.id,
      browseFilter(p, { accountId: true }),
      pageQuery(p, 100, 1000).limit,
    );
    return c.json({ count });
  });

  app.post("/api/v1/notifications/clear", async (c) => {
    const { account } = requireUser(c, ...WRITE);
    await params(c); // a malformed body is a 400, as in Rails
    await clearNotifications(c.get("deps").database.db, account.id);
    return c.json({});
  });

  app.get("/api/v1/notifications/:id", async (c) => {
    const { account } = requireUser(c, ...READ);
    const db = c.get("deps").database.db;
    const view = await getNotification(db, account.id, c.req.param("id"));
    const [entity] = await renderNotifications(db, [view], account.id, urlsOf(c));
    if (!entity) return c.json({ error: "Record not found" }, 404);
    return c.json(entity);
  });

  app.post("/api/v1/notifications/:id/dismiss", async (c) => {
    const { account } = requireUser(c, ...WRITE);
    await params(c);
    await dismissNotification(c.get("deps").database.db, account.id, c.req.param("id"));
    return c.json({});
  });
}
