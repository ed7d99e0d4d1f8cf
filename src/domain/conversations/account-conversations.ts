// Direct-message conversations as each participant sees them, as Mastodon's
// AccountConversation (app/models/account_conversation.rb): one row per
// account, thread (conversation_id) and set of other participants, holding
// the thread's direct statuses and whether the account has unread ones.
// - The author's row gets the status when it is posted (`onDirectStatus`,
//   FanOutOnWriteService#deliver_to_conversation!); a recipient's row gets it
//   with the mention notification (`notify`, NotifyService#push_to_conversation!),
//   so a direct message that is dropped or filtered does not show up there
//   (an accepted notification request adds it then).
// - A status posted by someone else marks the row unread; one's own marks it read.
// - A deleted status leaves every row; a row left without statuses goes.
// https://docs.joinmastodon.org/methods/conversations/
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import { conversations, type StatusRow } from "../../db/schema/index.ts";
import { newId } from "../../lib/ids.ts";
import { emit } from "../events/emit.ts";
import { idArray } from "../../lib/pg-arrays.ts";

const byNumber = (a: string, b: string) =>
  BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0;

type StatusFacts = {
  id: string;
  account_id: string;
  conversation_id: string | null;
  visibility: string;
  reblog_of_id: string | null;
  mentioned: string[] | null;
};

async function statusFacts(tx: DbOrTx, statusId: string): Promise<StatusFacts | null> {
  const result = await tx.execute<StatusFacts>(sql`
    SELECT s.id, s.account_id, s.conversation_id, s.visibility, s.reblog_of_id,
      ARRAY(SELECT m.account_id::text FROM mentions m WHERE m.status_id = s.id AND NOT m.silent) AS mentioned
    FROM statuses s WHERE s.id = ${statusId}::bigint AND s.deleted_at IS NULL`);
  return result.rows[0] ?? null;
}

/** The status's thread, made when a status has none (Mastodon always gives one). */
async function conversationOf(tx: DbOrTx, status: StatusFacts): Promise<string> {
  if (status.conversation_id) return status.conversation_id;
  const id = newId();
  await tx.insert(conversations).values({ id });
  const result = await tx.execute<{ conversation_id: string }>(sql`
    UPDATE statuses SET conversation_id = coalesce(conversation_id, ${id}::bigint)
    WHERE id = ${status.id}::bigint RETURNING conversation_id`);
  return result.rows[0]?.conversation_id ?? id;
}

/**
 * Adds a direct status to `accountId`'s conversation with the status's other
 * participants (AccountConversation.add_status). `mentionedAccountIds`
 * replaces the status's non-silent mentions when given.
 */
export async function addStatusToConversation(
  tx: DbOrTx,
  accountId: string,
  statusId: string,
  mentionedAccountIds?: readonly string[],
): Promise<void> {
  const status = await statusFacts(tx, statusId);
  if (!status || status.reblog_of_id !== null) return;
  const conversationId = await conversationOf(tx, status);
  const mentioned = mentionedAccountIds ?? status.mentioned ?? [];
  const participants = [...new Set([...mentioned.map(String), status.account_id])]
    .filter((id) => id !== accountId)
    .sort(byNumber);
  const unread = status.account_id !== accountId;
  const upserted = await tx.execute<{ id: string }>(sql`
    INSERT INTO account_conversations
      (id, account_id, conversation_id, participant_account_ids, status_ids, last_status_id, unread)
    VALUES (${newId()}, ${accountId}, ${conversationId}, ${idArray(participants)}::bigint[],
      ARRAY[${status.id}::bigint], ${status.id}, ${unread})
    ON CONFLICT (account_id, conversation_id, participant_account_ids) DO UPDATE SET
      status_ids = (SELECT array_agg(DISTINCT x ORDER BY x)
        FROM unnest(account_conversations.status_ids || excluded.status_ids) x),
      last_status_id = greatest(account_conversations.last_status_id, excluded.last_status_id),
      unread = CASE WHEN excluded.last_status_id = ANY(account_conversations.status_ids)
        THEN account_conversations.unread ELSE excluded.unread END,
      lock_version = account_conversations.lock_version + 1
    RETURNING id::text`);
  // AccountConversation#push_to_streaming_api (after_commit).
  for (const { id } of upserted.rows) {
    await emit(tx, { type: "conversation.updated", conversationId: id, accountId });
  }
}

/**
 * A status was posted: when it is direct, it joins its author's conversation.
 * `mentionedAccountIds` are the accounts it mentions (not silently). The
 * mentioned accounts' conversations are updated by `notify` with their
 * mention notification.
 */
export async function onDirectStatus(
  tx: DbOrTx,
  status: Pick<StatusRow, "id" | "accountId" | "visibility" | "reblogOfId">,
  mentionedAccountIds: readonly string[],
): Promise<void> {
  if (status.visibility !== "direct" || status.reblogOfId !== null) return;
  await addStatusToConversation(tx, status.accountId, status.id, mentionedAccountIds);
}

/** A status was deleted: it leaves every conversation (AccountConversation.remove_status). */
export async function onDirectStatusDeleted(
  tx: DbOrTx,
  status: Pick<StatusRow, "id" | "conversationId">,
): Promise<void> {
  if (!status.conversationId) return;
  await tx.execute(sql`
    UPDATE account_conversations SET
      status_ids = array_remove(status_ids, ${status.id}::bigint),
      last_status_id = (SELECT max(x) FROM unnest(array_remove(status_ids, ${status.id}::bigint)) x),
      lock_version = lock_version + 1
    WHERE conversation_id = ${status.conversationId}::bigint AND ${status.id}::bigint = ANY(status_ids)`);
  await tx.execute(sql`
    DELETE FROM account_conversations
    WHERE conversation_id = ${status.conversationId}::bigint AND cardinality(status_ids) = 0`);
}
