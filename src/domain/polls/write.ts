// Saving the poll of a status, in the status's transaction: made with a new
// status (PostStatusService, `poll_attributes`), changed or removed by an
// edit (UpdateStatusService#update_poll!). Changing the options or
// `multiple` invalidates the votes cast: they are deleted and the counts
// start again (Poll#reset_votes!). Each poll with an end gets a durable job
// that closes it then (jobs.ts); a poll whose end moves gets another, and
// the earlier one finds nothing to do.
import { eq } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import { pollVotes, polls, type PollRow } from "../../db/schema/index.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import { newId } from "../../lib/ids.ts";
import type { NewPoll } from "./input.ts";
import { POLL_JOBS } from "./jobs.ts";

/** Sends the job that closes `poll` when it ends (none for a poll without an end). */
export async function scheduleClosing(
  tx: DbOrTx,
  jobs: JobQueue | null,
  poll: Pick<PollRow, "id" | "expiresAt">,
): Promise<void> {
  if (!jobs || poll.expiresAt === null) return;
  const delaySeconds = Math.max(0, (poll.expiresAt.getTime() - Date.now()) / 1000);
  await jobs.send(POLL_JOBS.close, { pollId: poll.id }, { tx, delaySeconds });
}

/** Makes the poll of the new local status `statusId`. */
export async function createPoll(
  tx: DbOrTx,
  jobs: JobQueue | null,
  status: { id: string; accountId: string },
  poll: NewPoll,
): Promise<PollRow> {
  const [row] = await tx
    .insert(polls)
    .values({
      id: newId(),
      accountId: status.accountId,
      statusId: status.id,
      expiresAt: poll.expiresAt,
      options: poll.options,
      cachedTallies: poll.options.map(() => 0),
      multiple: poll.multiple,
      hideTotals: poll.hideTotals,
      votesCount: 0,
      votersCount: 0,
    })
    .returning();
  await scheduleClosing(tx, jobs, row!);
  return row!;
}

/** The poll of status `statusId`, locked for the caller's transaction. */
export async function pollOfStatus(tx: DbOrTx, statusId: string): Promise<PollRow | null> {
  const [row] = await tx.select().from(polls).where(eq(polls.statusId, statusId)).for("update");
  return row ?? null;
}

/**
 * An edit's poll (UpdateStatusService#update_poll!): `next` replaces the
 * status's poll (null removes it). Returns whether the poll changed
 * significantly (options, `multiple` or its end), which makes the edit one.
 */
export async function replacePoll(
  tx: DbOrTx,
  jobs: JobQueue | null,
  status: { id: string; accountId: string },
  next: NewPoll | null,
): Promise<boolean> {
  const previous = await pollOfStatus(tx, status.id);
  if (next === null) {
    if (previous === null) return false;
    await tx.delete(polls).where(eq(polls.id, previous.id));
    return true;
  }
  if (previous === null) {
    await createPoll(tx, jobs, status, next);
    return true;
  }
  const reset =
    next.options.length !== previous.options.length ||
    next.options.some((o, i) => o !== previous.options[i]) ||
    next.multiple !== previous.multiple;
  if (reset) await tx.delete(pollVotes).where(eq(pollVotes.pollId, previous.id));
  const [row] = await tx
    .update(polls)
    .set({
      options: next.options,
      multiple: next.multiple,
      hideTotals: next.hideTotals,
      expiresAt: next.expiresAt,
      // A poll whose end moved is open again until then.
      closedAt:
        next.expiresAt === null || next.expiresAt.getTime() > Date.now() ? null : previous.closedAt,
      ...(reset ? { cachedTallies: next.options.map(() => 0), votesCount: 0, votersCount: 0 } : {}),
      updatedAt: new Date(),
    })
    .where(eq(polls.id, previous.id))
    .returning();
  const moved = previous.expiresAt?.getTime() !== next.expiresAt?.getTime();
  if (moved) await scheduleClosing(tx, jobs, row!);
  return reset || moved;
}
