// Follow, Accept and Reject (https://docs.joinmastodon.org/spec/activitypub/#follow),
// as Mastodon's ActivityPub::Activity::Follow, Accept and Reject:
// - Follow of a local account: src/domain/graph/remote-follows.ts decides;
//   a follower made at once is answered with Accept, a refusal (blocked,
//   moved, suspended, or the instance actor) with Reject, a request waits
//   for the local account;
// - Accept of a local account's pending Follow (named by its id, or
//   embedded) makes it a follow; Reject drops the request or ends the follow.
import type { Accept, Follow, Reject } from "@fedify/vocab";
import { Follow as FollowActivity } from "@fedify/vocab";
import {
  acceptFollowRequestByRemote,
  receiveFollow,
  rejectFollowByRemote,
} from "../../domain/graph/remote-follows.ts";
import type { FederationEnv } from "../env.ts";
import { findLocalActor } from "../local-actor.ts";
import { sendFollowReply } from "../outbox/follow-replies.ts";
import { localAccountOfUri } from "../remote-actor.ts";
import { httpHref } from "../remote-object.ts";
import { dropped, embeddedOnly, listener, type Incoming } from "./listener.ts";

export const onFollow = (env: FederationEnv) =>
  listener<Follow>(env, "Follow", async (incoming, follow) => {
    const { ctx, actor } = incoming;
    const target = httpHref(follow.objectId);
    const parsed = target ? ctx.parseUri(new URL(target)) : null;
    if (parsed?.type !== "actor") return dropped(incoming, follow, "not a local actor");
    const local = await findLocalActor(env, parsed.identifier);
    if (!local) return dropped(incoming, follow, "unknown local actor");
    const followUri = follow.id?.href ?? null;
    if (local.kind === "instance") {
      await sendFollowReply(ctx, "Reject", env.instanceIdentifier, actor, followUri);
      return;
    }
    const outcome = await receiveFollow(env.db, actor.id, local.account.id, followUri);
    if (outcome.kind === "accepted" || outcome.kind === "rejected") {
      const kind = outcome.kind === "accepted" ? "Accept" : "Reject";
      const replyId = outcome.kind === "accepted" ? outcome.followId : undefined;
      await sendFollowReply(ctx, kind, local.account.username, actor, followUri, replyId);
    }
  });

/** Which local account's request an Accept or Reject answers: by the Follow's id, or embedded. */
async function answered(incoming: Incoming, reply: Accept | Reject) {
  const uri = httpHref(reply.objectId);
  let localId: string | null = null;
  const embedded = await reply
    .getObject({ documentLoader: embeddedOnly, crossOrigin: "trust", suppressError: true })
    .catch(() => null);
  if (embedded instanceof FollowActivity && httpHref(embedded.objectId) === incoming.actor.uri) {
    const follower = httpHref(embedded.actorId);
    localId = follower ? ((await localAccountOfUri(incoming.fc, follower))?.id ?? null) : null;
  }
  return { uri, localId };
}

export const onAccept = (env: FederationEnv) =>
  listener<Accept>(env, "Accept", async (incoming, accept) => {
    const which = await answered(incoming, accept);
    const done = await acceptFollowRequestByRemote(env.db, incoming.actor.id, which, env.jobs);
    if (!done) dropped(incoming, accept, "no pending follow request");
  });

export const onReject = (env: FederationEnv) =>
  listener<Reject>(env, "Reject", async (incoming, reject) => {
    const which = await answered(incoming, reject);
    const done = await rejectFollowByRemote(env.db, incoming.actor.id, which);
    if (!done) dropped(incoming, reject, "no follow or follow request");
  });
