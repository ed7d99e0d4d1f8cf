// An account's statuses as a viewer sees them on its profile, as Mastodon's
// Api::V1::Accounts::StatusesController and AccountStatusesFilter
// (https://docs.joinmastodon.org/methods/accounts/#statuses):
// - what the viewer may see (StatusPolicy: public and unlisted for everyone,
//   private for followers, direct and private for the mentioned); nothing
//   when the account blocks the viewer (or the viewer's domain); boosts of
//   accounts the viewer blocks or mutes are left out, the account's own
//   statuses are not (the viewer asked for them);
// - `pinned`: the statuses the account pinned, latest pin first;
// - `exclude_replies` keeps replies to oneself (threads); `exclude_reblogs`
//   drops boosts; `tagged` keeps statuses with that hashtag; `only_media`
//   keeps statuses with media attachments (Status#with_media?);
// - paginated by status id, newest first.
import { and, desc, eq, isNull, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { statusPins, statuses, statusesTags, tags } from "../../db/schema/index.ts";
import type { PageQuery } from "../../http/pagination.ts";
import { pageClauses, toPage, type Page } from "./interactions/page.ts";
import { withMedia } from "./status-media.ts";
import { normalizeTagName } from "./tags.ts";
import { boostNotHiddenBy, statusVisibleTo } from "./visibility.ts";

export interface AccountStatusesQuery {
  pinned: boolean;
  onlyMedia: boolean;
  excludeReplies: boolean;
  excludeReblogs: boolean;
  tagged: string | null;
  page: PageQuery;
}

const EMPTY: Page<string> = { items: [], cursors: null, full: false };

/** The account blocks the viewer, or the viewer's domain (AccountStatusesFilter#blocked?). */
function blocksViewer(accountId: string, viewerId: string): SQL {
  return sql`EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = ${accountId}::bigint
      AND b.target_account_id = ${viewerId}::bigint)
    OR EXISTS (SELECT 1 FROM account_domain_blocks d JOIN accounts va ON va.id = ${viewerId}::bigint
      WHERE d.account_id = ${accountId}::bigint AND va.domain IS NOT NULL AND d.domain = va.domain)`;
}

/** The ids of the page of `accountId`'s statuses `viewerId` asked for. */
export async function accountStatuses(
  db: Db,
  accountId: string,
  viewerId: string | null,
  q: AccountStatusesQuery,
): Promise<Page<string>> {
  if (viewerId !== null && viewerId !== accountId) {
    const result = await db.execute<{ blocked: boolean }>(
      sql`SELECT (${blocksViewer(accountId, viewerId)}) AS blocked`,
    );
    if (result.rows[0]?.blocked) return EMPTY;
  }
  const where: (SQL | undefined)[] = [
    eq(statuses.accountId, accountId),
    statusVisibleTo(viewerId),
    boostNotHiddenBy(viewerId),
  ];
  if (q.excludeReplies) {
    where.push(
      or(isNull(statuses.inReplyToId), sql`${statuses.inReplyToAccountId} = ${statuses.accountId}`),
    );
  }
  if (q.excludeReblogs) where.push(isNull(statuses.reblogOfId));
  if (q.onlyMedia) where.push(withMedia(sql`statuses`));
  if (q.tagged !== null) {
    const name = normalizeTagName(q.tagged);
    if (name === "") return EMPTY;
    where.push(sql`EXISTS (SELECT 1 FROM ${statusesTags} JOIN ${tags} ON ${tags.id} = ${statusesTags.tagId}
      WHERE ${statusesTags.statusId} = ${statuses.id} AND ${tags.name} = ${name})`);
  }
  const clauses = pageClauses(statuses.id, q.page);
  where.push(...clauses.where);

  if (q.pinned) {
    const rows = await db
      .select({ id: statuses.id })
      .from(statuses)
      .innerJoin(
        statusPins,
        and(eq(statusPins.statusId, statuses.id), eq(statusPins.accountId, accountId)),
      )
      .where(and(...where))
      .orderBy(desc(statusPins.id))
      .limit(q.page.limit);
    if (rows.length === 0) return EMPTY;
    return pinnedPage(
      rows.map((r) => r.id),
      q.page.limit,
    );
  }

  const rows = await db
    .select({ id: statuses.id })
    .from(statuses)
    .where(and(...where))
    .orderBy(clauses.order)
    .limit(q.page.limit);
  const page = toPage(rows, (r) => r.id, q.page);
  return { ...page, items: page.items.map((r) => r.id) };
}

/** Pinned statuses run in pin order: the cursors are the page's first and last statuses. */
function pinnedPage(ids: string[], limit: number): Page<string> {
  return {
    items: ids,
    cursors: { newest: ids[0]!, oldest: ids[ids.length - 1]! },
    full: ids.length >= limit,
  };
}
