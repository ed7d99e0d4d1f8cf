// Reading one's notifications, as Mastodon's Notification.browserable with
// `without_suspended` (app/models/notification.rb) and the v1 controller:
// - by type (`types[]`, `exclude_types[]`), from one account (`account_id`,
//   which also shows filtered ones), with or without the filtered ones
//   (`include_filtered`);
// - never from a suspended account, nor from an account (or domain) the
//   recipient blocks (Mastodon deletes those when blocking);
// - never about a status the recipient may not see (now): those are skipped
//   in the query itself, so that pages keep their size.
// https://docs.joinmastodon.org/methods/notifications/
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import type { NotificationType } from "../../db/schema/index.ts";
import { isId } from "../../lib/ids.ts";
import { notFound } from "../errors.ts";
import { statusVisibleTo } from "../statuses/visibility.ts";
import { requestedTypes } from "./types.ts";

export interface BrowseFilter {
  types?: readonly string[];
  excludeTypes?: readonly string[];
  fromAccountId?: string | null;
  includeFiltered?: boolean;
}

export interface Page {
  maxId: string | null;
  sinceId: string | null;
  minId: string | null;
  limit: number;
}

/** A notification as listings need it. */
export interface NotificationView {
  id: string;
  type: NotificationType;
  createdAt: Date;
  groupKey: string | null;
  filtered: boolean;
  fromAccountId: string;
  /** The status the notification is about (the original of a boost), if any. */
  targetStatusId: string | null;
  /** The report an `admin.report` is about. */
  reportId: string | null;
}

type RawView = {
  id: string;
  type: NotificationType;
  created_at: Date;
  group_key: string | null;
  filtered: boolean;
  from_account_id: string;
  target_status_id: string | null;
  report_id: string | null;
};

export const toView = (r: RawView): NotificationView => ({
  id: r.id,
  type: r.type,
  createdAt: new Date(r.created_at),
  groupKey: r.group_key,
  filtered: r.filtered,
  fromAccountId: r.from_account_id,
  targetStatusId: r.target_status_id,
  reportId: r.report_id,
});

/** `notifications n` with its stored status `s0`: the FROM of every listing. */
export const FROM = sql.raw(`notifications n LEFT JOIN statuses s0 ON s0.id = n.status_id`);

/** The columns of a NotificationView over FROM. */
export const VIEW_COLUMNS = sql.raw(
  `n.id, n.type, n.created_at, n.group_key, n.filtered, n.from_account_id, n.report_id,
   CASE WHEN n.status_id IS NULL THEN NULL ELSE coalesce(s0.reblog_of_id, s0.id) END AS target_status_id`,
);

/** The recipient may see the notification's sender and status (over FROM). */
export function shownTo(recipientId: string): SQL {
  const me = sql`${recipientId}::bigint`;
  return sql`EXISTS (SELECT 1 FROM accounts fa WHERE fa.id = n.from_account_id AND fa.suspended_at IS NULL
      AND NOT (fa.domain IS NOT NULL AND EXISTS (SELECT 1 FROM account_domain_blocks d
        WHERE d.account_id = ${me} AND d.domain = fa.domain)))
    AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = ${me} AND b.target_account_id = n.from_account_id)
    AND (n.status_id IS NULL OR (s0.deleted_at IS NULL AND EXISTS (
      SELECT 1 FROM statuses WHERE statuses.id = coalesce(s0.reblog_of_id, s0.id)
        AND ${statusVisibleTo(recipientId)})))`;
}

/** The WHERE of a listing (over FROM). */
export function browseWhere(recipientId: string, filter: BrowseFilter): SQL {
  const parts: SQL[] = [sql`n.account_id = ${recipientId}::bigint`];
  const from = filter.fromAccountId ?? null;
  if (from !== null) {
    parts.push(isId(from) ? sql`n.from_account_id = ${from}::bigint` : sql`FALSE`);
  }
  if (!filter.includeFiltered && from === null) parts.push(sql`NOT n.filtered`);
  const types = requestedTypes(filter.types ?? [], filter.excludeTypes ?? []);
  if (types !== null) {
    parts.push(
      types.length === 0
        ? sql`FALSE`
        : sql`n.type IN (${sql.join(
            types.map((t) => sql`${t}`),
            sql`, `,
          )})`,
    );
  }
  parts.push(shownTo(recipientId));
  return sql.join(parts, sql` AND `);
}

/** A page of notifications, newest first, as Paginable#to_a_paginated_by_id. */
export async function listNotifications(
  db: Db,
  recipientId: string,
  filter: BrowseFilter,
  page: Page,
): Promise<NotificationView[]> {
  const where = [browseWhere(recipientId, filter)];
  if (page.maxId) where.push(sql`n.id < ${page.maxId}::bigint`);
  const ascending = page.minId !== null;
  if (page.minId) where.push(sql`n.id > ${page.minId}::bigint`);
  else if (page.sinceId) where.push(sql`n.id > ${page.sinceId}::bigint`);
  const result = await db.execute<RawView>(sql`
    SELECT ${VIEW_COLUMNS} FROM ${FROM}
    WHERE ${sql.join(where, sql` AND `)}
    ORDER BY n.id ${ascending ? sql`ASC` : sql`DESC`} LIMIT ${page.limit}`);
  const rows = result.rows.map(toView);
  return ascending ? rows.reverse() : rows;
}

/** One of the recipient's notifications (filtered ones too), or a 404. */
export async function getNotification(
  db: Db,
  recipientId: string,
  id: string,
): Promise<NotificationView> {
  if (!isId(id)) throw notFound();
  const result = await db.execute<RawView>(sql`
    SELECT ${VIEW_COLUMNS} FROM ${FROM}
    WHERE n.id = ${id}::bigint AND n.account_id = ${recipientId}::bigint AND ${shownTo(recipientId)}`);
  const row = result.rows[0];
  if (!row) throw notFound();
  return toView(row);
}

/** The id of the last notification the user has read (the notifications marker). */
export async function lastReadId(db: Db, recipientId: string): Promise<string | null> {
  const result = await db.execute<{ last_read_id: string }>(sql`
    SELECT last_read_id FROM markers
    WHERE account_id = ${recipientId}::bigint AND timeline = 'notifications'`);
  return result.rows[0]?.last_read_id ?? null;
}

/** The WHERE of a listing's notifications newer than the notifications marker (over FROM). */
export async function unreadWhere(db: Db, recipientId: string, filter: BrowseFilter): Promise<SQL> {
  const marker = await lastReadId(db, recipientId);
  const where = [browseWhere(recipientId, filter)];
  if (marker) where.push(sql`n.id > ${marker}::bigint`);
  return sql.join(where, sql` AND `);
}

/**
 * How many notifications are newer than the notifications marker, at most
 * `limit` (Api::V1::NotificationsController#unread_count).
 */
export async function unreadCount(
  db: Db,
  recipientId: string,
  filter: BrowseFilter,
  limit: number,
): Promise<number> {
  const where = await unreadWhere(db, recipientId, filter);
  const result = await db.execute<{ count: number }>(sql`
    SELECT count(*)::int AS count FROM (
      SELECT 1 FROM ${FROM} WHERE ${where} ORDER BY n.id ASC LIMIT ${limit}) x`);
  return Number(result.rows[0]?.count ?? 0);
}
