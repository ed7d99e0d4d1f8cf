// Create, Update and Delete (https://docs.joinmastodon.org/spec/activitypub/#status),
// as Mastodon's ActivityPub::Activity::Create, Update and Delete:
// - Create of a Note, Question, Article or Page on the sender's origin,
//   attributed to the sender, stored when it concerns this server
//   (related_to_local_activity?: delivered to a local inbox, its author has
//   local followers, it addresses or mentions a local account, or it replies
//   to a local post or to one by an account followed here); a Note that
//   answers a local poll with an option's title is a vote (remote-vote.ts);
// - Update of the sender's actor refreshes its profile; of one of its posts
//   edits it (or stores it, when it was not here yet and concerns this server);
// - Delete of the sender deletes its account; of one of its posts (or
//   boosts) deletes it and leaves a tombstone;
// - a new reply to a local post, and edits and deletions of it, are
//   forwarded to the followers of the local author (forward.ts).
import type { Create, Delete, Update } from "@fedify/vocab";
import { isActor, Mention } from "@fedify/vocab";
import { deleteRemoteAccount, hasLocalFollowers } from "../../domain/accounts/remote-accounts.ts";
import { deleteRemoteStatus, findStatusByUri } from "../../domain/statuses/remote-statuses.ts";
import type { StatusRow } from "../../db/schema/index.ts";
import type { FederationEnv } from "../env.ts";
import { findLocalAccount } from "../local-actor.ts";
import { localAccountOfUri, storeActor } from "../remote-actor.ts";
import { isNoteLike, postRefusal, storeNote, updateNote, type NoteLike } from "../remote-note.ts";
import { httpHref, sameOrigin } from "../remote-object.ts";
import { takeVote } from "../remote-vote.ts";
import { forwardForReply } from "./forward.ts";
import { dropped, listener, type Incoming } from "./listener.ts";

/** The local account whose own inbox the activity came to (null: the shared inbox). */
async function deliveredTo(incoming: Incoming): Promise<string | null> {
  const recipient = incoming.ctx.recipient;
  return recipient ? ((await findLocalAccount(incoming.env, recipient))?.id ?? null) : null;
}

/** Create#related_to_local_activity?. */
async function concernsThisServer(
  incoming: Incoming,
  note: NoteLike,
  recipientId: string | null,
): Promise<boolean> {
  const { env, fc, actor } = incoming;
  if (recipientId) return true;
  if (await hasLocalFollowers(env.db, actor.id)) return true;
  const named = [...note.toIds, ...note.ccIds].map((u) => u.href);
  for await (const tag of note.getTags({
    documentLoader: fc.documentLoader,
    suppressError: true,
  })) {
    if (tag instanceof Mention && tag.href) named.push(tag.href.href);
  }
  for (const uri of named) {
    if (await localAccountOfUri(fc, uri)) return true;
  }
  const parentUri = httpHref(note.replyTargetId);
  const parent = parentUri ? await findStatusByUri(env.db, parentUri) : null;
  return parent !== null && (parent.local || (await hasLocalFollowers(env.db, parent.accountId)));
}

/** Stores the post of a Create (or of an Update of a post not here yet); the status when new. */
async function createFrom(
  incoming: Incoming,
  activity: Create | Update,
  note: NoteLike,
): Promise<StatusRow | null> {
  const refusal = postRefusal(note, incoming.actor);
  if (refusal) {
    dropped(incoming, activity, refusal);
    return null;
  }
  // A vote in a local poll is counted (or not), never stored as a post.
  if (await takeVote(incoming.fc, note, incoming.actor)) return null;
  const recipientId = await deliveredTo(incoming);
  if (!(await concernsThisServer(incoming, note, recipientId))) {
    dropped(incoming, activity, "post concerns no one here");
    return null;
  }
  const known = await findStatusByUri(incoming.env.db, note.id!.href);
  const stored = await storeNote(incoming.fc, note, incoming.actor, {
    depth: 0,
    deliveredTo: recipientId,
    activity,
  });
  if (!stored) dropped(incoming, activity, "post deleted or refused");
  return known ? null : stored;
}

/** The post's audience as received (`to` and `cc`). */
const audienceOf = (note: NoteLike) => [...note.toIds, ...note.ccIds].map((u) => u.href);

const objectOf = (incoming: Incoming, activity: Create | Update) =>
  activity
    .getObject({
      documentLoader: incoming.fc.documentLoader,
      contextLoader: incoming.fc.contextLoader,
      suppressError: true,
    })
    .catch(() => null);

export const onCreate = (env: FederationEnv) =>
  listener<Create>(env, "Create", async (incoming, create) => {
    const object = await objectOf(incoming, create);
    if (!isNoteLike(object)) return dropped(incoming, create, "not a post");
    const created = await createFrom(incoming, create, object);
    if (created) {
      await forwardForReply(incoming, create, created, {
        audience: audienceOf(object),
        boosters: false,
      });
    }
  });

export const onUpdate = (env: FederationEnv) =>
  listener<Update>(env, "Update", async (incoming, update) => {
    const object = await objectOf(incoming, update);
    if (isActor(object)) {
      if (object.id?.href !== incoming.actor.uri) {
        return dropped(incoming, update, "update of another actor");
      }
      await storeActor(incoming.fc, object, incoming.actor);
      return;
    }
    if (!isNoteLike(object)) return dropped(incoming, update, "not a post or an actor");
    const refusal = postRefusal(object, incoming.actor);
    if (refusal) return dropped(incoming, update, refusal);
    const edited = await updateNote(incoming.fc, object, incoming.actor, update);
    if (edited) {
      await forwardForReply(incoming, update, edited, {
        audience: audienceOf(object),
        boosters: true,
      });
    } else if (!incoming.actor.suspendedAt) {
      await createFrom(incoming, update, object);
    }
  });

export const onDelete = (env: FederationEnv) =>
  listener<Delete>(env, "Delete", async (incoming, del) => {
    const uri = httpHref(del.objectId);
    if (!uri) return dropped(incoming, del, "no object");
    if (uri === incoming.actor.uri) {
      await deleteRemoteAccount(env.db, incoming.actor.id);
      return;
    }
    if (!sameOrigin(uri, incoming.actor.uri)) {
      return dropped(incoming, del, "object from another origin");
    }
    const status = await findStatusByUri(env.db, uri);
    if (status && status.accountId === incoming.actor.id && !status.reblogOfId) {
      await forwardForReply(incoming, del, status, { audience: null, boosters: true });
    }
    await deleteRemoteStatus(env.db, incoming.actor.id, uri);
  });
