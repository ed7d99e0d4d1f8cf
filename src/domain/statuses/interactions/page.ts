// Mastodon's Paginable over one id column (to_a_paginated_by_id): `max_id`
// and `since_id` read newest first; `min_id` reads the page right after it,
// oldest first, then turned newest first.
// https://docs.joinmastodon.org/api/guidelines/#pagination
import { asc, desc, gt, lt, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import type { PageQuery } from "../../../http/pagination.ts";

export interface Page<T> {
  items: T[];
  /** The cursors of the first and last item (newest and oldest), null when empty. */
  cursors: { newest: string; oldest: string } | null;
  /** The page is as long as asked: there may be more after it. */
  full: boolean;
}

/** The WHERE conditions and ORDER BY for a page over `column`. */
export function pageClauses(column: PgColumn, q: PageQuery): { where: SQL[]; order: SQL } {
  const where: SQL[] = [];
  if (q.maxId !== null) where.push(lt(column, q.maxId));
  if (q.minId !== null) {
    where.push(gt(column, q.minId));
    return { where, order: asc(column) };
  }
  if (q.sinceId !== null) where.push(gt(column, q.sinceId));
  return { where, order: desc(column) };
}

/** Puts rows fetched with pageClauses newest first and notes their cursors. */
export function toPage<T>(rows: T[], cursor: (row: T) => string, q: PageQuery): Page<T> {
  const items = q.minId !== null ? [...rows].reverse() : rows;
  const first = items[0];
  const last = items[items.length - 1];
  return {
    items,
    cursors:
      first === undefined || last === undefined
        ? null
        : { newest: cursor(first), oldest: cursor(last) },
    full: rows.length >= q.limit,
  };
}
