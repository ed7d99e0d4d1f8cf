// Boosting and unboosting, as Mastodon's ReblogService, StatusPolicy#reblog?
// and Api::V1::Statuses::ReblogsController
// (https://docs.joinmastodon.org/methods/statuses/#boost, #unreblog):
// - the status must be visible to the viewer (else 404); boosting a boost
//   boosts the original;
// - direct statuses cannot be boosted, private ones only by their author, and
//   not statuses of an author the viewer blocks: 403 "This action is not allowed";
// - a boost is a status row with reblog_of_id; boosting twice returns the
//   boost that exists;
// - its visibility is the `visibility` parameter, else the booster's default
//   privacy; a private status keeps its own when its author boosts it; a
//   limited (silenced) booster's public boosts are unlisted;
// - reblogs_count and the booster's statuses_count change in the same
//   transaction (not for direct boosts, as Status#increment_counter_caches);
//   the author is notified ("reblog"); the feeds hear of it;
// - unboosting deletes the boost as DELETE /api/v1/statuses/:id would, and
//   answers with the original, even when the viewer can no longer see it.
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../../db/database.ts";
import { accounts, statuses, type StatusRow } from "../../../db/schema/index.ts";
import { isId, newId } from "../../../lib/ids.ts";
import type { Urls } from "../../../urls.ts";
import { DomainError, forbidden, notFound, unprocessable } from "../../errors.ts";
import { emit } from "../../events/emit.ts";
import { statusEvent } from "../../events/types.ts";
import { notify } from "../../notifications/notify.ts";
import type { JobQueue } from "../../../jobs/queue.ts";
import { onStatusCreated } from "../../timelines/feeds.ts";
import { defaultVisibility, type Author } from "../create-status.ts";
import { deleteStatus } from "../delete-status.ts";
import { isVisibility } from "../validate.ts";
import { isBlocking, original, requireVisibleStatus } from "./target.ts";

function parseVisibility(value: string | undefined) {
  if (value === undefined || value === "") return undefined;
  if (!isVisibility(value)) {
    throw unprocessable("Validation failed: Visibility is not included in the list");
  }
  return value;
}

/** The booster's live boost of `statusId`, if any. */
export async function liveBoostOf(
  db: DbOrTx,
  accountId: string,
  statusId: string,
): Promise<StatusRow | null> {
  const [row] = await db
    .select()
    .from(statuses)
    .where(
      and(
        eq(statuses.accountId, accountId),
        eq(statuses.reblogOfId, statusId),
        isNull(statuses.deletedAt),
      ),
    )
    .limit(1);
  return row ?? null;
}

/** Boosts status `id`; returns the id of the boost (new or existing). */
export async function reblogStatus(
  db: Db,
  urls: Urls,
  booster: Author,
  id: string,
  options: { visibility?: string; jobs?: JobQueue | null } = {},
): Promise<string> {
  const wanted = parseVisibility(options.visibility);
  const accountId = booster.account.id;
  return db.transaction(async (tx) => {
    const status = await original(tx, await requireVisibleStatus(tx, id, accountId));
    const owned = status.accountId === accountId;
    if (
      status.visibility === "direct" ||
      (status.visibility === "private" && !owned) ||
      (await isBlocking(tx, accountId, status.accountId))
    ) {
      throw forbidden();
    }
    const existing = await liveBoostOf(tx, accountId, status.id);
    if (existing) return existing.id;

    // Status#hidden?: only the author reaches here with a private status.
    let visibility =
      status.visibility === "private" ? status.visibility : (wanted ?? defaultVisibility(booster));
    // Status#set_visibility: a limited (silenced) account does not post publicly.
    if (visibility === "public" && booster.account.silencedAt) visibility = "unlisted";
    const boostId = newId();
    const uri = `${urls.actor(booster.account.username)}/statuses/${boostId}/activity`;
    const [boost] = await tx
      .insert(statuses)
      .values({
        id: boostId,
        uri,
        accountId,
        reblogOfId: status.id,
        visibility,
        local: true,
        applicationId: null,
      })
      .onConflictDoNothing({
        target: [statuses.accountId, statuses.reblogOfId],
        where: sql`${statuses.reblogOfId} IS NOT NULL AND ${statuses.deletedAt} IS NULL`,
      })
      .returning();
    if (!boost) {
      // A concurrent request made the boost first.
      const made = await liveBoostOf(tx, accountId, status.id);
      if (made) return made.id;
      throw forbidden();
    }
    if (visibility !== "direct") {
      // The account's row before the status's, as posting and deleting lock
      // them: a reply and a boost by one account to one status, in two
      // transactions at once, would otherwise deadlock.
      await tx
        .update(accounts)
        .set({ statusesCount: sql`${accounts.statusesCount} + 1`, lastStatusAt: new Date() })
        .where(eq(accounts.id, accountId));
      await tx
        .update(statuses)
        .set({ reblogsCount: sql`${statuses.reblogsCount} + 1` })
        .where(eq(statuses.id, status.id));
    }
    await onStatusCreated(tx, boost, options.jobs);
    await emit(tx, statusEvent("status.created", boost));
    await notify(tx, {
      accountId: status.accountId,
      fromAccountId: accountId,
      type: "reblog",
      statusId: status.id,
    });
    return boost.id;
  });
}

/**
 * Takes back `accountId`'s boost of status `id` (the boosted status's id, as
 * Mastodon finds it); returns the id of the boosted status. Discarding the
 * boost is deleting a status (counters, feeds, the notification).
 */
export async function unreblogStatus(db: Db, accountId: string, id: string): Promise<string> {
  if (!isId(id)) throw notFound();
  const boost = await liveBoostOf(db, accountId, id);
  if (boost) {
    try {
      await deleteStatus(db, accountId, boost.id);
      return id;
    } catch (error) {
      // Deleted by a concurrent request: then there is no boost to undo.
      if (!(error instanceof DomainError && error.kind === "not_found")) throw error;
    }
  }
  await requireVisibleStatus(db, id, accountId);
  return id;
}
