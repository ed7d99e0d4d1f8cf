// Notification requests and the deprecated v1 policy
// (https://docs.joinmastodon.org/methods/notifications/#get-requests), as
// Mastodon's Api::V1::Notifications::RequestsController and PoliciesController.
// Requests page 40 by default, 80 at most; bulk accept and dismiss take `id[]`
// and ignore ids that are not the user's.
import type { Context, Hono } from "hono";
import {
  acceptRequest,
  acceptRequests,
  dismissRequest,
  dismissRequests,
  getRequest,
  listRequests,
} from "../../domain/notifications/notification-requests.ts";
import {
  getNotificationPolicy,
  updateNotificationPolicy,
} from "../../domain/notifications/notification-policy.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { pageQuery } from "../../http/pagination.ts";
import { z } from "zod";
import { input, params, zBool } from "../../http/params.ts";
import { serializeV1NotificationPolicy } from "../entities/notification-policy.ts";
import { renderNotificationRequests } from "../entities/notification-request.ts";
import { idsParam, urlsOf } from "./accounts-common.ts";
import { setPageLinks } from "./notifications-common.ts";

const READ = ["read", "read:notifications"];
const WRITE = ["write", "write:notifications"];

const v1PolicySchema = z.object({
  filter_not_following: zBool,
  filter_not_followers: zBool,
  filter_new_accounts: zBool,
  filter_private_mentions: zBool,
});

const asValue = (v: boolean | undefined) => (v === undefined ? undefined : v ? "filter" : "accept");

export function registerNotificationRequestsRoutes(app: Hono<HerdEnv>): void {
  app.get("/api/v1/notifications/requests", async (c) => {
    const { account } = requireUser(c, ...READ);
    const p = await params(c);
    const page = pageQuery(p, 40, 80);
    const db = c.get("deps").database.db;
    const rows = await listRequests(db, account.id, page);
    setPageLinks(c, ["limit"], {
      next: rows.length === page.limit ? (rows[rows.length - 1]?.id ?? null) : null,
      prev: rows[0]?.id ?? null,
    });
    return c.json(await renderNotificationRequests(db, rows, account.id, urlsOf(c)));
  });

  // Accepting is done at once, so there is never anything left to merge.
  app.get("/api/v1/notifications/requests/merged", (c) => {
    requireUser(c, ...READ);
    return c.json({ merged: true });
  });

  app.post("/api/v1/notifications/requests/accept", async (c) => {
    const { account } = requireUser(c, ...WRITE);
    await acceptRequests(c.get("deps").database.db, account.id, idsParam((await params(c)).id));
    return c.json({});
  });

  app.post("/api/v1/notifications/requests/dismiss", async (c) => {
    const { account } = requireUser(c, ...WRITE);
    await dismissRequests(c.get("deps").database.db, account.id, idsParam((await params(c)).id));
    return c.json({});
  });

  app.get("/api/v1/notifications/requests/:id", async (c) => {
    const { account } = requireUser(c, ...READ);
    const db = c.get("deps").database.db;
    const row = await getRequest(db, account.id, c.req.param("id"));
    const [entity] = await renderNotificationRequests(db, [row], account.id, urlsOf(c));
    if (!entity) return c.json({ error: "Record not found" }, 404);
    return c.json(entity);
  });

  app.post("/api/v1/notifications/requests/:id/accept", async (c) => {
    const { account } = requireUser(c, ...WRITE);
    await params(c); // a malformed body is a 400, as in Rails
    await acceptRequest(c.get("deps").database.db, account.id, c.req.param("id"));
    return c.json({});
  });

  app.post("/api/v1/notifications/requests/:id/dismiss", async (c) => {
    const { account } = requireUser(c, ...WRITE);
    await params(c);
    await dismissRequest(c.get("deps").database.db, account.id, c.req.param("id"));
    return c.json({});
  });

  // The deprecated v1 policy (https://docs.joinmastodon.org/entities/V1_NotificationPolicy/).
  app.get("/api/v1/notifications/policy", async (c) => {
    const { account } = requireUser(c, ...READ);
    const policy = await getNotificationPolicy(c.get("deps").database.db, account.id);
    return c.json(serializeV1NotificationPolicy(policy));
  });

  const update = async (c: Context<HerdEnv>) => {
    const { account } = requireUser(c, ...WRITE);
    const body = await input(c, v1PolicySchema);
    const policy = await updateNotificationPolicy(c.get("deps").database.db, account.id, {
      forNotFollowing: asValue(body.filter_not_following),
      forNotFollowers: asValue(body.filter_not_followers),
      forNewAccounts: asValue(body.filter_new_accounts),
      forPrivateMentions: asValue(body.filter_private_mentions),
      forLimitedAccounts: undefined,
    });
    return c.json(serializeV1NotificationPolicy(policy));
  };
  app.put("/api/v1/notifications/policy", update);
  app.patch("/api/v1/notifications/policy", update);
}
