// NotificationRequest (https://docs.joinmastodon.org/entities/NotificationRequest/),
// as Mastodon's REST::NotificationRequestSerializer: `notifications_count` is
// a string; `last_status` is shown while the recipient may see it. A page
// loads its senders and statuses in a fixed number of queries; a request
// whose sender cannot be rendered is left out.
import type { Db } from "../../db/database.ts";
import type { NotificationRequestRow } from "../../domain/notifications/notification-requests.ts";
import { visibleStatusIds } from "../../domain/statuses/read.ts";
import type { Urls } from "../../urls.ts";
import { loadAccountViews } from "./account-loader.ts";
import { serializeAccount, type Account } from "./account.ts";
import { renderStatuses, type Status } from "./status.ts";

export interface NotificationRequest {
  id: string;
  created_at: string;
  updated_at: string;
  notifications_count: string;
  account: Account;
  last_status?: Status;
}

export async function renderNotificationRequests(
  db: Db,
  rows: readonly NotificationRequestRow[],
  viewerAccountId: string,
  urls: Urls,
): Promise<NotificationRequest[]> {
  if (rows.length === 0) return [];
  const wanted = rows.map((r) => r.lastStatusId).filter((id): id is string => id !== null);
  const visible = await visibleStatusIds(db, wanted, viewerAccountId);
  const [accounts, statuses] = await Promise.all([
    loadAccountViews(db, [...new Set(rows.map((r) => r.fromAccountId))]),
    renderStatuses(db, visible, viewerAccountId, urls),
  ]);
  const accountById = new Map(accounts.map((a) => [a.id, serializeAccount(a, urls)]));
  const statusById = new Map(statuses.map((s) => [s.id, s]));
  const out: NotificationRequest[] = [];
  for (const r of rows) {
    const account = accountById.get(r.fromAccountId);
    if (!account) continue;
    const entity: NotificationRequest = {
      id: r.id,
      created_at: r.createdAt.toISOString(),
      updated_at: r.updatedAt.toISOString(),
      notifications_count: String(r.notificationsCount),
      account,
    };
    const status = r.lastStatusId ? statusById.get(r.lastStatusId) : undefined;
    if (status) entity.last_status = status;
    out.push(entity);
  }
  return out;
}
