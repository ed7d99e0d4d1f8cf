// Notification (https://docs.joinmastodon.org/entities/Notification/), as
// Mastodon's REST::NotificationSerializer: `group_key` is the stored key or
// `ungrouped-<id>`, `filtered` appears only when true, `status` only for the
// types about a status, `report` only for `admin.report`. Herd has no
// severed relationships or moderation warnings yet, so `event` and
// `moderation_warning` never appear. A page loads its senders, statuses and
// reports in a fixed number of queries; a notification whose sender, status
// or report cannot be rendered is left out.
import type { Db } from "../../db/database.ts";
import type { NotificationType } from "../../db/schema/index.ts";
import type { NotificationView } from "../../domain/notifications/browse.ts";
import { ungroupedKey } from "../../domain/notifications/group-key.ts";
import { STATUS_TYPES } from "../../domain/notifications/types.ts";
import { loadReports } from "../../domain/reports/read.ts";
import type { Urls } from "../../urls.ts";
import { loadAccountViews } from "./account-loader.ts";
import { serializeAccount, type Account } from "./account.ts";
import { renderReports, type Report } from "./report.ts";
import { renderStatuses, type Status } from "./status.ts";

export interface Notification {
  id: string;
  type: NotificationType;
  created_at: string;
  group_key: string;
  filtered?: true;
  account: Account;
  status?: Status | null;
  report?: Report;
}

/** The notifications of `views` that can be shown, in their order. */
export async function renderNotifications(
  db: Db,
  views: readonly NotificationView[],
  viewerAccountId: string,
  urls: Urls,
): Promise<Notification[]> {
  if (views.length === 0) return [];
  const statusIds = [
    ...new Set(views.map((v) => v.targetStatusId).filter((id): id is string => id !== null)),
  ];
  const reportIds = views.map((v) => v.reportId).filter((id): id is string => id !== null);
  const [accounts, statuses, reports] = await Promise.all([
    loadAccountViews(db, [...new Set(views.map((v) => v.fromAccountId))]),
    renderStatuses(db, statusIds, viewerAccountId, urls),
    loadReports(db, reportIds).then((rows) => renderReports(db, rows, urls)),
  ]);
  const accountById = new Map(accounts.map((a) => [a.id, serializeAccount(a, urls)]));
  const statusById = new Map(statuses.map((s) => [s.id, s]));
  const out: Notification[] = [];
  for (const v of views) {
    const account = accountById.get(v.fromAccountId);
    if (!account) continue;
    const entity: Notification = {
      id: v.id,
      type: v.type,
      created_at: v.createdAt.toISOString(),
      group_key: v.groupKey ?? ungroupedKey(v.id),
      account,
    };
    if (v.filtered) entity.filtered = true;
    if (STATUS_TYPES.has(v.type)) {
      const status = v.targetStatusId === null ? null : statusById.get(v.targetStatusId);
      // The status exists but cannot be rendered: leave the notification out.
      if (status === undefined) continue;
      entity.status = status;
    }
    if (v.type === "admin.report") {
      const report = v.reportId === null ? undefined : reports.get(v.reportId);
      if (!report) continue;
      entity.report = report;
    }
    out.push(entity);
  }
  return out;
}
