// Mastodon's Paginable#to_a_paginated_by_id over one id column: `max_id` and
// `since_id` read newest first; `min_id` reads the page right after it,
// oldest first, and the page is then turned newest first.
// https://docs.joinmastodon.org/api/guidelines/#pagination
import { asc, desc, gt, lt, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import type { PageQuery } from "../../http/pagination.ts";

/** The WHERE conditions and ORDER BY for a page over `column`. */
export function pageOver(column: PgColumn, q: PageQuery): { where: SQL[]; order: SQL } {
  const where: SQL[] = [];
  if (q.maxId !== null) where.push(lt(column, q.maxId));
  if (q.minId !== null) {
    where.push(gt(column, q.minId));
    return { where, order: asc(column) };
  }
  if (q.sinceId !== null) where.push(gt(column, q.sinceId));
  return { where, order: desc(column) };
}

/** Ids fetched with pageOver, newest first. */
export function newestFirst(ids: string[], q: PageQuery): string[] {
  return q.minId !== null ? [...ids].reverse() : ids;
}
