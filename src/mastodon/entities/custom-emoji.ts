// CustomEmoji (https://docs.joinmastodon.org/entities/CustomEmoji/), as
// REST::CustomEmojiSerializer: `category` is left out when the emoji has none.
import type { CustomEmojiRow } from "../../domain/instance/custom-emojis.ts";
import type { Urls } from "../../urls.ts";

export interface CustomEmoji {
  shortcode: string;
  url: string;
  static_url: string;
  visible_in_picker: boolean;
  category?: string;
}

/**
 * The image's public URL: a storage key (emojis imported by `herd emoji
 * import`) through urls.file(), a path on this server made absolute, or a
 * remote URL as it is.
 */
const absolute = (url: string, urls: Urls) =>
  url.startsWith("/") ? `${urls.base}${url}` : (urls.file(url) ?? url);

export function serializeCustomEmoji(emoji: CustomEmojiRow, urls: Urls): CustomEmoji {
  const entity: CustomEmoji = {
    shortcode: emoji.shortcode,
    url: absolute(emoji.imageUrl, urls),
    static_url: absolute(emoji.staticImageUrl, urls),
    visible_in_picker: emoji.visibleInPicker,
  };
  if (emoji.category) entity.category = emoji.category;
  return entity;
}
