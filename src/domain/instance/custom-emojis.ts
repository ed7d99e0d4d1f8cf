// The custom emojis offered to this server's users
// (https://docs.joinmastodon.org/methods/custom_emojis/): Mastodon's
// CustomEmoji.listed, that is local, enabled and visible in the picker.
import { and, asc, eq, isNull } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { customEmojis } from "../../db/schema/index.ts";

export type CustomEmojiRow = typeof customEmojis.$inferSelect;

export async function listListedCustomEmojis(db: Db): Promise<CustomEmojiRow[]> {
  return db
    .select()
    .from(customEmojis)
    .where(
      and(
        isNull(customEmojis.domain),
        eq(customEmojis.disabled, false),
        eq(customEmojis.visibleInPicker, true),
      ),
    )
    .orderBy(asc(customEmojis.id));
}
