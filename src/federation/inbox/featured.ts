// Add and Remove to the sender's featured collection (pinned posts), as
// Mastodon's ActivityPub::Activity::Add and Remove: only the sender's own
// collection (its `featured`) and its own posts; an unknown post is fetched
// to be pinned. Other collections (featured tags) are not kept.
import type { Add, Remove } from "@fedify/vocab";
import {
  pinRemoteStatus,
  unpinRemoteStatus,
} from "../../domain/statuses/interactions/remote-interactions.ts";
import { findStatusByUri } from "../../domain/statuses/remote-statuses.ts";
import type { FederationEnv } from "../env.ts";
import { resolveStatus } from "../remote-note.ts";
import { httpHref } from "../remote-object.ts";
import { dropped, listener, type Incoming } from "./listener.ts";

function ofFeatured(incoming: Incoming, activity: Add | Remove): string | null {
  const target = httpHref(activity.targetId);
  if (!target || target !== incoming.actor.featuredUrl) return null;
  return httpHref(activity.objectId);
}

export const onAdd = (env: FederationEnv) =>
  listener<Add>(env, "Add", async (incoming, add) => {
    const uri = ofFeatured(incoming, add);
    if (!uri) return dropped(incoming, add, "not to its featured collection");
    const status = await resolveStatus(incoming.fc, uri);
    if (!status || !(await pinRemoteStatus(env.db, incoming.actor.id, status.id))) {
      dropped(incoming, add, "not a post of its own");
    }
  });

export const onRemove = (env: FederationEnv) =>
  listener<Remove>(env, "Remove", async (incoming, remove) => {
    const uri = ofFeatured(incoming, remove);
    if (!uri) return dropped(incoming, remove, "not from its featured collection");
    const status = await findStatusByUri(env.db, uri);
    if (status) await unpinRemoteStatus(env.db, incoming.actor.id, status.id);
  });
