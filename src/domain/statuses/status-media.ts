// The media attachments a status carries (https://docs.joinmastodon.org/methods/statuses/#create,
// `media_ids[]`), as Mastodon's PostStatusService#validate_media! and
// UpdateStatusService#update_media_attachments!:
// - at most Status::MEDIA_ATTACHMENTS_LIMIT (4), and never with a poll;
// - only one's own uploads not attached elsewhere (a status being edited may
//   keep its own; media waiting for a scheduled status stay its own);
// - a video or audio file only alone; every file processed;
// - kept in the order given (statuses.ordered_media_attachment_ids), without
//   repeats. Errors are Mastodon::ValidationError: a 422 without the
//   "Validation failed" prefix.
// Attachments an edit drops stay attached to the status (its history shows
// them); only the ordered ids say what the status shows now.
import { sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import type { MediaAttachmentRow } from "../../db/schema/index.ts";
import { isId } from "../../lib/ids.ts";
import { idArray } from "../../lib/pg-arrays.ts";
import { unprocessable } from "../errors.ts";
import { STATUS_LIMITS } from "../instance/limits.ts";

/** config/locales/en.yml, media_attachments.validations. */
export const MEDIA_ERRORS = {
  tooMany: `Cannot attach more than ${STATUS_LIMITS.maxMediaAttachments} files`,
  notFound: (ids: string[]) =>
    `Media ${ids.join(", ")} not found or already attached to another post`,
  imagesAndVideo: "Cannot attach a video to a post that already contains images",
  notReady: "Cannot attach files that have not finished processing. Try again in a moment!",
} as const;

/** Ruby's String#to_i: the leading integer, 0 without one. */
export function rubyToI(value: string): string {
  const m = /^\s*([+-]?)0*(\d+)/.exec(value);
  if (!m) return "0";
  const digits = m[2]!;
  return m[1] === "-" && digits !== "0" ? `-${digits}` : digits;
}

export interface MediaScope {
  /** A poll comes with the status: no media then. */
  poll: boolean;
  /** The status being edited: its own attachments may stay. */
  statusId?: string;
  /** The scheduled status being published: the media waiting for it. */
  scheduledStatusId?: string;
}

type MediaRow = MediaAttachmentRow & { scheduledStatusId: string | null };

/**
 * The attachments `mediaIds` name, in the order given, locked for the
 * caller's transaction; throws Mastodon's 422s. None given: none.
 */
export async function resolveMedia(
  tx: DbOrTx,
  accountId: string,
  mediaIds: readonly string[] | undefined,
  scope: MediaScope,
): Promise<MediaAttachmentRow[]> {
  if (!mediaIds || mediaIds.length === 0) return [];
  if (mediaIds.length > STATUS_LIMITS.maxMediaAttachments || scope.poll) {
    throw unprocessable(MEDIA_ERRORS.tooMany);
  }
  const wanted = mediaIds.map(rubyToI);
  const lookup = [...new Set(wanted.filter(isId))];
  const rows =
    lookup.length === 0
      ? []
      : (
          await tx.execute<Record<string, unknown>>(sql`
            SELECT m.id::text AS id, m.account_id::text AS "accountId", m.status_id::text AS "statusId",
              m.scheduled_status_id::text AS "scheduledStatusId", m.type, m.file_key AS "fileKey",
              m.file_content_type AS "fileContentType", m.file_size AS "fileSize",
              m.preview_key AS "previewKey", m.thumbnail_key AS "thumbnailKey",
              m.remote_url AS "remoteUrl", m.meta, m.description, m.blurhash, m.processing,
              m.created_at AS "createdAt", m.updated_at AS "updatedAt"
            FROM media_attachments m
            WHERE m.id = ANY(${idArray(lookup)}::bigint[]) AND m.account_id = ${accountId}::bigint
              AND (m.status_id IS NULL OR m.status_id = ${scope.statusId ?? null}::bigint)
              AND (m.scheduled_status_id IS NULL
                OR m.scheduled_status_id = ${scope.scheduledStatusId ?? null}::bigint)
            ORDER BY m.id
            FOR UPDATE`)
        ).rows.map(decodeMedia);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const missing = wanted.filter((id) => !byId.has(id));
  if (missing.length > 0) throw unprocessable(MEDIA_ERRORS.notFound(missing));
  const ordered = [...new Set(wanted)].map((id) => byId.get(id)!);
  if (ordered.length > 1 && ordered.some((m) => m.type === "video" || m.type === "audio")) {
    throw unprocessable(MEDIA_ERRORS.imagesAndVideo);
  }
  if (ordered.some((m) => m.processing !== "complete")) throw unprocessable(MEDIA_ERRORS.notReady);
  return ordered;
}

function decodeMedia(row: Record<string, unknown>): MediaRow {
  const date = (v: unknown) => (v instanceof Date ? v : new Date(String(v)));
  return {
    ...(row as unknown as MediaRow),
    fileSize: row.fileSize === null ? null : Number(row.fileSize),
    createdAt: date(row.createdAt),
    updatedAt: date(row.updatedAt),
  };
}

/** Attaches `media` to status `statusId`, in this order, as what it shows now. */
export async function attachMedia(
  tx: DbOrTx,
  statusId: string,
  media: readonly Pick<MediaAttachmentRow, "id">[],
): Promise<void> {
  const ids = idArray(media.map((m) => m.id));
  if (media.length > 0) {
    await tx.execute(sql`UPDATE media_attachments
      SET status_id = ${statusId}::bigint, scheduled_status_id = NULL, updated_at = now()
      WHERE id = ANY(${ids}::bigint[]) AND status_id IS DISTINCT FROM ${statusId}::bigint`);
  }
  await tx.execute(sql`UPDATE statuses SET ordered_media_attachment_ids = ${ids}::bigint[]
    WHERE id = ${statusId}::bigint`);
}

/** What a status shows now: its ordered attachment ids and their descriptions (Status#snapshot!). */
export async function currentMedia(
  tx: DbOrTx,
  statusId: string,
): Promise<{ ids: string[]; descriptions: (string | null)[] }> {
  const { rows } = await tx.execute<{ id: string; description: string | null }>(sql`
    SELECT m.id::text AS id, m.description
    FROM statuses s
    CROSS JOIN LATERAL unnest(coalesce(s.ordered_media_attachment_ids, ARRAY(
      SELECT a.id FROM media_attachments a WHERE a.status_id = s.id ORDER BY a.id))) WITH ORDINALITY AS o(mid, n)
    JOIN media_attachments m ON m.id = o.mid AND m.status_id = s.id
    WHERE s.id = ${statusId}::bigint
    ORDER BY o.n`);
  return { ids: rows.map((r) => r.id), descriptions: rows.map((r) => r.description) };
}

/**
 * Frees the attachments of a deleted status, as RemoveStatusService does for
 * a redraft: the client posts them again with the new status (and unused
 * ones go with the cleanup of unattached uploads).
 */
export async function releaseMedia(tx: DbOrTx, statusId: string): Promise<void> {
  await tx.execute(sql`UPDATE media_attachments SET status_id = NULL, updated_at = now()
    WHERE status_id = ${statusId}::bigint`);
}

/**
 * Deletes the attachments of a deleted status (DELETE with `delete_media`);
 * returns the storage keys of their files, for the caller to discard.
 */
export async function deleteStatusMedia(tx: DbOrTx, statusId: string): Promise<string[]> {
  const { rows } = await tx.execute<{ keys: (string | null)[] }>(sql`
    DELETE FROM media_attachments WHERE status_id = ${statusId}::bigint
    RETURNING ARRAY[file_key, preview_key, thumbnail_key] AS keys`);
  return rows.flatMap((r) => r.keys.filter((k): k is string => typeof k === "string"));
}

/**
 * Status#with_media? as a condition on the statuses row `s` (an SQL
 * reference to the table or its alias): it shows at least one attachment.
 */
export function withMedia(s: SQL): SQL {
  return sql`(CASE WHEN ${s}.ordered_media_attachment_ids IS NULL
    THEN EXISTS (SELECT 1 FROM media_attachments wm WHERE wm.status_id = ${s}.id)
    ELSE cardinality(${s}.ordered_media_attachment_ids) > 0 END)`;
}

/**
 * Status#searchable_properties as a condition: whether the statuses row `s`
 * has the property named by `name` (an SQL text): `media`, `image`, `video`,
 * `audio` (of the attachments it shows) or `poll`; any other name, none.
 */
export function hasProperty(s: SQL, name: SQL): SQL {
  const shown = sql`EXISTS (SELECT 1 FROM media_attachments pm
    WHERE pm.status_id = ${s}.id
      AND (${s}.ordered_media_attachment_ids IS NULL OR pm.id = ANY(${s}.ordered_media_attachment_ids))
      AND pm.type = ${name})`;
  return sql`(CASE ${name}
    WHEN 'media' THEN ${withMedia(s)}
    WHEN 'image' THEN ${shown}
    WHEN 'video' THEN ${shown}
    WHEN 'audio' THEN ${shown}
    WHEN 'poll' THEN EXISTS (SELECT 1 FROM polls pp WHERE pp.status_id = ${s}.id)
    ELSE FALSE END)`;
}
