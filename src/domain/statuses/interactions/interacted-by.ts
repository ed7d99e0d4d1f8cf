// Who favourited or boosted a status, as Mastodon's
// Api::V1::Statuses::FavouritedByAccountsController and
// RebloggedByAccountsController
// (https://docs.joinmastodon.org/methods/statuses/#favourited_by, #reblogged_by):
// - the status must be visible to the viewer (else 404);
// - suspended accounts are left out, and for a signed-in viewer the accounts
//   they block or mute and those that block them
//   (Account.not_excluded_by_account);
// - boosters are those of public or unlisted boosts only, so a private boost
//   stays among its author's followers;
// - pages run by the favourite id, or by the boost's status id.
import { and, eq, inArray, isNull, sql, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { Db } from "../../../db/database.ts";
import { accounts, favourites, statuses } from "../../../db/schema/index.ts";
import type { PageQuery } from "../../../http/pagination.ts";
import { pageClauses, toPage, type Page } from "./page.ts";
import { requireVisibleStatus } from "./target.ts";

export interface Interaction {
  /** The favourite id or the boost's status id: the pagination cursor. */
  id: string;
  accountId: string;
}

/** The accounts row is one the viewer does not exclude, and not suspended. */
function shownTo(viewerId: string | null): SQL {
  const notSuspended = isNull(accounts.suspendedAt);
  if (viewerId === null) return notSuspended;
  const v = sql`${viewerId}::bigint`;
  return sql`(${notSuspended} AND NOT EXISTS (
      SELECT 1 FROM blocks b WHERE (b.account_id = ${v} AND b.target_account_id = ${accounts.id})
                                OR (b.account_id = ${accounts.id} AND b.target_account_id = ${v}))
    AND NOT EXISTS (
      SELECT 1 FROM mutes m WHERE m.account_id = ${v} AND m.target_account_id = ${accounts.id}
                              AND (m.expires_at IS NULL OR m.expires_at > now())))`;
}

/** Where the interactions with a status are: their rows, cursor and account. */
interface Interactions {
  table: PgTable;
  id: PgColumn;
  accountId: PgColumn;
  /** The rows about status `statusId`. */
  about: (statusId: string) => SQL | undefined;
}

const FAVOURITES: Interactions = {
  table: favourites,
  id: favourites.id,
  accountId: favourites.accountId,
  about: (statusId) => eq(favourites.statusId, statusId),
};

const BOOSTS: Interactions = {
  table: statuses,
  id: statuses.id,
  accountId: statuses.accountId,
  about: (statusId) =>
    and(
      eq(statuses.reblogOfId, statusId),
      inArray(statuses.visibility, ["public", "unlisted"]),
      isNull(statuses.deletedAt),
    ),
};

async function interactionsPage(
  source: Interactions,
  db: Db,
  viewerId: string | null,
  id: string,
  q: PageQuery,
): Promise<Page<Interaction>> {
  const status = await requireVisibleStatus(db, id, viewerId);
  const { where, order } = pageClauses(source.id, q);
  const rows: Interaction[] = await db
    .select({ id: sql<string>`${source.id}`, accountId: sql<string>`${source.accountId}` })
    .from(source.table)
    .innerJoin(accounts, eq(accounts.id, source.accountId))
    .where(and(source.about(status.id), shownTo(viewerId), ...where))
    .orderBy(order)
    .limit(q.limit);
  return toPage(rows, (r) => r.id, q);
}

/** A page of the accounts that favourited status `id`. */
export function favouritedBy(
  db: Db,
  viewerId: string | null,
  id: string,
  q: PageQuery,
): Promise<Page<Interaction>> {
  return interactionsPage(FAVOURITES, db, viewerId, id, q);
}

/** A page of the accounts that boosted status `id` in public or unlisted. */
export function rebloggedBy(
  db: Db,
  viewerId: string | null,
  id: string,
  q: PageQuery,
): Promise<Page<Interaction>> {
  return interactionsPage(BOOSTS, db, viewerId, id, q);
}
