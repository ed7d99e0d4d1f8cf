// Notification (https://docs.joinmastodon.org/entities/Notification/), as
// Mastodon's REST::NotificationSerializer: `group_key` is the stored key or
// `ungrouped-<id>`, `filtered` appears only when true, `status` only for the
// types about a status. Herd has no reports, severed relationships or
// moderation warnings yet, so `report`, `event` and `moderation_warning`
// never appear. A page loads its senders and statuses in a fixed number of
// queries; a notification whose sender or status cannot be rendered is left out.
import type { Db } from "../../db/database.ts";
import type { NotificationType } from "../../db/schema/index.ts";
import type { NotificationView } from "../../domain/notifications/browse.ts";
import { ungroupedKey } from "../../domain/notifications/group-key.ts";
import { STATUS_TYPES } from "../../domain/notifications/types.ts";
import type { Urls } from "../../urls.ts";
import { loadAccountViews } from "./account-loader.ts";
import { serializeAccount, type Account } from "./account.ts";
import { renderStatuses, type Status } from "./status.ts";

export interface Notification {
  id: string;
  type: NotificationType;
  created_at: string;
  group_key: string;
  filtered?: true;
  account: Account;
  status?: Status | null;
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
  const [accounts, statuses] = await Promise.all([
    loadAccountViews(db, [...new Set(views.map((v) => v.fromAccountId))]),
    renderStatuses(db, statusIds, viewerAccountId, urls),
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
    out.push(entity);
  }
  return out;
}
