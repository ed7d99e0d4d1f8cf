// Reading statuses: one status, several at once, a status's source and its
// edit history (https://docs.joinmastodon.org/methods/statuses/), as
// Mastodon's StatusesController#show and #index and the Statuses::Histories
// and Statuses::Sources controllers. Each asks StatusPolicy#show?
// (statusVisibleTo) and answers 404 for what the viewer may not see, so that
// a hidden status cannot be told from a missing one.
import { and, asc, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { SelectedFields } from "drizzle-orm/pg-core";
import type { Db } from "../../db/database.ts";
import { preparedFor } from "../../db/prepared.ts";
import { statusEdits, statuses, type StatusRow } from "../../db/schema/index.ts";
import { isId } from "../../lib/ids.ts";
import { notFound } from "../errors.ts";
import { notHiddenBy, statusVisibleTo } from "./visibility.ts";

/**
 * StatusPolicy#show? for one status, prepared once per database handle (the
 * statement behind every GET /api/v1/statuses/:id; bench/profile.ts).
 */
const visibleStatus = (withViewer: boolean) =>
  preparedFor((db) =>
    db
      .select()
      .from(statuses)
      .where(
        and(
          eq(statuses.id, sql`${sql.placeholder("id")}::bigint`),
          statusVisibleTo(withViewer ? sql`${sql.placeholder("viewer")}::bigint` : null),
        ),
      )
      .limit(1)
      .prepare(withViewer ? "herd_visible_status" : "herd_visible_status_visitor"),
  );
const visibleStatusToViewer = visibleStatus(true);

/**
 * The `columns` of status `id` (a placeholder) if `viewer` (a placeholder;
 * none for a visitor) may see it: requireStatus's rule, for readers that read more in
 * the same round trip (the client API renders the status with it).
 */
export function visibleStatusQuery(db: Db, withViewer: boolean, columns: SelectedFields) {
  return db
    .select(columns)
    .from(statuses)
    .where(
      and(
        eq(statuses.id, sql`${sql.placeholder("id")}::bigint`),
        statusVisibleTo(withViewer ? sql`${sql.placeholder("viewer")}::bigint` : null),
      ),
    )
    .limit(1);
}
const visibleStatusToVisitor = visibleStatus(false);

/** The status `id` if `viewerId` may see it, else a 404. */
export async function requireStatus(
  db: Db,
  id: string,
  viewerId: string | null,
): Promise<StatusRow> {
  if (!isId(id)) throw notFound();
  const [status] =
    viewerId === null
      ? await visibleStatusToVisitor(db).execute({ id })
      : await visibleStatusToViewer(db).execute({ id, viewer: viewerId });
  if (!status) throw notFound();
  return status;
}

/** The ids of `ids` that meet `condition`, in the order asked, duplicates dropped. */
async function idsWhere(db: Db, ids: readonly string[], condition: SQL): Promise<string[]> {
  const wanted = [...new Set(ids.filter(isId))];
  if (wanted.length === 0) return [];
  const rows = await db
    .select({ id: statuses.id })
    .from(statuses)
    .where(and(inArray(statuses.id, wanted), condition));
  const found = new Set(rows.map((r) => r.id));
  return wanted.filter((id) => found.has(id));
}

/**
 * The ids of `ids` the viewer may see, in the order asked, duplicates
 * dropped (Status.permitted_statuses_from_ids: StatusPolicy, then what the
 * viewer blocks or mutes).
 */
export function permittedStatusIds(
  db: Db,
  ids: readonly string[],
  viewerId: string | null,
): Promise<string[]> {
  return idsWhere(db, ids, and(statusVisibleTo(viewerId), notHiddenBy(viewerId))!);
}

/**
 * The ids of `ids` the viewer may see (StatusPolicy only), in the order
 * asked: for entities that show a status beside something else, such as a
 * notification request's last status.
 */
export function visibleStatusIds(
  db: Db,
  ids: readonly string[],
  viewerId: string | null,
): Promise<string[]> {
  return idsWhere(db, ids, statusVisibleTo(viewerId));
}

/** What GET /api/v1/statuses/:id/source shows. */
export interface StatusSourceView {
  id: string;
  text: string;
  spoilerText: string;
}

export async function statusSource(
  db: Db,
  id: string,
  viewerId: string | null,
): Promise<StatusSourceView> {
  const status = await requireStatus(db, id, viewerId);
  return { id: status.id, text: status.text, spoilerText: status.spoilerText };
}

/** One version of a status in its history. */
export interface StatusVersion {
  accountId: string;
  text: string;
  content: string;
  spoilerText: string;
  sensitive: boolean;
  createdAt: Date;
}

/**
 * Every version of status `id`, oldest first, the current one last; a
 * status never edited has one version, itself (StatusesController::Histories).
 */
export async function statusHistory(
  db: Db,
  id: string,
  viewerId: string | null,
): Promise<StatusVersion[]> {
  const status = await requireStatus(db, id, viewerId);
  const edits = await db
    .select()
    .from(statusEdits)
    .where(eq(statusEdits.statusId, status.id))
    .orderBy(asc(statusEdits.createdAt), asc(statusEdits.id));
  if (edits.length === 0) {
    return [
      {
        accountId: status.accountId,
        text: status.text,
        content: status.content,
        spoilerText: status.spoilerText,
        sensitive: status.sensitive,
        createdAt: status.editedAt ?? status.createdAt,
      },
    ];
  }
  return edits.map((e) => ({
    accountId: e.accountId ?? status.accountId,
    text: e.text,
    content: e.content,
    spoilerText: e.spoilerText,
    sensitive: e.sensitive,
    createdAt: e.createdAt,
  }));
}
