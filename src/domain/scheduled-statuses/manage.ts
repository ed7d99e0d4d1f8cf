// One's scheduled statuses (https://docs.joinmastodon.org/methods/scheduled_statuses/),
// as Mastodon's Api::V1::ScheduledStatusesController: only one's own (others
// are a 404), listed newest first by id (Paginable), moved to another time
// (the same checks as when scheduled) or cancelled, which frees their media
// (has_many :media_attachments, dependent: :nullify).
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import {
  mediaAttachments,
  scheduledStatuses,
  type MediaAttachmentRow,
  type ScheduledStatusRow,
} from "../../db/schema/index.ts";
import type { PageQuery } from "../../http/pagination.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import { isId } from "../../lib/ids.ts";
import { idArray } from "../../lib/pg-arrays.ts";
import { notFound } from "../errors.ts";
import { pageClauses, toPage, type Page } from "../statuses/interactions/page.ts";
import { moveScheduledStatus, parseScheduledAt } from "./schedule.ts";

/** A page of `accountId`'s scheduled statuses. */
export async function listScheduledStatuses(
  db: Db,
  accountId: string,
  q: PageQuery,
): Promise<Page<ScheduledStatusRow>> {
  const clauses = pageClauses(scheduledStatuses.id, q);
  const rows = await db
    .select()
    .from(scheduledStatuses)
    .where(and(eq(scheduledStatuses.accountId, accountId), ...clauses.where))
    .orderBy(clauses.order)
    .limit(q.limit);
  return toPage(rows, (r) => r.id, q);
}

/** `accountId`'s scheduled status `id`, else a 404. */
export async function findScheduledStatus(
  db: Db,
  accountId: string,
  id: string,
): Promise<ScheduledStatusRow> {
  if (!isId(id)) throw notFound();
  const [row] = await db
    .select()
    .from(scheduledStatuses)
    .where(and(eq(scheduledStatuses.id, id), eq(scheduledStatuses.accountId, accountId)));
  if (!row) throw notFound();
  return row;
}

/**
 * PUT /api/v1/scheduled_statuses/:id: a new `scheduled_at` (absent: nothing
 * changes); a time too soon, or a full day or total, is a 422.
 */
export async function rescheduleStatus(
  db: Db,
  jobs: JobQueue | null,
  accountId: string,
  id: string,
  scheduledAt: string | undefined,
): Promise<ScheduledStatusRow> {
  if (!isId(id)) throw notFound();
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(scheduledStatuses)
      .where(and(eq(scheduledStatuses.id, id), eq(scheduledStatuses.accountId, accountId)))
      .for("update");
    if (!row) throw notFound();
    if (scheduledAt === undefined || scheduledAt.trim() === "") return row;
    return moveScheduledStatus(tx, jobs, row, parseScheduledAt(scheduledAt));
  });
}

/** DELETE /api/v1/scheduled_statuses/:id: it will not be posted; its media are free again. */
export async function cancelScheduledStatus(db: Db, accountId: string, id: string): Promise<void> {
  if (!isId(id)) throw notFound();
  const gone = await db
    .delete(scheduledStatuses)
    .where(and(eq(scheduledStatuses.id, id), eq(scheduledStatuses.accountId, accountId)))
    .returning({ id: scheduledStatuses.id });
  // The foreign key frees the media (ON DELETE SET NULL).
  if (gone.length === 0) throw notFound();
}

/**
 * The media waiting for each of `rows`, in the order its parameters name
 * them (the others after, by id).
 */
export async function scheduledMedia(
  db: Db,
  rows: readonly ScheduledStatusRow[],
): Promise<Map<string, MediaAttachmentRow[]>> {
  const out = new Map<string, MediaAttachmentRow[]>();
  if (rows.length === 0) return out;
  const found = await db
    .select({
      media: mediaAttachments,
      owner: sql<string>`${mediaAttachments}.scheduled_status_id::text`,
    })
    .from(mediaAttachments)
    .where(
      and(
        sql`${mediaAttachments}.scheduled_status_id = ANY(${idArray(rows.map((r) => r.id))}::bigint[])`,
        inArray(
          mediaAttachments.accountId,
          rows.map((r) => r.accountId),
        ),
      ),
    )
    .orderBy(mediaAttachments.id);
  for (const row of rows) {
    const order = (row.params.media_ids ?? []).map(String);
    const rank = (id: string) => (order.includes(id) ? order.indexOf(id) : order.length);
    const mine = found
      .filter((f) => f.owner === row.id)
      .map((f) => f.media)
      .sort((a, b) => rank(a.id) - rank(b.id));
    out.set(row.id, mine);
  }
  return out;
}
