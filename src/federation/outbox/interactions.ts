// Favourites and pins going out, as Mastodon's FavouriteService and
// UnfavouriteService (ActivityPub::LikeSerializer, UndoLikeSerializer) and
// Api::V1::Statuses::PinsController (AddSerializer, RemoveSerializer):
// - a favourite of a remote status: Like (`<actor>#likes/<id>`) to the
//   status's author; taken back: Undo of it (`<actor>#likes/<id>/undo`);
// - a pin: Add of the status to the actor's `featured` collection, an unpin:
//   Remove, to the author's followers.
import { Add, Like, Remove, Undo } from "@fedify/vocab";
import { sql } from "drizzle-orm";
import type { DomainEvent } from "../../domain/events/types.ts";
import { remoteRecipient } from "./recipients.ts";
import { deliver, deliverToFollowers, localActor, type Outgoing } from "./send.ts";

type FavouriteEvent = Extract<DomainEvent, { type: "favourite.created" | "favourite.removed" }>;
type PinEvent = Extract<DomainEvent, { type: "status.pinned" | "status.unpinned" }>;

/** The URI and author of status `statusId` (a local status's URI, when not stored, is its path). */
async function statusOf(out: Outgoing, statusId: string) {
  const result = await out.env.db.execute<{
    uri: string | null;
    account_id: string;
    username: string;
    domain: string | null;
  }>(sql`SELECT s.uri, s.account_id::text, a.username, a.domain
    FROM statuses s JOIN accounts a ON a.id = s.account_id WHERE s.id = ${statusId}`);
  const row = result.rows[0];
  if (!row) return null;
  const uri =
    row.uri ??
    (row.domain === null ? `${out.env.urls.actor(row.username)}/statuses/${statusId}` : null);
  return uri ? { uri, accountId: row.account_id } : null;
}

export async function sendFavourite(out: Outgoing, event: FavouriteEvent): Promise<void> {
  const actor = await localActor(out.env, event.accountId);
  const status = await statusOf(out, event.statusId);
  if (!actor || !status) return;
  const author = await remoteRecipient(out.env.db, status.accountId);
  if (!author) return;
  const actorUri = new URL(out.env.urls.actor(actor.username));
  const like = new Like({
    id: new URL(`${actorUri.href}#likes/${event.favouriteId}`),
    actor: actorUri,
    object: new URL(status.uri),
  });
  const activity =
    event.type === "favourite.created"
      ? like
      : new Undo({ id: new URL(`${like.id!.href}/undo`), actor: actorUri, object: like });
  await deliver(out, actor.username, [author], activity);
}

export async function sendPin(out: Outgoing, event: PinEvent): Promise<void> {
  const actor = await localActor(out.env, event.accountId);
  const status = await statusOf(out, event.statusId);
  if (!actor || !status) return;
  const actorUri = new URL(out.env.urls.actor(actor.username));
  const values = {
    id: new URL(
      `${actorUri.href}#pins/${event.pinId}/${event.type === "status.pinned" ? "add" : "remove"}`,
    ),
    actor: actorUri,
    object: new URL(status.uri),
    target: out.ctx.getFeaturedUri(actor.username),
  };
  const activity = event.type === "status.pinned" ? new Add(values) : new Remove(values);
  await deliverToFollowers(out, actor, activity);
}
