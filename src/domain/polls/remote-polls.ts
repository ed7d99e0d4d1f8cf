// The polls of remote statuses (a `Question`,
// https://docs.joinmastodon.org/spec/activitypub/#Question), kept in the
// same table as local ones, as Mastodon's ActivityPub::Activity::Create#process_poll
// and ProcessStatusUpdateService#update_poll!:
// - options, `multiple`, the end (`closed` when given, else `endTime`),
//   the counts per option (`replies.totalItems`) and `votersCount` as the
//   origin reports them, with `last_fetched_at`;
// - an Update that changes the options or `multiple` is an edit: the votes
//   cast here are invalid and deleted (Poll#reset_votes!); one without an
//   edit (a poll's counts, ActivityPub::UpdatePollSerializer) may only
//   refresh the counts and the end (allowSignificantChanges false);
// - it closes like a local poll (close.ts: its local voters are told), by
//   the job sent for its end; one already ended on arrival is closed at once.
import { eq } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import { pollVotes, polls, type PollRow } from "../../db/schema/index.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import { newId } from "../../lib/ids.ts";
import { POLL_LIMITS } from "../instance/limits.ts";
import { pollOfStatus, scheduleClosing } from "./write.ts";

/** A remote poll as federation reads it. */
export interface RemotePollData {
  options: { title: string; votes: number | null }[];
  multiple: boolean;
  /** `closed` (a time, or now for `true`), else `endTime`; null: no end. */
  expiresAt: Date | null;
  votersCount: number | null;
}

/** Caps on what another server may make Herd store. */
const MAX_OPTIONS = Math.max(POLL_LIMITS.maxOptions, 20);
const MAX_TITLE = 500;
const MAX_COUNT = 2 ** 31 - 1;

const count = (n: number | null) =>
  n === null || !Number.isFinite(n) || n < 0 ? 0 : Math.min(Math.trunc(n), MAX_COUNT);

function normalized(data: RemotePollData) {
  const kept = data.options
    .map((o) => ({ title: o.title.trim().slice(0, MAX_TITLE), votes: count(o.votes) }))
    .filter((o) => o.title !== "")
    .slice(0, MAX_OPTIONS);
  const tallies = kept.map((o) => o.votes);
  const votersCount =
    data.votersCount === null || !Number.isFinite(data.votersCount) || data.votersCount < 0
      ? null
      : count(data.votersCount);
  const expiresAt =
    data.expiresAt && !Number.isNaN(data.expiresAt.getTime()) ? data.expiresAt : null;
  return {
    options: kept.map((o) => o.title),
    cachedTallies: tallies,
    votesCount: Math.min(
      tallies.reduce((a, b) => a + b, 0),
      MAX_COUNT,
    ),
    votersCount,
    multiple: data.multiple,
    expiresAt,
  };
}

const ended = (expiresAt: Date | null, now: Date) =>
  expiresAt !== null && expiresAt.getTime() <= now.getTime();

/** PollParser#significantly_changes?. */
function significant(previous: PollRow, next: ReturnType<typeof normalized>): boolean {
  return (
    previous.multiple !== next.multiple ||
    previous.options.length !== next.options.length ||
    previous.options.some((o, i) => o !== next.options[i])
  );
}

export interface RemotePollChange {
  /** The options or `multiple` changed, or the poll came or went (an edit). */
  significant: boolean;
}

/**
 * Makes the poll of remote status `status` what its origin says (`data`;
 * null: it has none). With `allowSignificantChanges` false (no edit), a
 * change of options or a removal is ignored, as Mastodon's implicit update.
 */
export async function syncRemotePoll(
  tx: DbOrTx,
  jobs: JobQueue | null,
  status: { id: string; accountId: string },
  data: RemotePollData | null,
  allowSignificantChanges: boolean,
): Promise<RemotePollChange> {
  const previous = await pollOfStatus(tx, status.id);
  const next = data === null ? null : normalized(data);
  const now = new Date();
  if (next === null || next.options.length === 0) {
    if (previous === null || !allowSignificantChanges) return { significant: false };
    await tx.delete(polls).where(eq(polls.id, previous.id));
    return { significant: true };
  }
  if (previous === null) {
    if (!allowSignificantChanges) return { significant: false };
    const [row] = await tx
      .insert(polls)
      .values({
        id: newId(),
        accountId: status.accountId,
        statusId: status.id,
        ...next,
        lastFetchedAt: now,
        // Ended before it arrived: nobody here voted, nobody is told.
        closedAt: ended(next.expiresAt, now) ? now : null,
      })
      .returning();
    if (!ended(next.expiresAt, now)) await scheduleClosing(tx, jobs, row!);
    return { significant: true };
  }
  const reset = significant(previous, next);
  if (reset && !allowSignificantChanges) return { significant: false };
  if (reset) await tx.delete(pollVotes).where(eq(pollVotes.pollId, previous.id));
  const moved = previous.expiresAt?.getTime() !== next.expiresAt?.getTime();
  const [row] = await tx
    .update(polls)
    .set({
      ...next,
      lastFetchedAt: now,
      // An end moved later opens it again (as an edit of a local poll).
      closedAt: next.expiresAt === null || !ended(next.expiresAt, now) ? null : previous.closedAt,
      updatedAt: now,
    })
    .where(eq(polls.id, previous.id))
    .returning();
  if (moved) await scheduleClosing(tx, jobs, row!);
  return { significant: reset };
}
