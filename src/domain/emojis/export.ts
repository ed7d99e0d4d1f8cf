// The local custom emojis as `tootctl emoji export` takes them
// (lib/mastodon/cli/emoji.rb): every local emoji, disabled and unlisted ones
// too, or those of one category, oldest first (find_each), each named
// `<shortcode><extension of its image>` at the root of the archive, holding
// the image as it was imported, so that `herd emoji import` (and tootctl's)
// makes the same emojis of it again.
import { and, asc, eq, gt, isNull } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { customEmojis } from "../../db/schema/index.ts";
import type { MediaStorage } from "../../storage/storage.ts";
import { isValidKey } from "../../storage/storage.ts";

const BATCH = 1000;

/** CustomEmojiCategory.find_by(name:): whether a local emoji has category `name`. */
export async function emojiCategoryExists(db: Db, name: string): Promise<boolean> {
  const [row] = await db
    .select({ id: customEmojis.id })
    .from(customEmojis)
    .where(and(isNull(customEmojis.domain), eq(customEmojis.category, name)))
    .limit(1);
  return row !== undefined;
}

export interface ExportedEmoji {
  shortcode: string;
  /** Its name in the archive: the shortcode and its image's extension. */
  fileName: string;
  /** The image; null when storage has no file for it. */
  data: Uint8Array | null;
}

/** The extension of a storage key's file name (".png"), or "" without one. */
function extensionOf(key: string): string {
  const base = key.slice(key.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(dot) : "";
}

/** The local emojis (of `category`, if given), oldest first, with their images. */
export async function* exportedEmojis(
  db: Db,
  storage: MediaStorage,
  options: { category: string | null },
): AsyncGenerator<ExportedEmoji> {
  let after = "0";
  for (;;) {
    const rows = await db
      .select({
        id: customEmojis.id,
        shortcode: customEmojis.shortcode,
        key: customEmojis.imageUrl,
      })
      .from(customEmojis)
      .where(
        and(
          isNull(customEmojis.domain),
          gt(customEmojis.id, after),
          options.category === null ? undefined : eq(customEmojis.category, options.category),
        ),
      )
      .orderBy(asc(customEmojis.id))
      .limit(BATCH);
    for (const row of rows) {
      const data = isValidKey(row.key) ? await storage.get(row.key) : null;
      yield { shortcode: row.shortcode, fileName: row.shortcode + extensionOf(row.key), data };
    }
    if (rows.length < BATCH) return;
    after = rows[rows.length - 1]!.id;
  }
}
