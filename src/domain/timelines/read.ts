// Reading timelines (https://docs.joinmastodon.org/methods/timelines/): the
// ids of one page of statuses, newest first, each already checked by the
// visibility policy and the reader's blocks and mutes. Serializing them is
// the caller's job.
// - home and list feeds read the entries fan-out wrote (HomeFeed, ListFeed),
//   filtered again here so that nothing the reader may no longer see is shown;
// - the public and hashtag timelines are queries over public statuses
//   (Mastodon's PublicFeed and TagFeed).
import {
  and,
  asc,
  desc,
  eq,
  exists,
  inArray,
  isNull,
  notExists,
  or,
  sql,
  type SQL,
} from "drizzle-orm";
import type { SelectedFields } from "drizzle-orm/pg-core";
import type { Db } from "../../db/database.ts";
import { preparedFor } from "../../db/prepared.ts";
import {
  accounts,
  homeFeedEntries,
  listFeedEntries,
  statuses,
  statusesTags,
  tags,
} from "../../db/schema/index.ts";
import type { PageQuery } from "../../http/pagination.ts";
import { ownList } from "../lists/lists.ts";
import { withMedia } from "../statuses/status-media.ts";
import { normalizeTagName } from "../statuses/tags.ts";
import { notHiddenBy, statusVisibleTo, type Viewer } from "../statuses/visibility.ts";
import { newestFirst, pageOver } from "./page.ts";

/** The reader's own filters, applied to every timeline. */
const readable = (viewerId: Viewer | null) =>
  and(statusVisibleTo(viewerId), notHiddenBy(viewerId))!;

/**
 * One page of a home feed (bench/profile.ts: building this statement with
 * its visibility conditions cost more CPU than running it, so it is built
 * once). `max` and `min` bound the ids (null: unbounded), so that one
 * statement per order serves max_id, since_id and min_id alike. Exported for
 * readers that read more in the same round trip (the client API renders the
 * page with it), selecting `columns` of the feed's statuses; homePageValues
 * gives its placeholders' values.
 */
export function homePageQuery(db: Db, order: "asc" | "desc", columns: SelectedFields) {
  const viewer = sql`${sql.placeholder("viewer")}::bigint`;
  return db
    .select(columns)
    .from(homeFeedEntries)
    .innerJoin(statuses, eq(statuses.id, homeFeedEntries.statusId))
    .where(
      and(
        eq(homeFeedEntries.accountId, viewer),
        sql`${homeFeedEntries.statusId} < coalesce(${sql.placeholder("max")}::bigint, ${MAX_ID}::bigint)`,
        sql`${homeFeedEntries.statusId} > coalesce(${sql.placeholder("min")}::bigint, 0)`,
        readable(viewer),
      ),
    )
    .orderBy(order === "asc" ? asc(homeFeedEntries.statusId) : desc(homeFeedEntries.statusId))
    .limit(sql.placeholder("limit"));
}

/** The order homePageQuery reads `q` in: min_id reads forward (oldest first). */
export const homePageOrder = (q: PageQuery): "asc" | "desc" => (q.minId !== null ? "asc" : "desc");

/** The values of homePageQuery's placeholders for `accountId`'s page `q`. */
export function homePageValues(accountId: string, q: PageQuery) {
  return { viewer: accountId, max: q.maxId, min: q.minId ?? q.sinceId, limit: q.limit };
}

const homePage = (order: "asc" | "desc") =>
  preparedFor((db) =>
    homePageQuery(db, order, { id: homeFeedEntries.statusId }).prepare(`herd_home_page_${order}`),
  );
const homePageAsc = homePage("asc");
const homePageDesc = homePage("desc");

/** The largest bigint: no upper bound. */
const MAX_ID = "9223372036854775807";

/** A page of `accountId`'s home timeline. */
export async function homeTimelineIds(db: Db, accountId: string, q: PageQuery): Promise<string[]> {
  const rows = await (homePageOrder(q) === "asc" ? homePageAsc : homePageDesc)(db).execute(
    homePageValues(accountId, q),
  );
  return newestFirst(
    rows.map((r) => r.id as string),
    q,
  );
}

/** A page of list `listId`'s timeline; "not found" unless `accountId` owns the list. */
export async function listTimelineIds(
  db: Db,
  accountId: string,
  listId: string,
  q: PageQuery,
): Promise<string[]> {
  const list = await ownList(db, accountId, listId);
  const { where, order } = pageOver(listFeedEntries.statusId, q);
  const rows = await db
    .select({ id: listFeedEntries.statusId })
    .from(listFeedEntries)
    .innerJoin(statuses, eq(statuses.id, listFeedEntries.statusId))
    .where(and(eq(listFeedEntries.listId, list.id), ...where, readable(accountId)))
    .orderBy(order)
    .limit(q.limit);
  return newestFirst(
    rows.map((r) => r.id),
    q,
  );
}

export interface PublicFilters {
  local?: boolean;
  remote?: boolean;
  onlyMedia?: boolean;
}

/**
 * PublicFeed#public_scope: public statuses, not boosts, by accounts neither
 * suspended nor silenced; `local` and `remote` narrow it unless both are set.
 */
function publicScope(filters: PublicFilters): SQL[] {
  const where: SQL[] = [
    eq(statuses.visibility, "public"),
    isNull(statuses.reblogOfId),
    isNull(statuses.deletedAt),
    exists(
      sql`(SELECT 1 FROM ${accounts} WHERE ${accounts.id} = ${statuses.accountId}
        AND ${accounts.suspendedAt} IS NULL AND ${accounts.silencedAt} IS NULL)`,
    ),
  ];
  if (filters.local && !filters.remote) where.push(eq(statuses.local, true));
  if (filters.remote && !filters.local) where.push(eq(statuses.local, false));
  // PublicFeed#media_only_scope: statuses with media attachments.
  if (filters.onlyMedia) where.push(withMedia(sql`statuses`));
  return where;
}

async function publicPage(
  db: Db,
  viewerId: string | null,
  where: SQL[],
  q: PageQuery,
): Promise<string[]> {
  const page = pageOver(statuses.id, q);
  const rows = await db
    .select({ id: statuses.id })
    .from(statuses)
    .where(and(...where, ...page.where, readable(viewerId)))
    .orderBy(page.order)
    .limit(q.limit);
  return newestFirst(
    rows.map((r) => r.id),
    q,
  );
}

/** A page of the public timeline, without replies to others (PublicFeed#without_replies_scope). */
export async function publicTimelineIds(
  db: Db,
  viewerId: string | null,
  filters: PublicFilters,
  q: PageQuery,
): Promise<string[]> {
  const notAReplyToOthers = or(
    and(isNull(statuses.inReplyToId), isNull(statuses.inReplyToAccountId)),
    eq(statuses.inReplyToAccountId, statuses.accountId),
  )!;
  return publicPage(db, viewerId, [...publicScope(filters), notAReplyToOthers], q);
}

export interface TagFilters extends PublicFilters {
  any?: string[];
  all?: string[];
  none?: string[];
}

/** TagFeed::LIMIT_PER_MODE: tags read from each of any, all and none. */
export const TAGS_PER_MODE = 4;

/** The ids of the existing tags of the first TAGS_PER_MODE names. */
async function tagIds(db: Db, names: readonly string[]): Promise<string[]> {
  const normalized = [...new Set(names.map(normalizeTagName).filter(Boolean))].slice(
    0,
    TAGS_PER_MODE,
  );
  if (normalized.length === 0) return [];
  const rows = await db.select({ id: tags.id }).from(tags).where(inArray(tags.name, normalized));
  return rows.map((r) => r.id);
}

const taggedWith = (ids: string[]) =>
  exists(
    sql`(SELECT 1 FROM ${statusesTags} WHERE ${statusesTags.statusId} = ${statuses.id}
      AND ${inArray(statusesTags.tagId, ids)})`,
  );

/**
 * A page of the hashtag timeline of `name` (TagFeed): public statuses with
 * the tag or one of `any`, all of `all` and none of `none`. An unknown
 * hashtag has an empty timeline.
 */
export async function tagTimelineIds(
  db: Db,
  viewerId: string | null,
  name: string,
  filters: TagFilters,
  q: PageQuery,
): Promise<string[]> {
  const normalized = normalizeTagName(name);
  if (!normalized) return [];
  const [tag] = await db.select({ id: tags.id }).from(tags).where(eq(tags.name, normalized));
  if (!tag) return [];
  const anyIds = await tagIds(db, [normalized, ...(filters.any ?? [])]);
  const allIds = await tagIds(db, filters.all ?? []);
  const noneIds = await tagIds(db, filters.none ?? []);
  const where = [...publicScope(filters), taggedWith(anyIds)];
  for (const id of allIds) where.push(taggedWith([id]));
  if (noneIds.length > 0)
    where.push(
      notExists(sql`(SELECT 1 FROM ${statusesTags}
    WHERE ${statusesTags.statusId} = ${statuses.id} AND ${inArray(statusesTags.tagId, noneIds)})`),
    );
  return publicPage(db, viewerId, where, q);
}
