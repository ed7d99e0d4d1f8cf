// The thumbnail of a preview card, as PreviewCard's image attachment:
// downloaded with the fetch limits (at most PreviewCard::LIMIT), a JPEG, PNG,
// GIF or WebP by its content, reduced to 640x360's pixel count (the
// `original` style; GIFs become JPEGs), with its blurhash; stored under
// preview_cards/images/<id partition>/original/ (Paperclip's layout).
import { safeGet } from "../../lib/safe-fetch.ts";
import { detectType } from "../media/detect-type.ts";
import { blurhashOf, inspectImage, renderImage, SMALL_PIXELS } from "../media/image.ts";
import { idPartition, newFileName } from "../media/keys.ts";
import type { FileToStore } from "../media/files.ts";
import type { CardFetchSettings } from "./context.ts";

/** PreviewCard::IMAGE_MIME_TYPES. */
const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

export interface CardImage {
  file: FileToStore;
  width: number;
  height: number;
  blurhash: string | null;
  size: number;
}

/** The image at `url` ready to store for card `cardId`, or null when there is none to use. */
export async function downloadCardImage(
  url: string,
  cardId: string,
  settings: CardFetchSettings,
): Promise<CardImage | null> {
  try {
    const res = await safeGet(url, {
      ...settings,
      maxBytes: settings.maxBytes,
      overflow: "error",
      accept: "image/webp,image/png,image/jpeg,image/gif;q=0.9,*/*;q=0.5",
    });
    if (res.status !== 200) return null;
    const type = detectType(res.body);
    if (!type || !IMAGE_TYPES.has(type.mime)) return null;
    const info = await inspectImage(res.body, type);
    const format = type.mime === "image/png" ? "png" : type.mime === "image/webp" ? "webp" : "jpeg";
    const image = await renderImage(res.body, info, { format, pixels: SMALL_PIXELS });
    return {
      file: {
        key: `preview_cards/images/${idPartition(cardId)}/original/${newFileName(image.ext)}`,
        data: image.data,
        contentType: image.contentType,
      },
      width: image.width,
      height: image.height,
      blurhash: await blurhashOf(image.data),
      size: image.data.length,
    };
  } catch {
    // save_with_optional_image!: a card without its image rather than none.
    return null;
  }
}
