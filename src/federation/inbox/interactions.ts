// Announce, Like and EmojiReact (https://docs.joinmastodon.org/spec/activitypub/#Announce),
// as Mastodon's ActivityPub::Activity::Announce and Like:
// - Announce (a boost) is stored when the booster has local followers or
//   the post is local; an unknown post is fetched from its own server; its
//   visibility comes from the Announce's audience;
// - Like of a local post is a favourite (a Misskey reaction sent as Like too);
// - EmojiReact (Pleroma, Misskey) is not stored, as in Mastodon.
import type { Announce, EmojiReact, Like } from "@fedify/vocab";
import { hasLocalFollowers } from "../../domain/accounts/remote-accounts.ts";
import {
  createRemoteReblog,
  receiveFavourite,
} from "../../domain/statuses/interactions/remote-interactions.ts";
import { findStatusByUri } from "../../domain/statuses/remote-statuses.ts";
import type { FederationEnv } from "../env.ts";
import { resolveStatus, visibilityFromAudience } from "../remote-note.ts";
import { httpHref, sameOrigin } from "../remote-object.ts";
import { dropped, listener } from "./listener.ts";

export const onAnnounce = (env: FederationEnv) =>
  listener<Announce>(env, "Announce", async (incoming, announce) => {
    const { actor } = incoming;
    const uri = httpHref(announce.id);
    const objectUri = httpHref(announce.objectId);
    if (!uri || !objectUri) return dropped(incoming, announce, "no id or object");
    if (!sameOrigin(uri, actor.uri)) return dropped(incoming, announce, "id from another origin");
    const known = await findStatusByUri(env.db, objectUri);
    const related = (known?.local ?? false) || (await hasLocalFollowers(env.db, actor.id));
    if (!related) return dropped(incoming, announce, "boost concerns no one here");
    const original = known ?? (await resolveStatus(incoming.fc, objectUri));
    if (!original || original.reblogOfId !== null) {
      return dropped(incoming, announce, "boosted post cannot be had");
    }
    const boost = await createRemoteReblog(
      env.db,
      {
        accountId: actor.id,
        statusId: original.id,
        uri,
        visibility: visibilityFromAudience(
          announce.toIds.map((u) => u.href),
          announce.ccIds.map((u) => u.href),
          actor.followersUrl,
        ),
        createdAt: announce.published ? new Date(announce.published.epochMilliseconds) : new Date(),
      },
      env.jobs,
    );
    if (!boost) dropped(incoming, announce, "post may not be boosted");
  });

export const onLike = (env: FederationEnv) =>
  listener<Like>(env, "Like", async (incoming, like) => {
    const objectUri = httpHref(like.objectId);
    const status = objectUri ? await findStatusByUri(env.db, objectUri) : null;
    if (!status?.local) return dropped(incoming, like, "not a local post");
    const done = await receiveFavourite(env.db, incoming.actor.id, status.id, httpHref(like.id));
    if (!done) dropped(incoming, like, "post may not be favourited");
  });

export const onEmojiReact = (env: FederationEnv) =>
  listener<EmojiReact>(env, "EmojiReact", (incoming, react) => {
    dropped(incoming, react, "emoji reactions are not stored");
    return Promise.resolve();
  });
