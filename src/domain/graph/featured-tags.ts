// Hashtags featured on a profile (https://docs.joinmastodon.org/methods/featured_tags/,
// methods/tags/#feature, methods/accounts/#featured_tags), as Mastodon's
// FeaturedTag, CreateFeaturedTagService and RemoveFeaturedTagService:
// - a name is typed with or without `#`; it must be a hashtag; featuring a
//   tag already featured answers the existing one; at most 10 per account;
// - statuses_count and last_status_at count the account's public and
//   unlisted statuses with the tag: stored when the tag is featured (the
//   statuses code moves them as statuses come and go), and read afresh with
//   each list (one query per list), so a list is never off;
// - suggestions: the tags most used in the account's last 1,000 statuses,
//   not featured yet, at most 10.
import { and, eq, sql, type SQL } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/database.ts";
import { featuredTags, type TagRow } from "../../db/schema/index.ts";
import { newId } from "../../lib/ids.ts";
import { notFound, unprocessable } from "../errors.ts";
import { findOrCreateTag, isHashtagName } from "./hashtags.ts";
import { resolveTag, tagInfo, tagViews, type TagView } from "./tag-views.ts";

/** FeaturedTag::LIMIT (the instance's max_featured_tags). */
export const FEATURED_TAGS_LIMIT = 10;

export interface FeaturedTagView {
  id: string;
  /** The name as the account typed it. */
  name: string;
  /** The tag's normalised name (for URLs). */
  tagName: string;
  statusesCount: number;
  lastStatusAt: Date | null;
}

const RECENT_STATUSES = 1000;

interface Row extends Record<string, unknown> {
  id: string;
  name: string;
  tag_name: string;
  statuses_count: number;
  last_status_at: Date | string | null;
}

/** The public and unlisted statuses of `accountId` with tag `tagId` (FeaturedTag#matching_statuses). */
const USES = (accountId: SQL, tagId: SQL) => sql`
  SELECT count(*)::int AS statuses_count, max(s.created_at) AS last_status_at
  FROM statuses_tags st JOIN statuses s ON s.id = st.status_id
  WHERE st.tag_id = ${tagId} AND s.account_id = ${accountId}
    AND s.visibility IN ('public', 'unlisted') AND s.deleted_at IS NULL`;

async function usesOf(tx: DbOrTx, accountId: string, tagId: string) {
  const result = await tx.execute<Pick<Row, "statuses_count" | "last_status_at">>(
    USES(sql`${accountId}::bigint`, sql`${tagId}::bigint`),
  );
  return result.rows;
}

/** The featured tags of `accountId` (all, or the one `featuredTagId`), most used first. */
async function loadFeaturedTags(
  db: DbOrTx,
  accountId: string,
  featuredTagId?: string,
): Promise<FeaturedTagView[]> {
  const result = await db.execute<Row>(sql`SELECT ft.id::text AS id, ft.name, t.name AS tag_name,
      c.statuses_count, c.last_status_at
    FROM featured_tags ft
    JOIN tags t ON t.id = ft.tag_id
    CROSS JOIN LATERAL (${USES(sql.raw("ft.account_id"), sql.raw("ft.tag_id"))}) c
    WHERE ft.account_id = ${accountId}
      ${featuredTagId === undefined ? sql`` : sql`AND ft.id = ${featuredTagId}`}
    ORDER BY c.statuses_count DESC, ft.id`);
  return result.rows.map((r) => ({
    id: r.id,
    name: r.name,
    tagName: r.tag_name,
    statusesCount: r.statuses_count,
    lastStatusAt: r.last_status_at === null ? null : new Date(r.last_status_at),
  }));
}

/** The tags `accountId` features. */
export function listFeaturedTags(db: Db, accountId: string): Promise<FeaturedTagView[]> {
  return loadFeaturedTags(db, accountId);
}

/** Features `tag` for `accountId` under `name`, unless it already is; returns the featured tag's id. */
async function feature(tx: DbOrTx, accountId: string, tag: TagRow, name: string): Promise<string> {
  const existing = await tx
    .select({ id: featuredTags.id })
    .from(featuredTags)
    .where(and(eq(featuredTags.accountId, accountId), eq(featuredTags.tagId, tag.id)));
  if (existing[0]) return existing[0].id;
  // Serialises an account's features so that the limit holds.
  await tx.execute(sql`SELECT 1 FROM accounts WHERE id = ${accountId} FOR UPDATE`);
  const [{ n } = { n: 0 }] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(featuredTags)
    .where(eq(featuredTags.accountId, accountId));
  if (n >= FEATURED_TAGS_LIMIT) {
    throw unprocessable(
      "Validation failed: You have already featured the maximum number of hashtags",
    );
  }
  // FeaturedTag#reset_data: the stored counters start right; the statuses
  // code keeps them moving.
  const [use] = await usesOf(tx, accountId, tag.id);
  const id = newId();
  await tx.insert(featuredTags).values({
    id,
    accountId,
    tagId: tag.id,
    name,
    statusesCount: use?.statuses_count ?? 0,
    lastStatusAt: use?.last_status_at ? new Date(use.last_status_at) : null,
  });
  return id;
}

/** POST /api/v1/featured_tags: features the hashtag `rawName` ("#" optional). */
export async function featureTagNamed(
  db: Db,
  accountId: string,
  rawName: string,
): Promise<FeaturedTagView> {
  const name = rawName.trim().replace(/^#/, "");
  if (name === "") throw unprocessable("Validation failed: Name can't be blank");
  if (!isHashtagName(name)) throw unprocessable("Validation failed: Name is invalid");
  return db.transaction(async (tx) => {
    const tag = await findOrCreateTag(tx, name);
    const id = await feature(tx, accountId, tag, name);
    const [view] = await loadFeaturedTags(tx, accountId, id);
    return view!;
  });
}

/** DELETE /api/v1/featured_tags/:id: "not found" unless it is one of `accountId`'s. */
export async function unfeatureTag(db: Db, accountId: string, featuredTagId: string) {
  const removed = await db
    .delete(featuredTags)
    .where(and(eq(featuredTags.id, featuredTagId), eq(featuredTags.accountId, accountId)))
    .returning({ id: featuredTags.id });
  if (removed.length === 0) throw notFound();
}

/** POST /api/v1/tags/:name/feature: features the tag and answers it as the viewer now sees it. */
export async function featureHashtag(db: Db, accountId: string, rawName: string): Promise<TagView> {
  if (!isHashtagName(rawName)) throw notFound();
  return db.transaction(async (tx) => {
    const tag = await findOrCreateTag(tx, rawName);
    await feature(tx, accountId, tag, tag.displayName);
    const [view] = await tagViews(tx, accountId, [tagInfo(tag)]);
    return view!;
  });
}

/** POST /api/v1/tags/:name/unfeature. */
export async function unfeatureHashtag(
  db: Db,
  accountId: string,
  rawName: string,
): Promise<TagView> {
  const tag = await resolveTag(db, rawName);
  if (tag.id !== "") {
    await db
      .delete(featuredTags)
      .where(and(eq(featuredTags.accountId, accountId), eq(featuredTags.tagId, tag.id)));
  }
  const [view] = await tagViews(db, accountId, [tag]);
  return view!;
}

/** GET /api/v1/featured_tags/suggestions: tags `accountId` used lately and does not feature. */
export async function suggestedTags(db: Db, accountId: string): Promise<TagView[]> {
  const result = await db.execute<{ id: string; name: string; display_name: string }>(sql`
    SELECT t.id::text AS id, t.name, t.display_name
    FROM tags t JOIN statuses_tags st ON st.tag_id = t.id
    WHERE st.status_id IN (SELECT id FROM statuses WHERE account_id = ${accountId} AND deleted_at IS NULL
                           ORDER BY id DESC LIMIT ${RECENT_STATUSES})
      AND NOT EXISTS (SELECT 1 FROM featured_tags f WHERE f.account_id = ${accountId} AND f.tag_id = t.id)
    GROUP BY t.id
    ORDER BY count(*) DESC, t.id
    LIMIT ${FEATURED_TAGS_LIMIT}`);
  return tagViews(
    db,
    accountId,
    result.rows.map((r) => ({ id: r.id, name: r.name, displayName: r.display_name })),
  );
}
