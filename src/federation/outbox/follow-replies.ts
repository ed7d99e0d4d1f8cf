// Answers to a remote Follow of a local account: Accept (a follower at once,
// as Mastodon's AuthorizeFollowService) or Reject (the local account blocks
// the follower, moved, ...), as ActivityPub::AcceptFollowSerializer and
// RejectFollowSerializer: `<actor>#accepts/follows/<id>` with the Follow
// itself as object, delivered through Fedify's outbox queue.
// Sent from the inbox for now; the outgoing-activities work owns this file
// and calls it too (a locked account accepting or rejecting a request later).
import type { Context } from "@fedify/fedify";
import { Accept, Follow, Reject } from "@fedify/vocab";
import type { AccountRow } from "../../db/schema/index.ts";
import { newId } from "../../lib/ids.ts";
import { activityOrderingKey } from "./ordering.ts";

export type FollowReply = "Accept" | "Reject";

/** What the reply needs of the remote follower. */
export type RemoteFollower = Pick<AccountRow, "uri" | "inboxUrl" | "sharedInboxUrl">;

/**
 * Sends `kind` of the Follow `followUri` (null: a Follow Herd knows no id
 * of) that `follower` made of local actor `identifier`; `replyId` names the
 * reply (the follow's id, as Mastodon, or a fresh one).
 */
export async function sendFollowReply(
  ctx: Context<void>,
  kind: FollowReply,
  identifier: string,
  follower: RemoteFollower,
  followUri: string | null,
  replyId: string = newId(),
): Promise<void> {
  if (!follower.uri || !follower.inboxUrl) return;
  const actor = ctx.getActorUri(identifier);
  const object = new Follow({
    id: followUri ? new URL(followUri) : null,
    actor: new URL(follower.uri),
    object: actor,
  });
  const id = new URL(
    `${actor.href}#${kind === "Accept" ? "accepts" : "rejects"}/follows/${replyId}`,
  );
  const activity =
    kind === "Accept" ? new Accept({ id, actor, object }) : new Reject({ id, actor, object });
  await ctx.sendActivity(
    { identifier },
    {
      id: new URL(follower.uri),
      inboxId: new URL(follower.inboxUrl),
      endpoints: follower.sharedInboxUrl ? { sharedInbox: new URL(follower.sharedInboxUrl) } : null,
    },
    activity,
    { preferSharedInbox: true, orderingKey: activityOrderingKey(activity) },
  );
}
