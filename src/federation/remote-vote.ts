// Incoming votes in local polls (https://docs.joinmastodon.org/spec/activitypub/#Question):
// Mastodon's VoteService sends each choice as a Create of a Note whose
// `name` is the option's title and whose `inReplyTo` is the poll's status
// (ActivityPub::VoteSerializer). Such a Note answering a local poll is a
// vote, counted by src/domain/polls/remote-votes.ts, and never a status
// (Create#poll_vote?); any other reply is a post like others.
import { Note } from "@fedify/vocab";
import type { AccountRow } from "../db/schema/index.ts";
import { recordRemoteVote } from "../domain/polls/remote-votes.ts";
import { findStatusByUri } from "../domain/statuses/remote-statuses.ts";
import type { NoteLike } from "./remote-note.ts";
import { httpHref, text, type FetchContext } from "./remote-object.ts";

/** Takes `note` by `voter` as a vote if it is one; returns whether it was (counted or not). */
export async function takeVote(
  fc: FetchContext,
  note: NoteLike,
  voter: AccountRow,
): Promise<boolean> {
  if (!(note instanceof Note) || !note.id) return false;
  const title = text(note.name);
  const parentUri = httpHref(note.replyTargetId);
  if (!title || !parentUri || !parentUri.startsWith(`${fc.env.urls.base}/`)) return false;
  const parent = await findStatusByUri(fc.env.db, parentUri);
  if (!parent?.local) return false;
  const result = await recordRemoteVote(fc.env.db, {
    statusId: parent.id,
    voterId: voter.id,
    title,
    uri: note.id.href,
  });
  return result !== "not_a_vote";
}
