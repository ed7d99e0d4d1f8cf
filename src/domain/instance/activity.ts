// Weekly activity for GET /api/v1/instance/activity
// (https://docs.joinmastodon.org/methods/instance/#activity): twelve weeks,
// the newest first, each starting at midnight UTC and seven days long, the
// newest starting today. Mastodon counts these in Redis as they happen; Herd
// derives them from the users table: a registration is a local user created
// that week, a login a user whose latest or previous sign-in fell in it.
import { sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";

export const WEEKS_OF_ACTIVITY = 12;

export interface ActivityWeek {
  /** Midnight UTC of the week's first day. */
  week: Date;
  statuses: number;
  logins: number;
  registrations: number;
}

export async function getWeeklyActivity(db: Db): Promise<ActivityWeek[]> {
  const result = await db.execute<{
    week: Date | string;
    logins: string;
    registrations: string;
  }>(sql`
    WITH weeks AS (
      SELECT n, (date_trunc('day', now() AT TIME ZONE 'UTC') - make_interval(days => 7 * n))
                  AT TIME ZONE 'UTC' AS start
      FROM generate_series(0, ${WEEKS_OF_ACTIVITY - 1}::int) AS n
    )
    SELECT
      w.start AS week,
      (SELECT count(*) FROM users u
        WHERE (u.current_sign_in_at >= w.start AND u.current_sign_in_at < w.start + interval '7 days')
           OR (u.last_sign_in_at >= w.start AND u.last_sign_in_at < w.start + interval '7 days')
      ) AS logins,
      (SELECT count(*) FROM users u
        WHERE u.created_at >= w.start AND u.created_at < w.start + interval '7 days'
      ) AS registrations
    FROM weeks w
    ORDER BY w.n
  `);
  return result.rows.map((row) => ({
    week: row.week instanceof Date ? row.week : new Date(row.week),
    // Statuses arrive with a later issue; until then no local status exists.
    statuses: 0,
    logins: Number(row.logins),
    registrations: Number(row.registrations),
  }));
}
