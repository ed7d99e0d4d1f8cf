// ScheduledStatus (https://docs.joinmastodon.org/entities/ScheduledStatus/),
// as Mastodon's REST::ScheduledStatusSerializer: the parameters kept, without
// `application_id` (internal), and the media waiting for it.
import type { MediaAttachmentRow, ScheduledStatusRow } from "../../db/schema/index.ts";
import type { Urls } from "../../urls.ts";
import { serializeMediaAttachment, type MediaAttachment } from "./media-attachment.ts";

export interface ScheduledStatus {
  id: string;
  scheduled_at: string;
  params: Record<string, unknown>;
  media_attachments: MediaAttachment[];
}

export function serializeScheduledStatus(
  row: ScheduledStatusRow,
  media: readonly MediaAttachmentRow[],
  urls: Pick<Urls, "file">,
): ScheduledStatus {
  const { application_id: _internal, ...params } = row.params;
  return {
    id: row.id,
    scheduled_at: row.scheduledAt.toISOString(),
    params,
    media_attachments: media.map((m) => serializeMediaAttachment(m, urls)),
  };
}
