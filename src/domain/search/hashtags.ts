// Hashtag search, as Mastodon's TagSearchService without Elasticsearch
// (Tag.search_for): listable tags whose normalised name starts with the
// normalised query (a leading `#` dropped), shortest name first, then by
// name, so that the exact match comes first. `exclude_unreviewed` keeps only
// the exact match and the tags a moderator reviewed for trends (Herd marks a
// reviewed tag by setting `trendable`).
import { sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { tags, type TagRow } from "../../db/schema/index.ts";
import { normalizeTagName } from "../statuses/tags.ts";

export interface HashtagSearch {
  q: string;
  limit: number;
  offset: number;
  excludeUnreviewed: boolean;
}

/** Above any character a tag name may hold: `[name, name + TOP)` are the names starting with `name`. */
const TOP = "\u{10FFFF}";

export async function searchHashtags(db: Db, s: HashtagSearch): Promise<TagRow[]> {
  const name = normalizeTagName(s.q.trim().replace(/^#/, ""));
  // Mastodon would list every tag for a query with nothing of a hashtag in it.
  if (name === "" || s.limit <= 0) return [];
  return db
    .select()
    .from(tags)
    .where(
      // A range rather than LIKE: the index tags_name_prefix (byte order)
      // serves it whatever the value, so a prepared statement keeps using it.
      sql`${tags.name} COLLATE "C" >= ${name} AND ${tags.name} COLLATE "C" < ${name + TOP}
        AND (${tags.listable} IS NULL OR ${tags.listable})
        AND (NOT ${s.excludeUnreviewed}::boolean OR ${tags.name} = ${name} OR ${tags.trendable} IS NOT NULL)`,
    )
    .orderBy(sql`length(${tags.name})`, tags.name)
    .limit(s.limit)
    .offset(s.offset);
}
