// Closing a poll when it ends, as Mastodon's PollExpirationNotifyWorker: its
// local voters, and its author when local, get a `poll` notification
// (https://docs.joinmastodon.org/entities/Notification/#type) from the
// author. Run by the durable job sent when the poll was made or its end
// moved, and by a periodic sweep for any poll that ended without its job
// having run (a lost job, a restart while it was due): `closed_at` is set in
// the same transaction as the notifications, so they are made exactly once
// whichever runs first. A job that comes early (the end moved later) sends
// itself again for the new end. `poll.closed` then sends a local poll's
// final counts to its audience (federation, outbox/polls.ts).
import { and, asc, eq, isNotNull, isNull, lte, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { accounts, polls } from "../../db/schema/index.ts";
import type { JobHandler, JobQueue } from "../../jobs/queue.ts";
import { emit } from "../events/emit.ts";
import { notify } from "../notifications/notify.ts";
import { POLL_JOBS } from "./jobs.ts";
import { scheduleClosing } from "./write.ts";

const SWEEP_BATCH = 200;

/** Closes poll `pollId` if it has ended and was not closed yet; returns whether it did. */
export async function closePoll(db: Db, jobs: JobQueue | null, pollId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [poll] = await tx.select().from(polls).where(eq(polls.id, pollId)).for("update");
    if (!poll || poll.expiresAt === null || poll.closedAt !== null) return false;
    if (poll.expiresAt.getTime() > Date.now()) {
      await scheduleClosing(tx, jobs, poll);
      return false;
    }
    await tx.update(polls).set({ closedAt: new Date() }).where(eq(polls.id, poll.id));
    const { rows } = await tx.execute<{ live: boolean; local: boolean }>(sql`
      SELECT (s.deleted_at IS NULL) AS live, (a.domain IS NULL) AS local
      FROM statuses s JOIN accounts a ON a.id = s.account_id
      WHERE s.id = ${poll.statusId}::bigint`);
    const status = rows[0];
    // A deleted status's poll ends silently.
    if (!status?.live) return true;
    const about = { fromAccountId: poll.accountId, type: "poll" as const, statusId: poll.statusId };
    if (status.local) await notify(tx, { accountId: poll.accountId, ...about });
    const voters = await tx.execute<{ id: string }>(sql`
      SELECT DISTINCT v.account_id::text AS id FROM poll_votes v
      JOIN ${accounts} ON ${accounts.id} = v.account_id AND ${accounts.domain} IS NULL
      WHERE v.poll_id = ${poll.id}::bigint AND v.account_id <> ${poll.accountId}::bigint
      ORDER BY 1`);
    for (const voter of voters.rows) await notify(tx, { accountId: voter.id, ...about });
    // A local poll's end goes to its audience (PollExpirationNotifyWorker's DistributePollUpdateWorker).
    await emit(tx, {
      type: "poll.closed",
      pollId: poll.id,
      statusId: poll.statusId,
      pollAccountId: poll.accountId,
      pollLocal: status.local,
      hideTotals: poll.hideTotals,
    });
    return true;
  });
}

/** Closes every poll that has ended but was not closed (Herd's safety net); returns how many. */
export async function sweepEndedPolls(db: Db, jobs: JobQueue | null): Promise<number> {
  let closed = 0;
  for (;;) {
    const due = await db
      .select({ id: polls.id })
      .from(polls)
      .where(
        and(isNull(polls.closedAt), isNotNull(polls.expiresAt), lte(polls.expiresAt, new Date())),
      )
      .orderBy(asc(polls.expiresAt))
      .limit(SWEEP_BATCH);
    for (const { id } of due) if (await closePoll(db, jobs, id)) closed++;
    if (due.length < SWEEP_BATCH) return closed;
  }
}

function pollIdOf(data: unknown): string {
  const value = (data as Record<string, unknown> | null)?.pollId;
  if (typeof value !== "string" || !/^\d{1,19}$/.test(value)) {
    throw new Error("job data: pollId is not an id");
  }
  return value;
}

export function pollJobHandlers(db: Db, jobs: JobQueue): Record<string, JobHandler> {
  return {
    [POLL_JOBS.close]: async (data) => {
      await closePoll(db, jobs, pollIdOf(data));
    },
    [POLL_JOBS.sweep]: async () => {
      await sweepEndedPolls(db, jobs);
    },
  };
}
