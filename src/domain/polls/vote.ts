// Reading a poll and voting in it (https://docs.joinmastodon.org/methods/polls/),
// as Mastodon's Api::V1::PollsController, Polls::VotesController and
// VoteService:
// - a poll is found through its status: one the viewer may not see is a 404
//   (StatusPolicy#show?, src/domain/statuses/visibility.ts);
// - voting needs no block between the voter and the author either way
//   (PollPolicy#vote?, a 403);
// - each choice is one vote, checked as VoteValidator: the poll has not
//   ended, the option exists, the poll is not one's own, and the voter has not
//   voted (in a single-choice poll) or not for that option (in a
//   multiple-choice one; voting again for other options adds them). One
//   refused choice refuses them all;
// - votes count per option, and a voter counts once in `voters_count`;
// - `poll.voted` tells federation (outbox/polls.ts): a vote in a remote poll
//   goes to its author, a local poll's new counts to its audience.
// Nothing is sent for no choices (VoteService returns at once).
import { and, eq, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/database.ts";
import { pollVotes, polls, statuses, type PollRow } from "../../db/schema/index.ts";
import { isId, newId } from "../../lib/ids.ts";
import { forbidden, notFound, unprocessable } from "../errors.ts";
import { emit } from "../events/emit.ts";
import { statusVisibleTo } from "../statuses/visibility.ts";

/** config/locales/en.yml, polls.errors. */
export const VOTE_ERRORS = {
  expired: "The poll has already ended",
  invalidChoice: "The chosen vote option does not exist",
  selfVote: "You cannot vote in your own polls",
  alreadyVoted: "You have already voted on this poll",
} as const;

/** Poll.attached.find + StatusPolicy#show?: the poll, if its status is visible to the viewer. */
async function visiblePoll(
  db: DbOrTx,
  id: string,
  viewerId: string | null,
  lock: boolean,
): Promise<PollRow> {
  if (!isId(id)) throw notFound();
  const query = db
    .select({ poll: polls })
    .from(polls)
    .innerJoin(statuses, eq(statuses.id, polls.statusId))
    .where(and(eq(polls.id, id), statusVisibleTo(viewerId)))
    .limit(1);
  const [row] = lock ? await query.for("update", { of: polls }) : await query;
  if (!row) throw notFound();
  return row.poll;
}

/** GET /api/v1/polls/:id: the poll, if the viewer (null: a visitor) may see its status. */
export function findVisiblePoll(db: Db, id: string, viewerId: string | null): Promise<PollRow> {
  return visiblePoll(db, id, viewerId, false);
}

/** Integer(choice): an integer written in decimal, else not a choice at all. */
const choiceOf = (value: string): number | null =>
  /^\s*[+-]?\d{1,9}\s*$/.test(value) ? Number.parseInt(value, 10) : null;

/** POST /api/v1/polls/:id/votes: `voterId` votes for `choices`; returns the poll after. */
export async function voteInPoll(
  db: Db,
  voterId: string,
  pollId: string,
  choices: readonly string[],
): Promise<PollRow> {
  return db.transaction(async (tx) => {
    const poll = await visiblePoll(tx, pollId, voterId, true);
    if (choices.length === 0) return poll;
    const { rows: blocks } = await tx.execute<{ blocked: boolean }>(sql`
      SELECT EXISTS (SELECT 1 FROM blocks b
        WHERE (b.account_id = ${voterId}::bigint AND b.target_account_id = ${poll.accountId}::bigint)
           OR (b.account_id = ${poll.accountId}::bigint AND b.target_account_id = ${voterId}::bigint)
      ) AS blocked`);
    if (blocks[0]?.blocked) throw forbidden();

    const earlier = await votesOf(tx, poll.id, voterId);
    const expired = poll.expiresAt !== null && poll.expiresAt.getTime() < Date.now();
    const made: number[] = [];
    for (const given of choices) {
      const choice = choiceOf(given);
      const errors: string[] = [];
      if (expired) errors.push(VOTE_ERRORS.expired);
      if (choice === null || choice < 0 || choice >= poll.options.length) {
        errors.push(VOTE_ERRORS.invalidChoice);
      }
      if (voterId === poll.accountId) errors.push(VOTE_ERRORS.selfVote);
      const taken = [...earlier, ...made];
      if (poll.multiple ? choice !== null && taken.includes(choice) : taken.length > 0) {
        errors.push(VOTE_ERRORS.alreadyVoted);
      }
      if (errors.length > 0) throw unprocessable(`Validation failed: ${errors.join(", ")}`);
      made.push(choice!);
    }
    return countVotes(tx, poll, voterId, earlier.length > 0, made, null);
  });
}

/** The choices `voterId` made in poll `pollId`, in the order made. */
export async function votesOf(tx: DbOrTx, pollId: string, voterId: string): Promise<number[]> {
  const rows = await tx
    .select({ choice: pollVotes.choice })
    .from(pollVotes)
    .where(and(eq(pollVotes.pollId, pollId), eq(pollVotes.accountId, voterId)))
    .orderBy(pollVotes.id);
  return rows.map((v) => v.choice);
}

/**
 * Records the checked votes `choices` of `voterId` in `poll` (locked by the
 * caller): per option, and the voter once in `voters_count`
 * (`alreadyVoted`: not again); `uri` is a remote vote's activity. Emits
 * `poll.voted`; returns the poll after.
 */
export async function countVotes(
  tx: DbOrTx,
  poll: PollRow,
  voterId: string,
  alreadyVoted: boolean,
  choices: readonly number[],
  uri: string | null,
): Promise<PollRow> {
  const made = await tx
    .insert(pollVotes)
    .values(
      choices.map((choice) => ({ id: newId(), accountId: voterId, pollId: poll.id, choice, uri })),
    )
    .returning({ id: pollVotes.id });
  const tallies = poll.options.map((_, i) => poll.cachedTallies[i] ?? 0);
  for (const choice of choices) tallies[choice] = (tallies[choice] ?? 0) + 1;
  const [updated] = await tx
    .update(polls)
    .set({
      cachedTallies: tallies,
      votesCount: tallies.reduce((a, b) => a + b, 0),
      votersCount: poll.votersCount === null ? null : poll.votersCount + (alreadyVoted ? 0 : 1),
      updatedAt: new Date(),
    })
    .where(eq(polls.id, poll.id))
    .returning();
  const { rows } = await tx.execute<{ voter_local: boolean; poll_local: boolean }>(sql`
    SELECT (SELECT domain IS NULL FROM accounts WHERE id = ${voterId}::bigint) AS voter_local,
      (SELECT domain IS NULL FROM accounts WHERE id = ${poll.accountId}::bigint) AS poll_local`);
  await emit(tx, {
    type: "poll.voted",
    accountId: voterId,
    accountLocal: rows[0]?.voter_local === true,
    voteIds: made.map((v) => v.id),
    pollId: poll.id,
    statusId: poll.statusId,
    pollAccountId: poll.accountId,
    pollLocal: rows[0]?.poll_local === true,
    hideTotals: poll.hideTotals,
  });
  return updated!;
}
