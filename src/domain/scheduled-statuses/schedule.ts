// Scheduling a status (POST /api/v1/statuses with `scheduled_at`,
// https://docs.joinmastodon.org/methods/statuses/#create) and moving its
// time, as Mastodon's PostStatusService#schedule_status! and ScheduledStatus:
// - `scheduled_at` already past means "post now"; one that cannot be read is
//   Rails' bare "Record invalid";
// - it must be more than 5 minutes ahead (PostStatusService::MIN_SCHEDULE_OFFSET),
//   an account may have 300 scheduled statuses, 25 on one (UTC) day;
// - the media wait with it (media_attachments.scheduled_status_id);
// - a durable job is sent in the same transaction to post it at its time
//   (publish.ts); one sent for an earlier time finds it not due and sends
//   itself again, one for a time moved earlier posts it then.
import { and, eq, ne, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import {
  scheduledStatuses,
  type ScheduledParams,
  type ScheduledStatusRow,
} from "../../db/schema/index.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import { newId } from "../../lib/ids.ts";
import { idArray } from "../../lib/pg-arrays.ts";
import { unprocessable } from "../errors.ts";
import { SCHEDULED_STATUS_JOBS } from "./jobs.ts";

/** PostStatusService::MIN_SCHEDULE_OFFSET. */
export const MIN_SCHEDULE_OFFSET_MS = 5 * 60 * 1000;
/** ScheduledStatus::TOTAL_LIMIT and DAILY_LIMIT. */
export const TOTAL_LIMIT = 300;
export const DAILY_LIMIT = 25;

/** config/locales/en.yml, scheduled_statuses (with the attribute name Rails puts first). */
export const SCHEDULE_ERRORS = {
  tooSoon: "Scheduled at date must be in the future",
  overTotal: `You have exceeded the limit of ${TOTAL_LIMIT} scheduled posts`,
  overDaily: `You have exceeded the limit of ${DAILY_LIMIT} scheduled posts for today`,
} as const;

/** ActiveRecord::RecordInvalid without a record. */
const RECORD_INVALID = "Record invalid";

/** An ISO 8601 date and time without an offset: UTC, as Ruby's DateTime.parse reads it. */
const NO_OFFSET = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/** A time as `scheduled_at` gives it; throws Mastodon's 422 for one it cannot read. */
export function parseScheduledAt(value: string): Date {
  const text = value.trim();
  const ms = Date.parse(NO_OFFSET.test(text) ? `${text.replace(" ", "T")}Z` : text);
  if (Number.isNaN(ms)) throw unprocessable(RECORD_INVALID);
  return new Date(ms);
}

/**
 * PostStatusService#preprocess_attributes!: when to post. Null means now:
 * no `scheduled_at`, or one already past.
 */
export function scheduledTime(value: string | undefined, now = Date.now()): Date | null {
  if (value === undefined || value.trim() === "") return null;
  const at = parseScheduledAt(value);
  return at.getTime() <= now ? null : at;
}

/** The ScheduledStatus validations, in their order; `self` is the one being moved. */
async function checkSchedule(
  tx: DbOrTx,
  accountId: string,
  at: Date,
  self: string | null,
): Promise<void> {
  const errors: string[] = [];
  if (at.getTime() <= Date.now() + MIN_SCHEDULE_OFFSET_MS) errors.push(SCHEDULE_ERRORS.tooSoon);
  const others: SQL = and(
    eq(scheduledStatuses.accountId, accountId),
    self === null ? undefined : ne(scheduledStatuses.id, self),
  )!;
  const [counts] = await tx
    .select({
      total: sql<number>`count(*)::int`,
      sameDay: sql<number>`(count(*) FILTER (WHERE (${scheduledStatuses.scheduledAt} AT TIME ZONE 'UTC')::date
        = (${at.toISOString()}::timestamptz AT TIME ZONE 'UTC')::date))::int`,
    })
    .from(scheduledStatuses)
    .where(others);
  if ((counts?.total ?? 0) >= TOTAL_LIMIT) errors.push(SCHEDULE_ERRORS.overTotal);
  if ((counts?.sameDay ?? 0) >= DAILY_LIMIT) errors.push(SCHEDULE_ERRORS.overDaily);
  if (errors.length > 0) throw unprocessable(`Validation failed: ${errors.join(", ")}`);
}

/** Sends the job that posts `row` at its time. */
export async function sendPublishJob(
  tx: DbOrTx,
  jobs: JobQueue | null,
  row: Pick<ScheduledStatusRow, "id" | "scheduledAt">,
): Promise<void> {
  if (!jobs) return; // the sweep posts it
  const delaySeconds = Math.max(0, (row.scheduledAt.getTime() - Date.now()) / 1000);
  await jobs.send(
    SCHEDULED_STATUS_JOBS.publish,
    { scheduledStatusId: row.id },
    { tx, delaySeconds },
  );
}

/** Keeps `params` to be posted at `at` by `accountId`, with `mediaIds` waiting for it. */
export async function insertScheduledStatus(
  tx: DbOrTx,
  jobs: JobQueue | null,
  accountId: string,
  at: Date,
  params: ScheduledParams,
  mediaIds: readonly string[],
): Promise<ScheduledStatusRow> {
  await checkSchedule(tx, accountId, at, null);
  const [row] = await tx
    .insert(scheduledStatuses)
    .values({ id: newId(), accountId, scheduledAt: at, params })
    .returning();
  if (mediaIds.length > 0) {
    await tx.execute(sql`UPDATE media_attachments
      SET scheduled_status_id = ${row!.id}::bigint, updated_at = now()
      WHERE id = ANY(${idArray([...mediaIds])}::bigint[])`);
  }
  await sendPublishJob(tx, jobs, row!);
  return row!;
}

/**
 * PUT /api/v1/scheduled_statuses/:id: moves `row` (locked by the caller) to
 * `at`, with the same checks (not counting itself).
 */
export async function moveScheduledStatus(
  tx: DbOrTx,
  jobs: JobQueue | null,
  row: ScheduledStatusRow,
  at: Date,
): Promise<ScheduledStatusRow> {
  await checkSchedule(tx, row.accountId, at, row.id);
  const [moved] = await tx
    .update(scheduledStatuses)
    .set({ scheduledAt: at, updatedAt: new Date() })
    .where(eq(scheduledStatuses.id, row.id))
    .returning();
  await sendPublishJob(tx, jobs, moved!);
  return moved!;
}
