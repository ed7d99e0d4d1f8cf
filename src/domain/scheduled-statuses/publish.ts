// Posting a scheduled status at its time, as Mastodon's
// PublishScheduledStatusWorker: the status is posted from the kept
// parameters (a poll's end counts from then), with the media that waited for
// it, and the scheduled status is gone. It runs from the durable job sent
// when it was scheduled (which a restart does not lose: pg-boss keeps it in
// the database and runs it as soon as a worker polls after its time), and
// from a sweep every five minutes of anything overdue (Mastodon's
// Scheduler::ScheduledStatusesScheduler), so that nothing is lost.
// Exactly once: the scheduled row is locked, the status posted and the row
// deleted in one transaction; whoever comes second finds nothing. One that
// can no longer be posted (its thread gone, its text now invalid) is dropped,
// as Mastodon drops it on RecordInvalid or RecordNotFound.
import { asc, eq, lte, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { accounts, scheduledStatuses, users, type ScheduledParams } from "../../db/schema/index.ts";
import type { JobHandler, JobQueue } from "../../jobs/queue.ts";
import { DomainError } from "../errors.ts";
import { pollParams } from "../polls/input.ts";
import {
  languageOf,
  postStatusIn,
  type Author,
  type NewStatus,
} from "../statuses/create-status.ts";
import type { FormatContext } from "../statuses/render.ts";
import { rubyToI } from "../statuses/status-media.ts";
import { SCHEDULED_STATUS_JOBS } from "./jobs.ts";
import { sendPublishJob } from "./schedule.ts";

export type PublishOutcome = "published" | "dropped" | "not_due" | "gone";

const SWEEP_BATCH = 100;

const text = (v: unknown) => (typeof v === "string" ? v : undefined);

/** The input of POST /api/v1/statuses the parameters describe. */
function inputOf(params: ScheduledParams, applicationId: string | null): NewStatus {
  return {
    text: text(params.text),
    spoilerText: text(params.spoiler_text),
    sensitive: typeof params.sensitive === "boolean" ? params.sensitive : undefined,
    visibility: text(params.visibility),
    language: text(params.language),
    inReplyToId: params.in_reply_to_id === null ? undefined : String(params.in_reply_to_id),
    mediaIds: Array.isArray(params.media_ids) ? params.media_ids.map(String) : undefined,
    poll: pollParams(params.poll),
    applicationId,
  };
}

/** Posts scheduled status `id` if its time has come. */
export async function publishScheduledStatus(
  db: Db,
  ctx: FormatContext & { jobs: JobQueue | null },
  id: string,
): Promise<PublishOutcome> {
  const [peek] = await db
    .select({ row: scheduledStatuses, account: accounts, user: users })
    .from(scheduledStatuses)
    .innerJoin(accounts, eq(accounts.id, scheduledStatuses.accountId))
    .innerJoin(users, eq(users.accountId, accounts.id))
    .where(eq(scheduledStatuses.id, id));
  if (!peek) return "gone";
  const author: Author = { account: peek.account, user: peek.user };
  const { rows: apps } = await db.execute<{ id: string }>(sql`
    SELECT id::text AS id FROM oauth_applications
    WHERE id = ${peek.row.params.application_id ?? null}::bigint`);
  const input = inputOf(peek.row.params, apps[0]?.id ?? null);
  // Outside the transaction: the language detector's first use loads its profiles.
  const language = await languageOf(author, input);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(scheduledStatuses)
      .where(eq(scheduledStatuses.id, id))
      .for("update");
    if (!row) return "gone";
    if (row.scheduledAt.getTime() > Date.now()) {
      // Moved later since this job was sent: another is due then; this one
      // goes again in case that one is lost.
      await sendPublishJob(tx, ctx.jobs, row);
      return "not_due";
    }
    // The media still waiting for it (one deleted meanwhile is left out).
    const { rows: waiting } = await tx.execute<{ id: string }>(sql`
      SELECT id::text AS id FROM media_attachments WHERE scheduled_status_id = ${row.id}::bigint`);
    const kept = new Set(waiting.map((m) => m.id));
    const final = inputOf(row.params, input.applicationId);
    if (final.mediaIds) final.mediaIds = final.mediaIds.filter((m) => kept.has(rubyToI(m)));
    let outcome: PublishOutcome = "published";
    try {
      // A savepoint: a status that cannot be posted leaves nothing behind.
      await tx.transaction((sp) =>
        postStatusIn(sp, ctx, author, final, language, { scheduledStatusId: row.id }),
      );
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      outcome = "dropped";
    }
    await tx.delete(scheduledStatuses).where(eq(scheduledStatuses.id, row.id));
    return outcome;
  });
}

/** Posts the scheduled statuses whose time has passed (a batch); returns how many it handled. */
export async function sweepDueScheduledStatuses(
  db: Db,
  ctx: FormatContext & { jobs: JobQueue | null },
): Promise<number> {
  const due = await db
    .select({ id: scheduledStatuses.id })
    .from(scheduledStatuses)
    .where(lte(scheduledStatuses.scheduledAt, new Date()))
    .orderBy(asc(scheduledStatuses.scheduledAt))
    .limit(SWEEP_BATCH);
  let handled = 0;
  let failure: unknown = null;
  for (const { id } of due) {
    try {
      const outcome = await publishScheduledStatus(db, ctx, id);
      if (outcome === "published" || outcome === "dropped") handled++;
    } catch (error) {
      // The others still go; the job fails (and is logged) with the first error.
      failure ??= error;
    }
  }
  if (failure !== null) throw failure;
  return handled;
}

function idOf(data: unknown): string {
  const value = (data as Record<string, unknown> | null)?.scheduledStatusId;
  if (typeof value !== "string" || !/^\d{1,19}$/.test(value)) {
    throw new Error("job data: scheduledStatusId is not an id");
  }
  return value;
}

export function scheduledStatusJobHandlers(
  db: Db,
  ctx: FormatContext & { jobs: JobQueue },
): Record<string, JobHandler> {
  return {
    [SCHEDULED_STATUS_JOBS.publish]: async (data) => {
      await publishScheduledStatus(db, ctx, idOf(data));
    },
    [SCHEDULED_STATUS_JOBS.sweep]: async () => {
      await sweepDueScheduledStatuses(db, ctx);
    },
  };
}
