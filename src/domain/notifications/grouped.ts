// Grouped notifications (https://docs.joinmastodon.org/methods/grouped_notifications/),
// as Mastodon's Notification::Groups#paginate_groups and NotificationGroup:
// a page holds up to `limit` groups; walking the notifications newest first
// (oldest first with `min_id`), each new group is represented by the first of
// its notifications met, and notifications of groups already on the page are
// skipped. A notification without a group key, or whose type is not among
// `grouped_types`, is its own group `ungrouped-<id>`. For each group of the
// page: its most recent notification up to the page's newest, its newest 8
// senders, its size, and the page's oldest notification of it.
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import type { NotificationType } from "../../db/schema/index.ts";
import { isId } from "../../lib/ids.ts";
import { textArray } from "../../lib/pg-arrays.ts";
import { notFound } from "../errors.ts";
import {
  browseWhere,
  FROM,
  shownTo,
  toView,
  unreadWhere,
  VIEW_COLUMNS,
  type BrowseFilter,
  type NotificationView,
  type Page,
} from "./browse.ts";
import { ungroupedKey } from "./group-key.ts";

/** NotificationGroup::SAMPLE_ACCOUNTS_SIZE. */
export const SAMPLE_ACCOUNTS_SIZE = 8;

export interface NotificationGroupData {
  groupKey: string;
  /** The notification that represents the group on this page. */
  notification: NotificationView;
  notificationsCount: number;
  mostRecentNotificationId: string;
  sampleAccountIds: string[];
  /** Only when paginating. */
  page: { minId: string; latestAt: Date } | null;
}

/** The SQL group key of `n`, as paginate_groups' group_key_sql. */
function groupKeySql(grouped: readonly NotificationType[]): SQL {
  if (grouped.length === 0) return sql`('ungrouped-' || n.id)`;
  return sql`coalesce(CASE WHEN n.type IN (${sql.join(
    grouped.map((t) => sql`${t}`),
    sql`, `,
  )}) THEN n.group_key END, 'ungrouped-' || n.id)`;
}

type RawGroupData = {
  group_key: string;
  most_recent_id: string | null;
  sample_ids: string[] | null;
  count: number;
  min_id: string | null;
  latest_at: Date | null;
};

/** Group data for the grouped representatives, in one query. */
async function loadGroupsData(
  db: Db,
  recipientId: string,
  keys: string[],
  range: { min: string; max: string } | null,
): Promise<Map<string, RawGroupData>> {
  if (keys.length === 0) return new Map();
  const member = sql`n.account_id = ${recipientId}::bigint AND n.group_key = g.key AND ${shownTo(recipientId)}`;
  const upTo = range ? sql`AND n.id <= ${range.max}::bigint` : sql``;
  const pageColumns = range
    ? sql`, (SELECT n.id FROM ${FROM} WHERE ${member} AND n.id >= ${range.min}::bigint ORDER BY n.id ASC LIMIT 1) AS min_id,
         (SELECT n.created_at FROM ${FROM} WHERE ${member} ${upTo} ORDER BY n.id DESC LIMIT 1) AS latest_at`
    : sql``;
  const result = await db.execute<RawGroupData>(sql`
    SELECT g.key AS group_key,
      (SELECT n.id FROM ${FROM} WHERE ${member} ${upTo} ORDER BY n.id DESC LIMIT 1) AS most_recent_id,
      ARRAY(SELECT n.from_account_id::text FROM ${FROM} WHERE ${member} ${upTo}
        ORDER BY n.id DESC LIMIT ${SAMPLE_ACCOUNTS_SIZE}) AS sample_ids,
      (SELECT count(*)::int FROM ${FROM} WHERE ${member} ${upTo}) AS count
      ${pageColumns}
    FROM unnest(${textArray(keys)}::text[]) AS g(key)`);
  return new Map(result.rows.map((r) => [r.group_key, r]));
}

/** Turns page representatives into groups (NotificationGroup.from_notifications). */
async function toGroups(
  db: Db,
  recipientId: string,
  notifications: NotificationView[],
  grouped: readonly NotificationType[],
  paginated: boolean,
): Promise<NotificationGroupData[]> {
  if (notifications.length === 0) return [];
  const isGrouped = (n: NotificationView) => n.groupKey !== null && grouped.includes(n.type);
  const keys = [...new Set(notifications.filter(isGrouped).map((n) => n.groupKey as string))];
  const range = paginated
    ? { min: notifications[notifications.length - 1]!.id, max: notifications[0]!.id }
    : null;
  const data = await loadGroupsData(db, recipientId, keys, range);
  return notifications.map((n) => {
    const d = isGrouped(n) ? data.get(n.groupKey as string) : undefined;
    if (!d) {
      return {
        groupKey: ungroupedKey(n.id),
        notification: n,
        notificationsCount: 1,
        mostRecentNotificationId: n.id,
        sampleAccountIds: [n.fromAccountId],
        page: paginated ? { minId: n.id, latestAt: n.createdAt } : null,
      };
    }
    return {
      groupKey: d.group_key,
      notification: n,
      notificationsCount: Number(d.count),
      mostRecentNotificationId: d.most_recent_id ?? n.id,
      sampleAccountIds: (d.sample_ids ?? []).map(String),
      page: paginated
        ? {
            minId: d.min_id ?? n.id,
            latestAt: d.latest_at ? new Date(d.latest_at) : n.createdAt,
          }
        : null,
    };
  });
}

export interface GroupedPage {
  groups: NotificationGroupData[];
  /** The page's representatives, newest first (the Link header's cursors). */
  notifications: NotificationView[];
}

/** The recursive walk of paginate_groups over the listing (newest or oldest first). */
async function representatives(
  db: Db,
  where: SQL,
  key: SQL,
  limit: number,
  order: "asc" | "desc",
): Promise<NotificationView[]> {
  const dir = order === "desc" ? sql`DESC` : sql`ASC`;
  const beyond = order === "desc" ? sql`n.id < wt.id` : sql`n.id > wt.id`;
  const result = await db.execute<Parameters<typeof toView>[0]>(sql`
    WITH RECURSIVE walk(id, groups) AS (
        (SELECT n.id, ARRAY[${key}] FROM ${FROM} WHERE ${where} ORDER BY n.id ${dir} LIMIT 1)
      UNION ALL
        SELECT nx.id, array_append(wt.groups, nx.key)
        FROM (SELECT walk.id, walk.groups FROM walk WHERE cardinality(walk.groups) < ${limit}) wt,
        LATERAL (SELECT n.id, ${key} AS key FROM ${FROM}
          WHERE ${where} AND ${beyond} AND NOT (${key} = ANY(wt.groups))
          ORDER BY n.id ${dir} LIMIT 1) nx
    )
    SELECT ${VIEW_COLUMNS} FROM walk JOIN ${FROM} ON n.id = walk.id
    ORDER BY n.id ${dir} LIMIT ${limit}`);
  const rows = result.rows.map(toView);
  return order === "asc" ? rows.reverse() : rows;
}

/** A page of notification groups, newest first. */
export async function listGroupedNotifications(
  db: Db,
  recipientId: string,
  filter: BrowseFilter,
  grouped: readonly NotificationType[],
  page: Page,
): Promise<GroupedPage> {
  const base = browseWhere(recipientId, filter);
  const key = groupKeySql(grouped);
  let notifications: NotificationView[];
  if (page.minId) {
    const where = [base, sql`n.id > ${page.minId}::bigint`];
    if (page.maxId) where.push(sql`n.id < ${page.maxId}::bigint`);
    notifications = await representatives(db, sql.join(where, sql` AND `), key, page.limit, "asc");
  } else {
    const where = [base];
    if (page.maxId) where.push(sql`n.id < ${page.maxId}::bigint`);
    if (page.sinceId) where.push(sql`n.id > ${page.sinceId}::bigint`);
    notifications = await representatives(db, sql.join(where, sql` AND `), key, page.limit, "desc");
  }
  const groups = await toGroups(db, recipientId, notifications, grouped, true);
  return { groups, notifications };
}

/** The `n` condition of a group key (Notification.by_group_key). */
function byGroupKey(groupKey: string): SQL {
  const m = /^ungrouped-(\d+)$/.exec(groupKey);
  if (m) return isId(m[1]!) ? sql`n.id = ${m[1]}::bigint` : sql`FALSE`;
  return sql`n.group_key = ${groupKey}`;
}

/** One group by its key (GET /api/v2/notifications/:group_key), or a 404. */
export async function getNotificationGroup(
  db: Db,
  recipientId: string,
  groupKey: string,
  grouped: readonly NotificationType[],
): Promise<NotificationGroupData> {
  const result = await db.execute<Parameters<typeof toView>[0]>(sql`
    SELECT ${VIEW_COLUMNS} FROM ${FROM}
    WHERE n.account_id = ${recipientId}::bigint AND ${byGroupKey(groupKey)} AND ${shownTo(recipientId)}
    ORDER BY n.id DESC LIMIT 1`);
  const row = result.rows[0];
  if (!row) throw notFound();
  const [group] = await toGroups(db, recipientId, [toView(row)], grouped, false);
  return group!;
}

/** The senders of a group's notifications, newest first (GET .../:group_key/accounts). */
export async function groupAccountIds(
  db: Db,
  recipientId: string,
  groupKey: string,
  page: Page,
): Promise<{ notificationIds: string[]; accountIds: string[] }> {
  const where = [
    sql`n.account_id = ${recipientId}::bigint`,
    byGroupKey(groupKey),
    shownTo(recipientId),
  ];
  if (page.maxId) where.push(sql`n.id < ${page.maxId}::bigint`);
  if (page.sinceId) where.push(sql`n.id > ${page.sinceId}::bigint`);
  const result = await db.execute<{ id: string; from_account_id: string }>(sql`
    SELECT n.id, n.from_account_id FROM ${FROM}
    WHERE ${sql.join(where, sql` AND `)} ORDER BY n.id DESC LIMIT ${page.limit}`);
  return {
    notificationIds: result.rows.map((r) => r.id),
    accountIds: result.rows.map((r) => r.from_account_id),
  };
}

/** The `n` condition of a group's notifications, for dismissing them. */
export function groupCondition(groupKey: string): SQL {
  return byGroupKey(groupKey);
}

/** How many groups are newer than the notifications marker, at most `limit`. */
export async function unreadGroupCount(
  db: Db,
  recipientId: string,
  filter: BrowseFilter,
  grouped: readonly NotificationType[],
  limit: number,
): Promise<number> {
  const where = await unreadWhere(db, recipientId, filter);
  const result = await db.execute<{ count: number }>(sql`
    SELECT count(*)::int AS count FROM (
      SELECT DISTINCT ${groupKeySql(grouped)} FROM ${FROM} WHERE ${where} LIMIT ${limit}) x`);
  return Number(result.rows[0]?.count ?? 0);
}
