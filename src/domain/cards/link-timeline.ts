// GET /api/v1/timelines/link?url= (https://docs.joinmastodon.org/methods/timelines/#link),
// as Mastodon's LinkFeed: public statuses that carry the card of `url`, by
// discoverable accounts neither suspended nor silenced, newest first, with
// the reader's blocks and mutes applied (visibility.ts).
//
// Mastodon lists only links that are trending (PreviewCardTrend.allowed) and
// answers 404 for others; Herd has no trends yet, so any URL with a card
// has a timeline: the card saved under `url`, or the card of statuses that
// wrote `url` as their link.
import { and, eq, exists, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { accounts, previewCards, previewCardsStatuses, statuses } from "../../db/schema/index.ts";
import type { PageQuery } from "../../http/pagination.ts";
import { notHiddenBy, statusVisibleTo } from "../statuses/visibility.ts";
import { newestFirst, pageOver } from "../timelines/page.ts";

/** The id of the card of `url`, or null when no status links to it. */
export async function findLinkCard(db: Db, url: string): Promise<string | null> {
  const [byUrl] = await db
    .select({ id: previewCards.id })
    .from(previewCards)
    .where(eq(previewCards.url, url));
  if (byUrl) return byUrl.id;
  const [byLink] = await db
    .select({ id: previewCardsStatuses.previewCardId })
    .from(previewCardsStatuses)
    .where(eq(previewCardsStatuses.url, url))
    .limit(1);
  return byLink?.id ?? null;
}

/** A page of the statuses carrying card `cardId`, as `viewerId` may see them. */
export async function linkTimelineIds(
  db: Db,
  viewerId: string | null,
  cardId: string,
  q: PageQuery,
): Promise<string[]> {
  const page = pageOver(statuses.id, q);
  const rows = await db
    .select({ id: statuses.id })
    .from(previewCardsStatuses)
    .innerJoin(statuses, eq(statuses.id, previewCardsStatuses.statusId))
    .where(
      and(
        eq(previewCardsStatuses.previewCardId, cardId),
        // PublicFeed#public_scope and LinkFeed#discoverable.
        eq(statuses.visibility, "public"),
        isNull(statuses.reblogOfId),
        isNull(statuses.deletedAt),
        exists(
          sql`(SELECT 1 FROM ${accounts} WHERE ${accounts.id} = ${statuses.accountId}
            AND ${accounts.suspendedAt} IS NULL AND ${accounts.silencedAt} IS NULL
            AND ${accounts.discoverable} IS TRUE)`,
        ),
        ...page.where,
        statusVisibleTo(viewerId),
        notHiddenBy(viewerId),
      ),
    )
    .orderBy(page.order)
    .limit(q.limit);
  return newestFirst(
    rows.map((r) => r.id),
    q,
  );
}
