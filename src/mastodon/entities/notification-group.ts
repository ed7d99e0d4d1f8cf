// GroupedNotificationsResults and NotificationGroup
// (https://docs.joinmastodon.org/methods/grouped_notifications/#GroupedNotificationsResults),
// as Mastodon's REST::DedupNotificationGroupSerializer, NotificationGroupSerializer
// and GroupedNotificationsPresenter: accounts and statuses once at the root,
// groups referring to them by id. With `expand_accounts=partial_avatars`, only
// each group's most recent sender is a full account; the others are partial
// accounts. `page_*` and `latest_page_notification_at` appear when paginating.
// Ids are strings (Mastodon renders `most_recent_notification_id` as a
// number, which JavaScript clients cannot hold for Herd's 64-bit ids; the
// documentation says String).
import type { Db } from "../../db/database.ts";
import type { NotificationType } from "../../db/schema/index.ts";
import type { NotificationGroupData } from "../../domain/notifications/grouped.ts";
import { STATUS_TYPES } from "../../domain/notifications/types.ts";
import { loadReports } from "../../domain/reports/read.ts";
import type { Urls } from "../../urls.ts";
import { loadAccountViews } from "./account-loader.ts";
import { serializeAccount, type Account } from "./account.ts";
import { renderReports, type Report } from "./report.ts";
import { renderStatuses, type Status } from "./status.ts";

export type ExpandAccounts = "full" | "partial_avatars";

/** PartialAccountWithAvatar (https://docs.joinmastodon.org/entities/Account/#PartialAccountWithAvatar). */
export interface PartialAccount {
  id: string;
  acct: string;
  locked: boolean;
  bot: boolean;
  url: string;
  avatar: string;
  avatar_static: string;
}

export interface NotificationGroup {
  group_key: string;
  notifications_count: number;
  type: NotificationType;
  most_recent_notification_id: string;
  page_min_id?: string;
  page_max_id?: string;
  latest_page_notification_at?: string;
  sample_account_ids: string[];
  status_id?: string | null;
  /** The report of an `admin.report` group. */
  report?: Report;
}

export interface GroupedNotificationsResults {
  accounts: Account[];
  partial_accounts?: PartialAccount[];
  statuses: Status[];
  notification_groups: NotificationGroup[];
}

const partial = (a: Account): PartialAccount => ({
  id: a.id,
  acct: a.acct,
  locked: a.locked,
  bot: a.bot,
  url: a.url,
  avatar: a.avatar,
  avatar_static: a.avatar_static,
});

/** Renders groups with their accounts and statuses, in a fixed number of queries. */
export async function renderGroupedNotifications(
  db: Db,
  groups: readonly NotificationGroupData[],
  viewerAccountId: string,
  urls: Urls,
  expand: ExpandAccounts = "full",
): Promise<GroupedNotificationsResults> {
  const statusIds = [
    ...new Set(
      groups
        .filter((g) => STATUS_TYPES.has(g.notification.type))
        .map((g) => g.notification.targetStatusId)
        .filter((id): id is string => id !== null),
    ),
  ];
  const accountIds = [...new Set(groups.flatMap((g) => g.sampleAccountIds))];
  const reportIds = groups
    .map((g) => (g.notification.type === "admin.report" ? g.notification.reportId : null))
    .filter((id): id is string => id !== null);
  const [views, statuses, reports] = await Promise.all([
    loadAccountViews(db, accountIds),
    renderStatuses(db, statusIds, viewerAccountId, urls),
    loadReports(db, reportIds).then((rows) => renderReports(db, rows, urls)),
  ]);
  const reportOf = (g: NotificationGroupData) =>
    g.notification.reportId === null ? undefined : reports.get(g.notification.reportId);
  const accountById = new Map(views.map((a) => [a.id, serializeAccount(a, urls)]));
  const statusById = new Map(statuses.map((s) => [s.id, s]));

  const shown = groups.filter((g) => {
    const id = g.notification.targetStatusId;
    if (STATUS_TYPES.has(g.notification.type) && id !== null && !statusById.has(id)) return false;
    if (g.notification.type === "admin.report" && !reportOf(g)) return false;
    return g.sampleAccountIds.some((a) => accountById.has(a));
  });

  const notificationGroups = shown.map((g): NotificationGroup => ({
    group_key: g.groupKey,
    notifications_count: g.notificationsCount,
    type: g.notification.type,
    most_recent_notification_id: g.mostRecentNotificationId,
    ...(g.page
      ? {
          page_min_id: g.page.minId,
          page_max_id: g.mostRecentNotificationId,
          latest_page_notification_at: g.page.latestAt.toISOString(),
        }
      : {}),
    sample_account_ids: g.sampleAccountIds.filter((a) => accountById.has(a)),
    ...(STATUS_TYPES.has(g.notification.type) ? { status_id: g.notification.targetStatusId } : {}),
    ...(g.notification.type === "admin.report" ? { report: reportOf(g) } : {}),
  }));

  const ordered = (ids: string[]) =>
    [...new Set(ids)].map((id) => accountById.get(id)).filter((a): a is Account => !!a);
  const usedStatuses = [
    ...new Set(notificationGroups.map((g) => g.status_id).filter((id): id is string => !!id)),
  ]
    .map((id) => statusById.get(id))
    .filter((s): s is Status => !!s);

  if (expand === "partial_avatars") {
    const full = ordered(notificationGroups.map((g) => g.sample_account_ids[0] ?? ""));
    const fullIds = new Set(full.map((a) => a.id));
    const rest = ordered(notificationGroups.flatMap((g) => g.sample_account_ids.slice(1))).filter(
      (a) => !fullIds.has(a.id),
    );
    return {
      accounts: full,
      partial_accounts: rest.map(partial),
      statuses: usedStatuses,
      notification_groups: notificationGroups,
    };
  }
  return {
    accounts: ordered(notificationGroups.flatMap((g) => g.sample_account_ids)),
    statuses: usedStatuses,
    notification_groups: notificationGroups,
  };
}
