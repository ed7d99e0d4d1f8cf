// Finding the status an interaction is about, as Mastodon's
// Api::V1::Statuses::BaseController#set_status: the status must exist and be
// visible to the viewer (StatusPolicy#show?), else it is a 404 that does not
// tell a hidden status from a missing one.
// https://docs.joinmastodon.org/methods/statuses/
import { and, eq, isNull, sql } from "drizzle-orm";
import type { DbOrTx } from "../../../db/database.ts";
import { blocks, statuses, type StatusRow } from "../../../db/schema/index.ts";
import { isId } from "../../../lib/ids.ts";
import { notFound } from "../../errors.ts";
import { statusVisibleTo } from "../visibility.ts";

/** The status `id` if it exists and `viewerId` may see it, else null. */
export async function findVisibleStatus(
  db: DbOrTx,
  id: string,
  viewerId: string | null,
): Promise<StatusRow | null> {
  if (!isId(id)) return null;
  const [row] = await db
    .select()
    .from(statuses)
    .where(and(eq(statuses.id, id), statusVisibleTo(viewerId)))
    .limit(1);
  return row ?? null;
}

/** As findVisibleStatus, but a 404 DomainError when it is missing or hidden. */
export async function requireVisibleStatus(
  db: DbOrTx,
  id: string,
  viewerId: string | null,
): Promise<StatusRow> {
  const row = await findVisibleStatus(db, id, viewerId);
  if (!row) throw notFound();
  return row;
}

/** The status `id` when it exists and is not deleted, whoever may see it. */
export async function findLiveStatus(db: DbOrTx, id: string): Promise<StatusRow | null> {
  if (!isId(id)) return null;
  const [row] = await db
    .select()
    .from(statuses)
    .where(and(eq(statuses.id, id), isNull(statuses.deletedAt)))
    .limit(1);
  return row ?? null;
}

/**
 * The status an interaction lands on: a boost stands for the status it
 * boosts (Mastodon's Favourite and Bookmark models and ReblogService swap a
 * reblog for its original). A visible boost implies a visible original.
 */
export async function original(db: DbOrTx, status: StatusRow): Promise<StatusRow> {
  if (status.reblogOfId === null) return status;
  const found = await findLiveStatus(db, status.reblogOfId);
  if (!found) throw notFound();
  return found;
}

/** Whether `accountId` blocks `targetAccountId` (StatusPolicy#blocking_author?). */
export async function isBlocking(
  db: DbOrTx,
  accountId: string,
  targetAccountId: string,
): Promise<boolean> {
  const [row] = await db
    .select({ one: sql<number>`1` })
    .from(blocks)
    .where(and(eq(blocks.accountId, accountId), eq(blocks.targetAccountId, targetAccountId)))
    .limit(1);
  return row !== undefined;
}
