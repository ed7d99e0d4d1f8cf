// Adding a local custom emoji from an image, as `tootctl emoji import` does
// for each file of its archive (lib/mastodon/cli/emoji.rb and
// app/models/custom_emoji.rb):
// - the shortcode is two or more letters, digits or underscores; an emoji
//   whose shortcode matches in any case is skipped, or replaced with
//   `overwrite`;
// - the image is a PNG or a GIF (by its content, not its name), of at most
//   CustomEmoji::LOCAL_LIMIT (256 KB); it is kept as it is, and a PNG of its
//   first frame is made for `static_url` (the `static` style);
// - files go to media storage under custom_emojis/images/<id partition>/
//   (Paperclip's layout), written before the row that names them; the files
//   of a replaced image are deleted once the row no longer names them.
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { customEmojis } from "../../db/schema/index.ts";
import { newId } from "../../lib/ids.ts";
import type { MediaStorage } from "../../storage/storage.ts";
import { isValidKey } from "../../storage/storage.ts";
import { detectType } from "../media/detect-type.ts";
import { withStoredFiles } from "../media/files.ts";
import { DimensionsError, ImageUnreadable, inspectImage, renderImage } from "../media/image.ts";
import { idPartition, newFileName } from "../media/keys.ts";
import { SHORTCODE_RE } from "./shortcodes.ts";

/** CustomEmoji::LOCAL_LIMIT. */
export const EMOJI_SIZE_LIMIT = 256 * 1024;

/** What tootctl imports (CustomEmoji::IMAGE_MIME_TYPES also has WebP, which import skips by name). */
const IMPORTED_TYPES = new Set(["image/png", "image/gif"]);

/** A file that cannot become an emoji; the message is Mastodon's validation error of the image. */
export class EmojiImportError extends Error {
  override name = "EmojiImportError";
}

export interface EmojiImage {
  shortcode: string;
  data: Uint8Array;
  /** Replace an existing local emoji of the same shortcode (any case). */
  overwrite: boolean;
  visibleInPicker: boolean;
  category: string | null;
}

export type ImportOutcome = "imported" | "skipped";

/** The storage key of one style of an emoji's image. */
export function emojiKey(id: string, style: "original" | "static", fileName: string): string {
  return `custom_emojis/images/${idPartition(id)}/${style}/${fileName}`;
}

/** The files of an emoji row that are Herd's (not remote URLs nor paths). */
export function storedEmojiFiles(row: { imageUrl: string; staticImageUrl: string }): string[] {
  return [row.imageUrl, row.staticImageUrl].filter((k) => isValidKey(k));
}

async function prepareImages(data: Uint8Array) {
  if (data.length > EMOJI_SIZE_LIMIT) throw new EmojiImportError("must be less than 256 KB");
  const type = detectType(data);
  if (!type || !IMPORTED_TYPES.has(type.mime)) {
    throw new EmojiImportError("is invalid");
  }
  try {
    const info = await inspectImage(data, type);
    const staticImage = await renderImage(data, info, { format: "png" });
    return { type, staticImage };
  } catch (error) {
    if (error instanceof ImageUnreadable || error instanceof DimensionsError) {
      throw new EmojiImportError("is invalid");
    }
    throw error;
  }
}

/** Imports one emoji; throws EmojiImportError for a file that cannot be one. */
export async function importCustomEmoji(
  db: Db,
  storage: MediaStorage,
  input: EmojiImage,
): Promise<ImportOutcome> {
  if (!SHORTCODE_RE.test(input.shortcode)) {
    throw new EmojiImportError("shortcode is invalid");
  }
  const findExisting = async () =>
    (
      await db
        .select()
        .from(customEmojis)
        .where(
          and(
            isNull(customEmojis.domain),
            eq(sql`lower(${customEmojis.shortcode})`, input.shortcode.toLowerCase()),
          ),
        )
        .limit(1)
    )[0];
  const existing = await findExisting();
  if (existing && !input.overwrite) return "skipped";

  const { type, staticImage } = await prepareImages(input.data);
  const id = existing?.id ?? newId();
  const name = newFileName(type.ext).replace(/\.[^.]+$/, "");
  const original = emojiKey(id, "original", `${name}.${type.ext}`);
  const still = emojiKey(id, "static", `${name}.png`);
  const files = [
    { key: original, data: input.data, contentType: type.mime },
    { key: still, data: staticImage.data, contentType: staticImage.contentType },
  ];
  await withStoredFiles(storage, files, async () => {
    const values = {
      imageUrl: original,
      staticImageUrl: still,
      visibleInPicker: input.visibleInPicker,
      category: input.category,
      disabled: false,
      updatedAt: new Date(),
    };
    if (existing) {
      await db.update(customEmojis).set(values).where(eq(customEmojis.id, existing.id));
    } else {
      await db.insert(customEmojis).values({ id, shortcode: input.shortcode, ...values });
    }
  });
  // The row names the new files now: the old ones can go.
  if (existing) await storage.delete(storedEmojiFiles(existing)).catch(() => undefined);
  return "imported";
}
