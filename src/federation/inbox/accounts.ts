// Block and Move (https://docs.joinmastodon.org/spec/activitypub/#Block),
// as Mastodon's ActivityPub::Activity::Block and Move (Flag: reports.ts):
// - Block of a local account: the block, and follows and requests both ways end;
// - Move of the sender to an account that lists it in `alsoKnownAs` (fetched
//   again to be sure) and is not suspended: local followers follow the new
//   account instead.
import type { Block, Move } from "@fedify/vocab";
import { moveFollowers, receiveBlock } from "../../domain/graph/remote-follows.ts";
import type { FederationEnv } from "../env.ts";
import { localAccountOfUri, resolveActor } from "../remote-actor.ts";
import { httpHref } from "../remote-object.ts";
import { dropped, listener } from "./listener.ts";

export const onBlock = (env: FederationEnv) =>
  listener<Block>(env, "Block", async (incoming, block) => {
    const targetUri = httpHref(block.objectId);
    const target = targetUri ? await localAccountOfUri(incoming.fc, targetUri) : null;
    if (!target) return dropped(incoming, block, "not a local account");
    await receiveBlock(env.db, incoming.actor.id, target.id, httpHref(block.id));
  });

export const onMove = (env: FederationEnv) =>
  listener<Move>(env, "Move", async (incoming, move) => {
    const { actor } = incoming;
    if (httpHref(move.objectId) !== actor.uri)
      return dropped(incoming, move, "move of another actor");
    const targetUri = httpHref(move.targetId);
    if (!targetUri || targetUri === actor.uri) return dropped(incoming, move, "no target");
    const target = await resolveActor(incoming.fc, targetUri, { refresh: true });
    if (!target || target.suspendedAt || !target.alsoKnownAs.includes(actor.uri)) {
      return dropped(incoming, move, "target does not name the sender as an alias");
    }
    const moved = await moveFollowers(env.db, actor, target, env.jobs);
    incoming.logger.info("account moved", { from: actor.uri, to: targetUri, followers: moved });
  });
