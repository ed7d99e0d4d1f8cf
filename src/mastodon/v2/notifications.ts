// /api/v2/notifications (https://docs.joinmastodon.org/methods/grouped_notifications/)
// and the notification policy (https://docs.joinmastodon.org/methods/notifications/#get-policy),
// as Mastodon's Api::V2::NotificationsController, Notifications::AccountsController
// and Notifications::PoliciesController: pages of up to 40 groups (80 at most),
// one group, its senders (40 by default, 80 at most), dismissing a group, and
// the unread group count since the notifications marker (100 by default, 1000 at most).
import type { Context, Hono } from "hono";
import { z } from "zod";
import {
  getNotificationGroup,
  groupAccountIds,
  listGroupedNotifications,
  unreadGroupCount,
} from "../../domain/notifications/grouped.ts";
import { dismissGroup } from "../../domain/notifications/dismiss.ts";
import {
  getNotificationPolicy,
  updateNotificationPolicy,
} from "../../domain/notifications/notification-policy.ts";
import { groupedTypes } from "../../domain/notifications/types.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { ApiError } from "../../http/errors.ts";
import { pageQuery } from "../../http/pagination.ts";
import { input, params } from "../../http/params.ts";
import { loadAccountViews } from "../entities/account-loader.ts";
import { serializeAccount } from "../entities/account.ts";
import { renderGroupedNotifications, type ExpandAccounts } from "../entities/notification-group.ts";
import { serializeNotificationPolicy } from "../entities/notification-policy.ts";
import { urlsOf } from "../v1/accounts-common.ts";
import { browseFilter, listParam, setPageLinks } from "../v1/notifications-common.ts";

const READ = ["read", "read:notifications"];
const WRITE = ["write", "write:notifications"];

/** What the Link header keeps (Api::V2::NotificationsController#pagination_params). */
const KEPT = ["limit", "include_filtered", "types", "exclude_types", "grouped_types", "account_id"];

function expandAccounts(value: unknown): ExpandAccounts {
  if (value === undefined || value === null || value === "full") return "full";
  if (value === "partial_avatars") return "partial_avatars";
  throw new ApiError(
    400,
    `Invalid value for 'expand_accounts': '${typeof value === "string" ? value : JSON.stringify(value)}', allowed values are 'full' and 'partial_avatars'`,
  );
}

/** `grouped_types[]`: absent means every groupable type. */
function groupedTypesParam(value: unknown) {
  return groupedTypes(value === undefined ? undefined : listParam(value));
}

const policyField = z.unknown().optional();
const policySchema = z.object({
  for_not_following: policyField,
  for_not_followers: policyField,
  for_new_accounts: policyField,
  for_private_mentions: policyField,
  for_limited_accounts: policyField,
});

export function registerNotificationsV2Routes(app: Hono<HerdEnv>): void {
  app.get("/api/v2/notifications", async (c) => {
    const { account } = requireUser(c, ...READ);
    const p = await params(c);
    const expand = expandAccounts(p.expand_accounts);
    const db = c.get("deps").database.db;
    const grouped = groupedTypesParam(p.grouped_types);
    const { groups, notifications } = await listGroupedNotifications(
      db,
      account.id,
      browseFilter(p, { accountId: true }),
      grouped,
      pageQuery(p, 40, 80),
    );
    setPageLinks(c, KEPT, {
      next: notifications[notifications.length - 1]?.id ?? null,
      prev: notifications[0]?.id ?? null,
    });
    return c.json(await renderGroupedNotifications(db, groups, account.id, urlsOf(c), expand));
  });

  app.get("/api/v2/notifications/unread_count", async (c) => {
    const { account } = requireUser(c, ...READ);
    const p = await params(c);
    const count = await unreadGroupCount(
      c.get("deps").database.db,
      account.id,
      browseFilter(p, { accountId: true }),
      groupedTypesParam(p.grouped_types),
      pageQuery(p, 100, 1000).limit,
    );
    return c.json({ count });
  });

  app.get("/api/v2/notifications/policy", async (c) => {
    const { account } = requireUser(c, ...READ);
    const policy = await getNotificationPolicy(c.get("deps").database.db, account.id);
    return c.json(serializeNotificationPolicy(policy));
  });

  const updatePolicy = async (c: Context<HerdEnv>) => {
    const { account } = requireUser(c, ...WRITE);
    const body = await input(c, policySchema);
    const policy = await updateNotificationPolicy(c.get("deps").database.db, account.id, {
      forNotFollowing: body.for_not_following,
      forNotFollowers: body.for_not_followers,
      forNewAccounts: body.for_new_accounts,
      forPrivateMentions: body.for_private_mentions,
      forLimitedAccounts: body.for_limited_accounts,
    });
    return c.json(serializeNotificationPolicy(policy));
  };
  app.patch("/api/v2/notifications/policy", updatePolicy);
  app.put("/api/v2/notifications/policy", updatePolicy);

  app.get("/api/v2/notifications/:group_key", async (c) => {
    const { account } = requireUser(c, ...READ);
    const p = await params(c);
    const db = c.get("deps").database.db;
    const group = await getNotificationGroup(
      db,
      account.id,
      c.req.param("group_key"),
      groupedTypesParam(p.grouped_types),
    );
    const result = await renderGroupedNotifications(db, [group], account.id, urlsOf(c));
    if (result.notification_groups.length === 0) {
      return c.json({ error: "Record not found" }, 404);
    }
    return c.json(result);
  });

  app.post("/api/v2/notifications/:group_key/dismiss", async (c) => {
    const { account } = requireUser(c, ...WRITE);
    await params(c); // a malformed body is a 400, as in Rails
    await dismissGroup(c.get("deps").database.db, account.id, c.req.param("group_key"));
    return c.json({});
  });

  app.get("/api/v2/notifications/:group_key/accounts", async (c) => {
    const { account } = requireUser(c, ...READ);
    const p = await params(c);
    const page = pageQuery(p, 40, 80);
    const db = c.get("deps").database.db;
    const { notificationIds, accountIds } = await groupAccountIds(
      db,
      account.id,
      c.req.param("group_key"),
      page,
    );
    setPageLinks(c, ["limit"], {
      next:
        notificationIds.length === page.limit
          ? (notificationIds[notificationIds.length - 1] ?? null)
          : null,
      prev: notificationIds[0] ?? null,
    });
    const urls = urlsOf(c);
    const views = new Map((await loadAccountViews(db, accountIds)).map((a) => [a.id, a]));
    return c.json(
      accountIds.flatMap((id) => {
        const view = views.get(id);
        return view ? [serializeAccount(view, urls)] : [];
      }),
    );
  });
}
