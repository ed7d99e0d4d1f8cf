// Counts shown by GET /api/v1/instance (stats), /api/v2/instance (usage) and
// NodeInfo, taken as Mastodon's InstancePresenter does: users are confirmed
// local users whose account is not suspended; statuses the sum of local
// accounts' statuses_count; domains the servers we know of.
import { sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";

export interface InstanceStats {
  userCount: number;
  statusCount: number;
  domainCount: number;
  /** Local users who signed in (or signed up) in the last 30 days. */
  activeMonth: number;
  /** Likewise over the last 180 days. */
  activeHalfyear: number;
}

/**
 * How long the counts are reused. Every client asks for /api/v1/instance when
 * it starts, and counting 10,000 users and accounts took ~5 ms of PostgreSQL
 * each time (bench/social.ts: 195 requests/s); Mastodon's InstancePresenter
 * caches its counts too.
 */
export const STATS_MAX_AGE_MS = 30_000;

const cached = new WeakMap<Db, { at: number; stats: Promise<InstanceStats> }>();

/** The counts, taken at most STATS_MAX_AGE_MS ago (one query shared by concurrent callers). */
export function getInstanceStats(db: Db, now = Date.now()): Promise<InstanceStats> {
  return takeInstanceStats(db, now).stats;
}

/** The counts as getInstanceStats gives them, with when they were taken (Date.now()). */
export function takeInstanceStats(
  db: Db,
  now = Date.now(),
): { at: number; stats: Promise<InstanceStats> } {
  const entry = reusable(db, now);
  if (entry) return entry;
  const fresh = { at: now, stats: countInstanceStats(db) };
  cached.set(db, fresh);
  // A failed count is not kept (unless another has taken its place).
  fresh.stats.catch(() => {
    if (cached.get(db) === fresh) cached.delete(db);
  });
  return fresh;
}

/**
 * When the counts getInstanceStats would give now were taken (Date.now()),
 * or null when it would count again: what shows them can be kept as long as
 * this stays the same.
 */
export function instanceStatsTakenAt(db: Db, now = Date.now()): number | null {
  return reusable(db, now)?.at ?? null;
}

/** The counts of `db` while they may still be reused. */
function reusable(db: Db, now: number) {
  const entry = cached.get(db);
  return entry && now - entry.at < STATS_MAX_AGE_MS ? entry : undefined;
}

/** Drops the reused counts of `db`: the next caller counts again (tests, commands). */
export function forgetInstanceStats(db: Db): void {
  cached.delete(db);
}

/** All the counts in one query. */
async function countInstanceStats(db: Db): Promise<InstanceStats> {
  const result = await db.execute<{
    user_count: string;
    status_count: string;
    domain_count: string;
    active_month: string;
    active_halfyear: string;
  }>(sql`
    WITH usable AS (
      SELECT greatest(u.current_sign_in_at, u.created_at) AS seen_at
      FROM users u JOIN accounts a ON a.id = u.account_id
      WHERE u.confirmed_at IS NOT NULL AND a.suspended_at IS NULL
    )
    SELECT
      (SELECT count(*) FROM usable) AS user_count,
      (SELECT coalesce(sum(statuses_count), 0) FROM accounts WHERE domain IS NULL) AS status_count,
      (SELECT count(*) FROM instances) AS domain_count,
      (SELECT count(*) FROM usable WHERE seen_at >= now() - interval '30 days') AS active_month,
      (SELECT count(*) FROM usable WHERE seen_at >= now() - interval '180 days') AS active_halfyear
  `);
  const row = result.rows[0];
  return {
    userCount: Number(row?.user_count ?? 0),
    statusCount: Number(row?.status_count ?? 0),
    domainCount: Number(row?.domain_count ?? 0),
    activeMonth: Number(row?.active_month ?? 0),
    activeHalfyear: Number(row?.active_halfyear ?? 0),
  };
}
