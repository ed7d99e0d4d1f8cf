// Following hashtags (https://docs.joinmastodon.org/methods/tags/,
// methods/followed_tags/), as Mastodon's Api::V1::TagsController and
// FollowedTagsController: following is idempotent and saves a tag not used
// yet; unfollowing a tag one does not follow changes nothing; the list shows
// followed tags newest follow first, paginated by the follow's id.
import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { tagFollows, tags } from "../../db/schema/index.ts";
import type { PageQuery } from "../../http/pagination.ts";
import { newId } from "../../lib/ids.ts";
import { notFound } from "../errors.ts";
import { pageClauses, toPage, type Page } from "../statuses/interactions/page.ts";
import { findOrCreateTag, isHashtagName } from "./hashtags.ts";
import { resolveTag, tagInfo, tagViews, type TagView } from "./tag-views.ts";

/** GET /api/v1/tags/:name: the tag as `viewerId` (or no one) sees it. */
export async function showTag(db: Db, viewerId: string | null, rawName: string): Promise<TagView> {
  const [view] = await tagViews(db, viewerId, [await resolveTag(db, rawName)]);
  return view!;
}

/** `accountId` follows the tag `rawName`. */
export async function followTag(db: Db, accountId: string, rawName: string): Promise<TagView> {
  if (!isHashtagName(rawName)) throw notFound();
  return db.transaction(async (tx) => {
    const tag = await findOrCreateTag(tx, rawName);
    await tx
      .insert(tagFollows)
      .values({ id: newId(), accountId, tagId: tag.id })
      .onConflictDoNothing({ target: [tagFollows.accountId, tagFollows.tagId] });
    const [view] = await tagViews(tx, accountId, [tagInfo(tag)]);
    return view!;
  });
}

/** `accountId` stops following the tag `rawName`. */
export async function unfollowTag(db: Db, accountId: string, rawName: string): Promise<TagView> {
  const tag = await resolveTag(db, rawName);
  if (tag.id !== "") {
    await db
      .delete(tagFollows)
      .where(and(eq(tagFollows.accountId, accountId), eq(tagFollows.tagId, tag.id)));
  }
  const [view] = await tagViews(db, accountId, [tag]);
  return view!;
}

/** A page of the tags `accountId` follows. */
export async function followedTags(
  db: Db,
  accountId: string,
  q: PageQuery,
): Promise<Page<{ id: string; tag: TagView }>> {
  const { where, order } = pageClauses(tagFollows.id, q);
  const rows = await db
    .select({ id: tagFollows.id, tagId: tags.id, name: tags.name, displayName: tags.displayName })
    .from(tagFollows)
    .innerJoin(tags, eq(tags.id, tagFollows.tagId))
    .where(and(eq(tagFollows.accountId, accountId), ...where))
    .orderBy(order)
    .limit(q.limit);
  const views = await tagViews(
    db,
    accountId,
    rows.map((r) => ({ id: r.tagId, name: r.name, displayName: r.displayName })),
  );
  return toPage(
    rows.map((r, i) => ({ id: r.id, tag: views[i]! })),
    (r) => r.id,
    q,
  );
}
