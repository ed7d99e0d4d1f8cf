// A hashtag as a viewer sees it (https://docs.joinmastodon.org/entities/Tag/):
// the tag, and whether the viewer follows and features it. As Mastodon's
// Api::V1::TagsController#set_or_create_tag, a valid name that no status
// used yet is shown as a tag not saved (no id) until someone follows or
// features it; a name that is not a hashtag is "not found".
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import type { TagRow } from "../../db/schema/index.ts";
import { idArray } from "../../lib/pg-arrays.ts";
import { notFound } from "../errors.ts";
import { normalizeTagName } from "../statuses/tags.ts";
import { findTag, isHashtagName } from "./hashtags.ts";

export interface TagInfo {
  /** "" for a tag not saved yet. */
  id: string;
  /** The normalised name (for URLs). */
  name: string;
  /** The name as first spelled (the entity's `name`). */
  displayName: string;
}

export interface TagView extends TagInfo {
  following: boolean;
  featuring: boolean;
}

/** The parts of a tag row a view shows. */
export function tagInfo(row: TagRow): TagInfo {
  return { id: row.id, name: row.name, displayName: row.displayName };
}

/** The tag `rawName` names, saved or not; "not found" for what is not a hashtag. */
export async function resolveTag(db: DbOrTx, rawName: string): Promise<TagInfo> {
  if (!isHashtagName(rawName)) throw notFound();
  const tag = await findTag(db, rawName);
  if (tag) return tagInfo(tag);
  return { id: "", name: normalizeTagName(rawName), displayName: rawName };
}

/** The viewer's flags for each tag, in one query (none without a viewer). */
export async function tagViews(
  db: DbOrTx,
  viewerId: string | null,
  list: readonly TagInfo[],
): Promise<TagView[]> {
  const saved = list.map((t) => t.id).filter((id) => id !== "");
  const following = new Set<string>();
  const featuring = new Set<string>();
  if (viewerId !== null && saved.length > 0) {
    const result = await db.execute<{ id: string; kind: "follow" | "feature" }>(sql`
      SELECT tag_id::text AS id, 'follow' AS kind FROM tag_follows
        WHERE account_id = ${viewerId} AND tag_id = ANY(${idArray(saved)}::bigint[])
      UNION ALL
      SELECT tag_id::text, 'feature' FROM featured_tags
        WHERE account_id = ${viewerId} AND tag_id = ANY(${idArray(saved)}::bigint[])`);
    for (const r of result.rows) (r.kind === "follow" ? following : featuring).add(r.id);
  }
  return list.map((t) => ({
    ...t,
    following: following.has(t.id),
    featuring: featuring.has(t.id),
  }));
}
