// The inboxes: each actor's (/users/:username/inbox) and the shared one
// (/inbox). Fedify checks every POST's HTTP Signature (draft-cavage or
// RFC 9421) or Object Integrity Proof, and that the signer owns the
// activity's actor, and answers 401 to an unsigned or badly signed one before
// anything is stored or queued; a verified activity is queued (a
// `federation.inbox` job, where Fedify also drops one it processed already)
// and answered 202. The job runs the listener of its type, one file per
// family under inbox/, as Mastodon's ActivityPub::Activity subclasses
// (https://docs.joinmastodon.org/spec/activitypub/); every listener works
// through domain functions, never on tables.
import type { Federation } from "@fedify/fedify";
import {
  Accept,
  Activity,
  Add,
  Announce,
  Block,
  Create,
  Delete,
  EmojiReact,
  Flag,
  Follow,
  getTypeId,
  Like,
  Move,
  Reject,
  Remove,
  Undo,
  Update,
} from "@fedify/vocab";
import type { FederationEnv } from "./env.ts";
import { onBlock, onMove } from "./inbox/accounts.ts";
import { onAdd, onRemove } from "./inbox/featured.ts";
import { onAccept, onFollow, onReject } from "./inbox/follows.ts";
import { onAnnounce, onEmojiReact, onLike } from "./inbox/interactions.ts";
import { onCreate, onDelete, onUpdate } from "./inbox/posts.ts";
import { onFlag } from "./inbox/reports.ts";
import { onUndo } from "./inbox/undo.ts";

export function registerInbox(federation: Federation<void>, env: FederationEnv): void {
  const logger = env.logger.child({ component: "inbox" });
  federation
    .setInboxListeners("/users/{identifier}/inbox", "/inbox")
    // Documents the shared inbox's listeners fetch are signed by the
    // instance actor (servers in authorized-fetch mode require a signature).
    .setSharedKeyDispatcher(() => ({ identifier: env.instanceIdentifier }))
    .on(Follow, onFollow(env))
    .on(Accept, onAccept(env))
    .on(Reject, onReject(env))
    .on(Undo, onUndo(env))
    .on(Create, onCreate(env))
    .on(Update, onUpdate(env))
    .on(Delete, onDelete(env))
    .on(Announce, onAnnounce(env))
    .on(Like, onLike(env))
    .on(EmojiReact, onEmojiReact(env))
    .on(Block, onBlock(env))
    .on(Move, onMove(env))
    .on(Add, onAdd(env))
    .on(Remove, onRemove(env))
    .on(Flag, onFlag(env))
    .on(Activity, (ctx, activity) => {
      logger.info("activity not handled", {
        type: getTypeId(activity).href,
        id: activity.id?.href,
        actor: activity.actorId?.href,
        recipient: ctx.recipient,
      });
    })
    .onError((_ctx, error) => {
      logger.warn("inbox listener failed", { err: error });
    });
}
