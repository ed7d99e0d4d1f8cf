// Conversation (https://docs.joinmastodon.org/entities/Conversation/), as
// Mastodon's REST::ConversationSerializer: the other participants (oneself
// when one wrote only to oneself) and the last status, or null when the
// owner may no longer see it. A page loads its accounts and statuses in a
// fixed number of queries.
import type { Db } from "../../db/database.ts";
import type { ConversationRow } from "../../domain/conversations/list-conversations.ts";
import type { Urls } from "../../urls.ts";
import { loadAccountViews } from "./account-loader.ts";
import { serializeAccount, type Account } from "./account.ts";
import { renderStatuses, type Status } from "./status.ts";

export interface Conversation {
  id: string;
  unread: boolean;
  accounts: Account[];
  last_status: Status | null;
}

const participantsOf = (r: ConversationRow) =>
  r.participantAccountIds.length === 0 ? [r.accountId] : r.participantAccountIds;

export async function renderConversations(
  db: Db,
  rows: readonly ConversationRow[],
  viewerAccountId: string,
  urls: Urls,
): Promise<Conversation[]> {
  if (rows.length === 0) return [];
  const statusIds = rows.map((r) => r.visibleLastStatusId).filter((id): id is string => !!id);
  const [accounts, statuses] = await Promise.all([
    loadAccountViews(db, [...new Set(rows.flatMap(participantsOf))]),
    renderStatuses(db, statusIds, viewerAccountId, urls),
  ]);
  const accountById = new Map(accounts.map((a) => [a.id, serializeAccount(a, urls)]));
  const statusById = new Map(statuses.map((s) => [s.id, s]));
  return rows.map((r) => ({
    id: r.id,
    unread: r.unread,
    accounts: participantsOf(r)
      .map((id) => accountById.get(id))
      .filter((a): a is Account => !!a),
    last_status: r.visibleLastStatusId ? (statusById.get(r.visibleLastStatusId) ?? null) : null,
  }));
}
