// Votes of remote accounts in local polls, as Mastodon's
// ActivityPub::Activity::Create#poll_vote? and #poll_vote!: a vote is a Note
// whose `name` is an option of the local poll its `inReplyTo` names
// (https://docs.joinmastodon.org/spec/activitypub/#Question). Such a Note is
// never a status, counted or not:
// - a vote in an ended poll is ignored (poll_vote? answers true without voting);
// - the same vote delivered twice (its URI) counts once;
// - VoteValidator's refusals hold as for local votes (one's own poll, a
//   second vote in a single-choice poll, an option chosen twice), and the
//   voter must be allowed to see the status (visibility.ts), with no block
//   between the two;
// - otherwise it counts as a local vote does (vote.ts#countVotes: per
//   option, the voter once in `voters_count`) with its URI, and `poll.voted`
//   makes federation send the new counts to the poll's audience.
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { pollVotes, polls, statuses } from "../../db/schema/index.ts";
import { statusVisibleTo } from "../statuses/visibility.ts";
import { countVotes, votesOf } from "./vote.ts";

export type RemoteVoteResult =
  /** Not a vote: the status has no local poll with that option (an ordinary reply). */
  | "not_a_vote"
  | "counted"
  /** A vote, not counted (ended poll, duplicate, refused). */
  | "ignored";

export interface RemoteVote {
  /** The local status the Note replies to. */
  statusId: string;
  /** The remote voter. */
  voterId: string;
  /** The Note's `name`: the option's title. */
  title: string;
  /** The Note's id. */
  uri: string;
}

export async function recordRemoteVote(db: Db, vote: RemoteVote): Promise<RemoteVoteResult> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ poll: polls, local: statuses.local })
      .from(polls)
      .innerJoin(statuses, eq(statuses.id, polls.statusId))
      .where(eq(polls.statusId, vote.statusId))
      .limit(1)
      .for("update", { of: polls });
    const choice = row?.poll.options.indexOf(vote.title) ?? -1;
    if (!row?.local || choice < 0) return "not_a_vote";
    const poll = row.poll;
    if (poll.expiresAt !== null && poll.expiresAt.getTime() <= Date.now()) return "ignored";
    if (vote.voterId === poll.accountId) return "ignored";
    const [duplicate] = await tx
      .select({ id: pollVotes.id })
      .from(pollVotes)
      .where(eq(pollVotes.uri, vote.uri))
      .limit(1);
    if (duplicate) return "ignored";
    const [visible] = await tx
      .select({ id: statuses.id })
      .from(statuses)
      .where(and(eq(statuses.id, poll.statusId), statusVisibleTo(vote.voterId)))
      .limit(1);
    if (!visible) return "ignored";
    const { rows: blocks } = await tx.execute<{ blocked: boolean }>(sql`
      SELECT EXISTS (SELECT 1 FROM blocks b
        WHERE (b.account_id = ${vote.voterId}::bigint AND b.target_account_id = ${poll.accountId}::bigint)
           OR (b.account_id = ${poll.accountId}::bigint AND b.target_account_id = ${vote.voterId}::bigint)
      ) AS blocked`);
    if (blocks[0]?.blocked) return "ignored";
    const earlier = await votesOf(tx, poll.id, vote.voterId);
    if (poll.multiple ? earlier.includes(choice) : earlier.length > 0) return "ignored";
    await countVotes(tx, poll, vote.voterId, earlier.length > 0, [choice], vote.uri);
    return "counted";
  });
}
