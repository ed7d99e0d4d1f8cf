// Muting the conversation a status belongs to, as Mastodon's
// Api::V1::Statuses::MutesController and Account#mute_conversation!
// (https://docs.joinmastodon.org/methods/statuses/#mute, #unmute): the
// status must be visible to the viewer (else 404); Mastodon checks nothing
// more (the docs' "a thread you take part in" is not enforced), and both
// calls are idempotent. A boost stands for the boosted status, whose thread
// is the one worth muting. A muted conversation's notifications are dropped
// by the notifications domain.
import { and, eq } from "drizzle-orm";
import type { Db } from "../../../db/database.ts";
import { conversationMutes } from "../../../db/schema/index.ts";
import { DomainError } from "../../errors.ts";
import { original, requireVisibleStatus } from "./target.ts";

/** Mastodon raises a bare Mastodon::ValidationError for a status without a conversation. */
const noConversation = () => new DomainError("unprocessable", "Mastodon::ValidationError");

/** Mutes the conversation of status `id` for `accountId`; returns the id of the status to show. */
export async function muteConversation(db: Db, accountId: string, id: string): Promise<string> {
  return db.transaction(async (tx) => {
    const requested = await requireVisibleStatus(tx, id, accountId);
    const { conversationId } = await original(tx, requested);
    if (conversationId === null) throw noConversation();
    await tx.insert(conversationMutes).values({ accountId, conversationId }).onConflictDoNothing();
    return requested.id;
  });
}

/** Unmutes the conversation of status `id` for `accountId`; returns the id of the status to show. */
export async function unmuteConversation(db: Db, accountId: string, id: string): Promise<string> {
  return db.transaction(async (tx) => {
    const requested = await requireVisibleStatus(tx, id, accountId);
    const { conversationId } = await original(tx, requested);
    if (conversationId === null) throw noConversation();
    await tx
      .delete(conversationMutes)
      .where(
        and(
          eq(conversationMutes.accountId, accountId),
          eq(conversationMutes.conversationId, conversationId),
        ),
      );
    return requested.id;
  });
}
