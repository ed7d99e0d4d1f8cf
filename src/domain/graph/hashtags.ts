// Hashtag names typed on their own (a featured tag, GET /api/v1/tags/:name),
// read with the same rules as hashtags in statuses (src/domain/statuses/tags.ts,
// Mastodon's Tag and HashtagNormalizer): a name is valid when it is exactly
// one hashtag as Tag::HASHTAG_RE finds them; tags are found by their
// normalised name and made on first use.
import { eq } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import { tags, type TagRow } from "../../db/schema/index.ts";
import { extractHashtagNames } from "../../lib/text-to-html.ts";
import { findOrCreateTags, hashtagsOf, normalizeTagName } from "../statuses/tags.ts";

/** Whether `name` (without `#`) is a hashtag Mastodon accepts (Tag::HASHTAG_NAME_RE). */
export function isHashtagName(name: string): boolean {
  if (name === "" || name.length > 1000) return false;
  const found = extractHashtagNames(`#${name}`);
  return found.length === 1 && found[0] === name;
}

/** The tag named `name` (any spelling), or null. */
export async function findTag(db: DbOrTx, name: string): Promise<TagRow | null> {
  const [row] = await db
    .select()
    .from(tags)
    .where(eq(tags.name, normalizeTagName(name)));
  return row ?? null;
}

/** The tag named `name` (a valid hashtag name), made on first use. */
export async function findOrCreateTag(db: DbOrTx, name: string): Promise<TagRow> {
  const [tag] = await findOrCreateTags(db, hashtagsOf(`#${name}`));
  if (!tag) throw new Error(`not a hashtag: ${name}`);
  return tag;
}
