// The feed jobs: their names, and what running each one does.
import { sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import type { JobHandler } from "../../jobs/queue.ts";
import { fanOut } from "./fan-out.ts";
import { mergeIntoHome, mergeIntoList } from "./merge.ts";
import { trimFeeds } from "./trim.ts";

export const FEED_JOBS = {
  /**
   * { statusId, live? }: deliver a new status to followers, lists and
   * hashtag followers; `live`: the streams were told of it first.
   */
  fanOut: "feeds.fan-out",
  /** { accountId, targetAccountId }: merge a newly followed account into a home feed. */
  mergeHome: "feeds.merge-home",
  /** { listId, accountId }: merge a new list member into the list's feed. */
  mergeList: "feeds.merge-list",
  /** {}: trim every feed to MAX_ITEMS (scheduled). */
  trim: "feeds.trim",
} as const;

/** When the trim job runs (cron, UTC): hourly. */
export const TRIM_SCHEDULE = "23 * * * *";

function idField(data: unknown, key: string): string {
  const value = (data as Record<string, unknown> | null)?.[key];
  if (typeof value !== "string" || !/^\d{1,19}$/.test(value)) {
    throw new Error(`job data: ${key} is not an id`);
  }
  return value;
}

export interface FeedJobOptions {
  /**
   * Awaited before the fan-out of a local status that live streams were
   * told of first (`live` in the job's data): the process that also serves
   * those streams lets them go first (streaming/dispatcher.ts, delivered).
   */
  beforeLiveFanOut?: (statusId: string) => Promise<void>;
}

export function feedJobHandlers(db: Db, options: FeedJobOptions = {}): Record<string, JobHandler> {
  return {
    [FEED_JOBS.fanOut]: async (data) => {
      const statusId = idField(data, "statusId");
      if ((data as { live?: unknown } | null)?.live === true) {
        await options.beforeLiveFanOut?.(statusId);
      }
      await fanOut(db, statusId);
    },
    [FEED_JOBS.mergeHome]: async (data) => {
      const accountId = idField(data, "accountId");
      const targetId = idField(data, "targetAccountId");
      // The follow may be gone by the time the job runs.
      await db.transaction(async (tx) => {
        const { rows } = await tx.execute(sql`SELECT 1 FROM follows
          WHERE account_id = ${accountId} AND target_account_id = ${targetId}`);
        if (rows.length > 0) await mergeIntoHome(tx, accountId, targetId);
      });
    },
    [FEED_JOBS.mergeList]: async (data) => {
      const listId = idField(data, "listId");
      const accountId = idField(data, "accountId");
      await db.transaction(async (tx) => {
        const { rows } = await tx.execute(sql`SELECT 1 FROM list_accounts
          WHERE list_id = ${listId} AND account_id = ${accountId}`);
        if (rows.length > 0) await mergeIntoList(tx, listId, accountId);
      });
    },
    [FEED_JOBS.trim]: async () => {
      await trimFeeds(db);
    },
  };
}
