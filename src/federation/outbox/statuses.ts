// Local statuses and boosts going out (https://docs.joinmastodon.org/spec/activitypub/#status),
// as Mastodon's ActivityPub::DistributionWorker, StatusUpdateDistributionWorker
// and RemoveStatusService:
// - a status posted: Create of its Note (`<uri>/activity`), edited: Update
//   (`<uri>#updates/<edited_at>`), deleted: Delete of a Tombstone (`<uri>#delete`);
// - a boost: Announce (its own URI), a boost taken back: Undo
//   (`<actor>#announces/<id>/undo`); no Undo when the boost went because the
//   boosted status was deleted (RemoveStatusService with original_removed);
// - delivered, as StatusReachFinder, to the author's remote followers (not
//   for direct statuses) and the accounts recipients.ts#statusReach names:
//   a direct status reaches only the accounts it mentions, a private one
//   its followers and mentioned accounts. Addressing (to/cc) is note.ts's.
import { Delete, PUBLIC_COLLECTION, Tombstone, Undo } from "@fedify/vocab";
import { sql } from "drizzle-orm";
import type { DomainEvent } from "../../domain/events/types.ts";
import { buildAnnounce, buildCreate, buildNote, buildUpdate } from "../note.ts";
import { loadOutboxItems } from "../note-data.ts";
import { remoteFollowers, statusReach } from "./recipients.ts";
import { deliver, localActor, type Outgoing } from "./send.ts";

type StatusEvent = Extract<
  DomainEvent,
  { type: "status.created" | "status.updated" | "status.deleted" }
>;

/** Whether the status, and the status it boosts, are deleted now. */
async function deletedState(out: Outgoing, statusId: string) {
  const result = await out.env.db.execute<{ deleted: boolean; original_deleted: boolean }>(
    sql`SELECT s.deleted_at IS NOT NULL AS deleted,
        coalesce(o.deleted_at IS NOT NULL, s.reblog_of_id IS NOT NULL) AS original_deleted
      FROM statuses s LEFT JOIN statuses o ON o.id = s.reblog_of_id WHERE s.id = ${statusId}`,
  );
  return result.rows[0] ?? null;
}

export async function sendStatus(out: Outgoing, event: StatusEvent): Promise<void> {
  const { env } = out;
  const author = await localActor(env, event.accountId);
  if (!author) return;
  const [item] = await loadOutboxItems(env.db, env.urls, env.config.localDomain, [event.statusId]);
  const state = await deletedState(out, event.statusId);
  if (!item || !state) return;
  // A status deleted before its Create or Update went out is not sent: its Delete follows.
  if (event.type !== "status.deleted" && state.deleted) return;

  const visibility = item.kind === "note" ? item.note.visibility : item.boost.visibility;
  const recipients = [
    ...(visibility === "direct" ? [] : await remoteFollowers(env.db, author.id)),
    ...(await statusReach(env.db, event.statusId)),
  ];
  const actor = new URL(env.urls.actor(author.username));

  if (item.kind === "boost") {
    const announce = buildAnnounce(item.boost, env.urls);
    if (event.type === "status.created") {
      await deliver(out, author.username, recipients, announce);
    } else if (event.type === "status.deleted" && !state.original_deleted) {
      const undo = new Undo({
        id: new URL(`${actor.href}#announces/${event.statusId}/undo`),
        actor,
        tos: [PUBLIC_COLLECTION],
        object: announce,
      });
      await deliver(out, author.username, recipients, undo);
    }
    return;
  }

  const source = item.note;
  const note = buildNote(source, env.urls);
  switch (event.type) {
    case "status.created":
      await deliver(out, author.username, recipients, buildCreate(note, source, env.urls));
      return;
    case "status.updated": {
      const update = buildUpdate(note, source, env.urls, source.editedAt ?? new Date());
      await deliver(out, author.username, recipients, update);
      return;
    }
    case "status.deleted": {
      const deletion = new Delete({
        id: new URL(`${source.uri}#delete`),
        actor,
        tos: [PUBLIC_COLLECTION],
        object: new Tombstone({ id: new URL(source.uri) }),
      });
      await deliver(out, author.username, recipients, deletion);
      return;
    }
  }
}
