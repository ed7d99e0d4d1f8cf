// Undo (https://docs.joinmastodon.org/spec/activitypub/#Undo), as Mastodon's
// ActivityPub::Activity::Undo: the sender takes back its own Follow (or
// follow request), Like, Announce or Block. The object is usually embedded;
// when it is only named by its id (Undo#handle_reference), that id is looked
// for among the sender's boosts, favourites, follows and blocks. Nothing of
// anyone else can be undone: every lookup is of the sender's own rows.
import { Activity, Announce, Block, Follow, Like, type Undo } from "@fedify/vocab";
import { unblockAccount } from "../../domain/graph/block.ts";
import { unfollowAccount } from "../../domain/graph/follow.ts";
import { undoRelationshipByUri } from "../../domain/graph/remote-follows.ts";
import { withdrawFavourite } from "../../domain/statuses/interactions/remote-interactions.ts";
import { deleteRemoteStatus, findStatusByUri } from "../../domain/statuses/remote-statuses.ts";
import { deleteStatus } from "../../domain/statuses/delete-status.ts";
import { liveBoostOf } from "../../domain/statuses/interactions/reblog.ts";
import type { FederationEnv } from "../env.ts";
import { localAccountOfUri } from "../remote-actor.ts";
import { httpHref } from "../remote-object.ts";
import { dropped, embeddedOnly, listener, type Incoming } from "./listener.ts";

async function undoAnnounce(incoming: Incoming, announce: Announce): Promise<boolean> {
  const { env, actor } = incoming;
  const uri = httpHref(announce.id);
  if (uri && (await deleteRemoteStatus(env.db, actor.id, uri))) return true;
  const objectUri = httpHref(announce.objectId);
  const original = objectUri ? await findStatusByUri(env.db, objectUri) : null;
  const boost = original ? await liveBoostOf(env.db, actor.id, original.id) : null;
  if (!boost) return false;
  await deleteStatus(env.db, actor.id, boost.id);
  return true;
}

async function undoLike(incoming: Incoming, like: Like): Promise<boolean> {
  const objectUri = httpHref(like.objectId);
  const status = objectUri ? await findStatusByUri(incoming.env.db, objectUri) : null;
  return withdrawFavourite(incoming.env.db, incoming.actor.id, {
    statusId: status?.id ?? null,
    uri: httpHref(like.id),
  });
}

async function undoFollowOrBlock(incoming: Incoming, activity: Follow | Block): Promise<boolean> {
  const { env, fc, actor } = incoming;
  const targetUri = httpHref(activity.objectId);
  const target = targetUri ? await localAccountOfUri(fc, targetUri) : null;
  if (!target) {
    const uri = httpHref(activity.id);
    return uri ? undoRelationshipByUri(env.db, actor.id, uri) : false;
  }
  if (activity instanceof Follow) await unfollowAccount(env.db, actor.id, target.id);
  else await unblockAccount(env.db, actor.id, target.id);
  return true;
}

/** Undo#handle_reference: what the sender's id names, of its own. */
async function undoReference(incoming: Incoming, uri: string): Promise<boolean> {
  const { env, actor } = incoming;
  if (await deleteRemoteStatus(env.db, actor.id, uri)) return true;
  if (await withdrawFavourite(env.db, actor.id, { uri })) return true;
  return undoRelationshipByUri(env.db, actor.id, uri);
}

export const onUndo = (env: FederationEnv) =>
  listener<Undo>(env, "Undo", async (incoming, undo) => {
    const object = await undo
      .getObject({ documentLoader: embeddedOnly, crossOrigin: "trust", suppressError: true })
      .catch(() => null);
    const objectActor = object instanceof Activity ? httpHref(object.actorId) : null;
    if (objectActor && objectActor !== incoming.actor.uri) {
      return dropped(incoming, undo, "undo of someone else's activity");
    }
    let done: boolean;
    if (object instanceof Announce) done = await undoAnnounce(incoming, object);
    else if (object instanceof Like) done = await undoLike(incoming, object);
    else if (object instanceof Follow || object instanceof Block) {
      done = await undoFollowOrBlock(incoming, object);
    } else {
      const uri = httpHref(undo.objectId);
      done = uri ? await undoReference(incoming, uri) : false;
    }
    if (!done) dropped(incoming, undo, "nothing to undo");
  });
