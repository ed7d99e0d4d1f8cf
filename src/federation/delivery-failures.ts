// Hosts that keep failing, as Mastodon's DeliveryFailureTracker and
// UnavailableDomain (app/lib/delivery_failure_tracker.rb): every day on which
// a delivery to a host fails is remembered (table `delivery_failures`,
// migration 0070); once failures span FAILURE_DAYS distinct days with no
// success in between, the host is unavailable and deliveries to it are
// skipped (delivery-queue.ts), until it answers again: a delivery that
// succeeds, or an activity it sends (Mastodon's track_inverse_success!),
// forgets its failures.
//
// Fedify's own circuit breaker (on by default) is the short-term half, as
// Mastodon's Stoplight: after a burst of failures it holds a host's
// deliveries for a while instead of hammering it.
import { sql } from "drizzle-orm";
import type { Db } from "../db/database.ts";

/** DeliveryFailureTracker::FAILURE_DAYS_THRESHOLD. */
export const FAILURE_DAYS = 7;

/** The host deliveries to `inbox` go to, as this table names it; null for a bad URL. */
export function deliveryHost(inbox: string | URL): string | null {
  try {
    return new URL(inbox).host.toLowerCase() || null;
  } catch {
    return null;
  }
}

/** Today in UTC, as the day a failure is counted on. */
export const utcDay = (at: Date = new Date()): string => at.toISOString().slice(0, 10);

export interface DeliveryFailures {
  /** A delivery to `host` failed (on `day`, YYYY-MM-DD UTC); true when that made it unavailable. */
  recordFailure(host: string, day?: string): Promise<boolean>;
  /** `host` answered (a delivery succeeded, or it sent an activity): its failures are forgotten. */
  recordSuccess(host: string): Promise<void>;
  /** Whether deliveries to `host` are skipped. */
  isUnavailable(host: string): Promise<boolean>;
}

export function createDeliveryFailures(db: Db): DeliveryFailures {
  return {
    async recordFailure(host, day = utcDay()) {
      const result = await db.execute<{ days: number; unavailable: boolean }>(sql`
        INSERT INTO delivery_failures AS f (host, failure_days)
        VALUES (${host}, ARRAY[${day}::date])
        ON CONFLICT (host) DO UPDATE SET
          failure_days = CASE WHEN ${day}::date = ANY(f.failure_days) THEN f.failure_days
                              ELSE f.failure_days || ${day}::date END,
          updated_at = now()
        RETURNING cardinality(failure_days) AS days, unavailable_since IS NOT NULL AS unavailable`);
      const row = result.rows[0];
      if (!row || row.unavailable || Number(row.days) < FAILURE_DAYS) return false;
      const marked = await db.execute(sql`UPDATE delivery_failures SET unavailable_since = now()
        WHERE host = ${host} AND unavailable_since IS NULL`);
      return (marked.rowCount ?? 0) > 0;
    },
    async recordSuccess(host) {
      await db.execute(sql`DELETE FROM delivery_failures WHERE host = ${host}`);
    },
    async isUnavailable(host) {
      const result = await db.execute(sql`SELECT 1 FROM delivery_failures
        WHERE host = ${host} AND unavailable_since IS NOT NULL`);
      return result.rows.length > 0;
    },
  };
}
