// Reading and managing one's conversations, as Mastodon's
// Api::V1::ConversationsController: pages ordered by the last status id (the
// cursor clients get in the Link header), marking one read, removing one.
// The last status is shown only while the viewer may see it.
// https://docs.joinmastodon.org/methods/conversations/
import { and, eq, sql, type SQL } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { accountConversations } from "../../db/schema/index.ts";
import { isId } from "../../lib/ids.ts";
import { notFound } from "../errors.ts";
import { emit } from "../events/emit.ts";
import { statusVisibleTo } from "../statuses/visibility.ts";

export interface ConversationRow {
  id: string;
  accountId: string;
  participantAccountIds: string[];
  lastStatusId: string | null;
  /** The last status when the owner may still see it. */
  visibleLastStatusId: string | null;
  unread: boolean;
}

export interface ConversationPage {
  maxId: string | null;
  sinceId: string | null;
  minId: string | null;
  limit: number;
}

type RawRow = {
  id: string;
  account_id: string;
  participant_account_ids: string[];
  last_status_id: string | null;
  visible_last_status_id: string | null;
  unread: boolean;
};

const toRow = (r: RawRow): ConversationRow => ({
  id: r.id,
  accountId: r.account_id,
  participantAccountIds: (r.participant_account_ids ?? []).map(String),
  lastStatusId: r.last_status_id,
  visibleLastStatusId: r.visible_last_status_id,
  unread: r.unread,
});

async function select(db: Db, accountId: string, where: SQL, order: SQL, limit: number) {
  const result = await db.execute<RawRow>(sql`
    SELECT ac.id, ac.account_id, ac.participant_account_ids, ac.last_status_id, ac.unread,
      (SELECT statuses.id FROM statuses WHERE statuses.id = ac.last_status_id
        AND ${statusVisibleTo(accountId)}) AS visible_last_status_id
    FROM account_conversations ac
    WHERE ac.account_id = ${accountId}::bigint AND ${where}
    ORDER BY ${order} LIMIT ${limit}`);
  return result.rows.map(toRow);
}

/** A page of the account's conversations, most recently active first. */
export async function listConversations(
  db: Db,
  accountId: string,
  page: ConversationPage,
): Promise<ConversationRow[]> {
  const conditions: SQL[] = [sql`TRUE`];
  if (page.maxId) conditions.push(sql`ac.last_status_id < ${page.maxId}::bigint`);
  if (page.minId) {
    conditions.push(sql`ac.last_status_id > ${page.minId}::bigint`);
    const rows = await select(
      db,
      accountId,
      sql.join(conditions, sql` AND `),
      sql`ac.last_status_id ASC`,
      page.limit,
    );
    return rows.reverse();
  }
  if (page.sinceId) conditions.push(sql`ac.last_status_id > ${page.sinceId}::bigint`);
  return select(
    db,
    accountId,
    sql.join(conditions, sql` AND `),
    sql`ac.last_status_id DESC NULLS LAST`,
    page.limit,
  );
}

async function own(db: Db, accountId: string, id: string): Promise<void> {
  if (!isId(id)) throw notFound();
  const [row] = await db
    .select({ id: accountConversations.id })
    .from(accountConversations)
    .where(and(eq(accountConversations.id, id), eq(accountConversations.accountId, accountId)));
  if (!row) throw notFound();
}

/** Marks one of the account's conversations read; 404 when not theirs. */
export async function markConversationRead(
  db: Db,
  accountId: string,
  id: string,
): Promise<ConversationRow> {
  await own(db, accountId, id);
  await db
    .update(accountConversations)
    .set({ unread: false, lockVersion: sql`${accountConversations.lockVersion} + 1` })
    .where(eq(accountConversations.id, id));
  await emit(db, { type: "conversation.updated", conversationId: id, accountId });
  const row = await getConversation(db, accountId, id);
  if (!row) throw notFound();
  return row;
}

/** One of the account's conversations, or null (the streaming API's `conversation` payload). */
export async function getConversation(
  db: Db,
  accountId: string,
  id: string,
): Promise<ConversationRow | null> {
  if (!isId(id)) return null;
  const [row] = await select(db, accountId, sql`ac.id = ${id}::bigint`, sql`ac.id`, 1);
  return row ?? null;
}

/** Removes one of the account's conversations from their list; 404 when not theirs. */
export async function removeConversation(db: Db, accountId: string, id: string): Promise<void> {
  await own(db, accountId, id);
  await db.delete(accountConversations).where(eq(accountConversations.id, id));
}
