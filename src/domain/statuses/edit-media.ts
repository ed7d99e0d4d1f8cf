// `media_attributes[]` of an edit (https://docs.joinmastodon.org/methods/statuses/#edit),
// as UpdateStatusService#update_media_attachments!: each entry names an
// attachment the edited status shows (its `id`, read as Ruby's to_i; others
// are ignored) and changes its `description`, `focus` and custom `thumbnail`
// (MediaAttachment#update! of attributes.slice(:thumbnail, :description, :focus),
// entries applied in the order sent). A change is significant
// (MediaAttachment#significantly_changed?) when the description, the meta
// (a moved focal point) or the thumbnail changed: the edit then records a new
// version even when nothing else changed, and that version keeps each
// attachment's description as it is then (status_edits.media_descriptions).
// A thumbnail is checked as PUT /api/v1/media checks one (an image, under the
// image size limit; 422 with Rails' message otherwise), written to storage
// before the row names it, and the one it replaces is deleted by a job sent
// in the edit's transaction. The caller deletes the written files if the
// edit rolls back (`written`).
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import type { MediaAttachmentRow } from "../../db/schema/index.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import type { MediaStorage } from "../../storage/storage.ts";
import { validationError, type Details } from "../accounts/create-local-account.ts";
import { MEDIA_LIMITS } from "../instance/limits.ts";
import { discardFiles } from "../media/files.ts";
import { acceptImage, processThumbnail } from "../media/upload.ts";
import { checkDescription, checkUpload, parseFocus } from "../media/validation.ts";
import { rubyToI } from "./status-media.ts";

export interface MediaAttributes {
  id: string;
  /** Absent: unchanged; null or "": cleared. */
  description?: string | null;
  focus?: string | null;
  /** The bytes of a new custom thumbnail (multipart); absent or null: unchanged. */
  thumbnail?: Uint8Array | null;
}

export interface EditMediaContext {
  /** Where thumbnails go; without it, thumbnails sent are ignored. */
  storage?: MediaStorage | null;
  /** For the deletion of replaced thumbnails. */
  jobs?: JobQueue | null;
  /** Keys written to storage by this edit: the caller deletes them if it rolls back. */
  written: string[];
}

type Kept = Pick<MediaAttachmentRow, "id" | "description" | "meta" | "thumbnailKey" | "blurhash">;

/**
 * Applies `changes` to the attachments the edit keeps (`kept`, locked by the
 * caller's transaction); returns whether any changed significantly.
 */
export async function updateMediaAttributes(
  tx: DbOrTx,
  ctx: EditMediaContext,
  kept: readonly Kept[],
  changes: readonly MediaAttributes[],
): Promise<boolean> {
  const state = new Map(kept.map((m) => [m.id, { ...m }]));
  let changed = false;
  for (const change of changes) {
    const media = state.get(rubyToI(change.id));
    if (!media) continue;
    const details: Details = {};
    checkDescription(details, change.description);
    const thumbnailType = ctx.storage
      ? checkUpload(details, "thumbnail", change.thumbnail, {
          required: false,
          accept: acceptImage,
          limit: () => MEDIA_LIMITS.imageSizeLimit,
        })
      : null;
    if (Object.keys(details).length > 0) throw validationError(details);

    const description =
      change.description === undefined ? media.description : change.description || null;
    const focus = parseFocus(change.focus);
    const oldFocus = (media.meta as { focus?: unknown }).focus;
    const moved = focus !== null && JSON.stringify(focus) !== JSON.stringify(oldFocus);
    const meta = moved ? { ...media.meta, focus } : media.meta;
    let thumbnailKey = media.thumbnailKey;
    let blurhash = media.blurhash;
    if (thumbnailType && change.thumbnail && ctx.storage) {
      const thumbnail = await processThumbnail(media.id, change.thumbnail, thumbnailType);
      await ctx.storage.put(thumbnail.file.key, thumbnail.file.data, thumbnail.file.contentType);
      ctx.written.push(thumbnail.file.key);
      thumbnailKey = thumbnail.file.key;
      blurhash = thumbnail.blurhash;
    }
    const newThumbnail = thumbnailKey !== media.thumbnailKey;
    if (description === media.description && !moved && !newThumbnail) continue;
    changed = true;
    await tx.execute(sql`UPDATE media_attachments
      SET description = ${description}, meta = ${JSON.stringify(meta)}::jsonb,
        thumbnail_key = ${thumbnailKey}, blurhash = ${blurhash}, updated_at = now()
      WHERE id = ${media.id}::bigint`);
    if (newThumbnail && ctx.jobs) await discardFiles({ jobs: ctx.jobs }, tx, [media.thumbnailKey]);
    Object.assign(media, { description, meta, thumbnailKey, blurhash });
  }
  return changed;
}
