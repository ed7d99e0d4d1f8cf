// Follows and blocks going out, as Mastodon's FollowService, UnfollowService,
// AuthorizeFollowService, RejectFollowService, RemoveFromFollowersService,
// BlockService and UnblockService (https://docs.joinmastodon.org/spec/activitypub/#follow):
// - a local account asking to follow a remote one: Follow (`<actor>#follows/<request id>`,
//   recorded on the request so that the Accept or Reject naming it finds it);
//   unfollowing or withdrawing: Undo of that Follow (`.../undo`);
// - a local locked account accepting or rejecting a remote account's
//   request, or removing a remote follower (also by blocking it): Accept or
//   Reject of the follower's Follow (follow-replies.ts);
// - blocking a remote account: Block (`<actor>#blocks/<id>`), unblocking:
//   Undo of it. Each goes to the other account only.
import { Block, Follow, Undo } from "@fedify/vocab";
import type { DomainEvent } from "../../domain/events/types.ts";
import { findAccountRow, nameFollowRequest } from "../../domain/graph/follow.ts";
import { sendFollowReply } from "./follow-replies.ts";
import { remoteRecipient } from "./recipients.ts";
import { deliver, localActor, type Outgoing } from "./send.ts";

type GraphEvent = Extract<
  DomainEvent,
  {
    type:
      | "follow.requested"
      | "follow.removed"
      | "follow_request.authorized"
      | "follow_request.rejected"
      | "follower.removed"
      | "block.created"
      | "block.removed";
  }
>;

/** The local actor `accountId` and the remote account `targetId` it acts on. */
async function parties(out: Outgoing, accountId: string, targetId: string) {
  const actor = await localActor(out.env, accountId);
  const target = actor ? await remoteRecipient(out.env.db, targetId) : null;
  if (!actor || !target?.id) return null;
  return { actor, actorUri: new URL(out.env.urls.actor(actor.username)), target };
}

/** A Follow or Block by `actorUri` of `object`, with `id`, or the one derived from the row. */
function relation(
  kind: "follows" | "blocks",
  actorUri: URL,
  object: URL,
  rowId: string,
  uri: string | null,
) {
  const values = {
    id: new URL(uri ?? `${actorUri.href}#${kind}/${rowId}`),
    actor: actorUri,
    object,
  };
  return kind === "follows" ? new Follow(values) : new Block(values);
}

/** Accept or Reject, by the local account `targetAccountId`, of remote `accountId`'s Follow. */
async function reply(
  out: Outgoing,
  kind: "Accept" | "Reject",
  event: Extract<GraphEvent, { uri: string | null; targetAccountId: string }>,
  replyId: string,
) {
  const actor = await localActor(out.env, event.targetAccountId);
  const follower = actor ? await findAccountRow(out.env.db, event.accountId) : null;
  if (!actor || !follower || follower.domain === null || follower.suspendedAt) return;
  await sendFollowReply(out.ctx, kind, actor.username, follower, event.uri, replyId);
}

export async function sendGraph(out: Outgoing, event: GraphEvent): Promise<void> {
  switch (event.type) {
    case "follow.requested": {
      const p = await parties(out, event.accountId, event.targetAccountId);
      if (!p) return;
      const proposed = `${p.actorUri.href}#follows/${event.requestId}`;
      // Gone already (withdrawn): its Undo is on its way, the Follow is not needed.
      const uri = await nameFollowRequest(out.env.db, event.requestId, proposed);
      if (!uri) return;
      const follow = relation("follows", p.actorUri, p.target.id!, event.requestId, uri);
      await deliver(out, p.actor.username, [p.target], follow);
      return;
    }
    case "follow.removed":
    case "block.removed": {
      const p = await parties(out, event.accountId, event.targetAccountId);
      if (!p) return;
      const kind = event.type === "follow.removed" ? "follows" : "blocks";
      const rowId = event.type === "follow.removed" ? event.followId : event.blockId;
      const undone = relation(kind, p.actorUri, p.target.id!, rowId, event.uri);
      const undo = new Undo({
        id: new URL(`${p.actorUri.href}#${kind}/${rowId}/undo`),
        actor: p.actorUri,
        object: undone,
      });
      await deliver(out, p.actor.username, [p.target], undo);
      return;
    }
    case "block.created": {
      const p = await parties(out, event.accountId, event.targetAccountId);
      if (!p) return;
      const block = relation("blocks", p.actorUri, p.target.id!, event.blockId, null);
      await deliver(out, p.actor.username, [p.target], block);
      return;
    }
    case "follow_request.authorized":
      await reply(out, "Accept", event, event.followId);
      return;
    case "follow_request.rejected":
      await reply(out, "Reject", event, event.requestId);
      return;
    case "follower.removed":
      await reply(out, "Reject", event, event.followId);
      return;
  }
}
