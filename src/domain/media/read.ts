// Finding one's own media attachments, as Api::V1::MediaController does:
// `current_account.media_attachments.where(status_id: nil).find(id)` for
// reading and updating, any of them for deleting. Others' media are 404.
import { and, eq, isNull } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import { mediaAttachments, type MediaAttachmentRow } from "../../db/schema/index.ts";
import { isId } from "../../lib/ids.ts";
import { notFound, unprocessable } from "../errors.ts";
import { PROCESSING_ERROR } from "./context.ts";

export async function findOwnMedia(
  db: DbOrTx,
  accountId: string,
  id: string,
  options: { unattachedOnly: boolean },
): Promise<MediaAttachmentRow> {
  if (!isId(id)) throw notFound();
  const [row] = await db
    .select()
    .from(mediaAttachments)
    .where(
      and(
        eq(mediaAttachments.id, id),
        eq(mediaAttachments.accountId, accountId),
        options.unattachedOnly ? isNull(mediaAttachments.statusId) : undefined,
      ),
    )
    .limit(1);
  if (!row) throw notFound();
  return row;
}

/** Mastodon's `not_processed?`: GET and PUT answer 206 until it is done. */
export const isProcessed = (row: Pick<MediaAttachmentRow, "processing">) =>
  row.processing === "complete";

/** GET /api/v1/media/:id: one's own unattached upload; a failed one is Mastodon's 422. */
export async function getUnattachedMedia(
  db: DbOrTx,
  accountId: string,
  id: string,
): Promise<MediaAttachmentRow> {
  const row = await findOwnMedia(db, accountId, id, { unattachedOnly: true });
  if (row.processing === "failed") throw unprocessable(PROCESSING_ERROR);
  return row;
}
