// What remote accounts do to statuses, as Mastodon's ActivityPub::Activity
// Announce, Like, Undo, Add and Remove do:
// - a boost (Announce) of a status the booster may see (visibility.ts): only
//   public and unlisted ones, or its own private ones (announceable?); one
//   per booster and status; counters, the author's "reblog" notification
//   when local, the feeds of the booster's local followers when recent;
// - a favourite (Like) of a status it may see, stored with its activity id
//   for Undo; the local author is notified; taking it back withdraws both;
// - pins (Add/Remove to its featured collection) of its own statuses, not
//   boosts nor direct ones.
import { and, eq, isNull, or, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../../db/database.ts";
import {
  accounts,
  favourites,
  statusPins,
  statuses,
  type StatusRow,
  type Visibility,
} from "../../../db/schema/index.ts";
import type { JobQueue } from "../../../jobs/queue.ts";
import { newId } from "../../../lib/ids.ts";
import { emit } from "../../events/emit.ts";
import { statusEvent } from "../../events/types.ts";
import { withdrawNotifications } from "../../notifications/dismiss.ts";
import { notify } from "../../notifications/notify.ts";
import { onStatusCreated } from "../../timelines/feeds.ts";
import { postedAt, REALTIME_WINDOW_MS, tombstoneExists } from "../remote-status-parts.ts";
import { findVisibleStatus } from "./target.ts";

async function isLocal(db: DbOrTx, accountId: string): Promise<boolean> {
  const [row] = await db
    .select({ domain: accounts.domain })
    .from(accounts)
    .where(eq(accounts.id, accountId));
  return row !== undefined && row.domain === null;
}

export interface RemoteReblog {
  /** The booster (a remote account). */
  accountId: string;
  /** The status boosted (not a boost). */
  statusId: string;
  /** The Announce's id. */
  uri: string;
  visibility: Visibility;
  createdAt: Date;
}

/** Stores a remote boost; returns it (or the booster's existing one), null when not allowed. */
export async function createRemoteReblog(
  db: Db,
  reblog: RemoteReblog,
  jobs: JobQueue | null,
): Promise<StatusRow | null> {
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`SELECT pg_advisory_xact_lock(hashtextextended(${`status:${reblog.uri}`}, 0))`,
    );
    if (await tombstoneExists(tx, reblog.uri)) return null;
    const original = await findVisibleStatus(tx, reblog.statusId, reblog.accountId);
    if (!original || original.reblogOfId !== null) return null;
    const own = original.accountId === reblog.accountId;
    const announceable =
      original.visibility === "public" ||
      original.visibility === "unlisted" ||
      (own && original.visibility === "private");
    if (!announceable) return null;
    const [existing] = await tx
      .select()
      .from(statuses)
      .where(
        and(
          eq(statuses.accountId, reblog.accountId),
          or(eq(statuses.reblogOfId, original.id), eq(statuses.uri, reblog.uri)),
          isNull(statuses.deletedAt),
        ),
      )
      .limit(1);
    if (existing) return existing;
    const now = new Date();
    const createdAt = postedAt(reblog.createdAt, now);
    const [boost] = await tx
      .insert(statuses)
      .values({
        id: newId(createdAt),
        uri: reblog.uri,
        accountId: reblog.accountId,
        reblogOfId: original.id,
        visibility: reblog.visibility,
        local: false,
        createdAt,
      })
      .onConflictDoNothing()
      .returning();
    if (!boost) return null;
    if (boost.visibility !== "direct") {
      // The account's row before the status's, as a remote reply locks them
      // (remote-statuses.ts): a reply and a boost by one account to one
      // status, delivered at once, deadlocked the other way round.
      await tx
        .update(accounts)
        .set({ statusesCount: sql`${accounts.statusesCount} + 1` })
        .where(eq(accounts.id, reblog.accountId));
      await tx
        .update(statuses)
        .set({ reblogsCount: sql`${statuses.reblogsCount} + 1` })
        .where(eq(statuses.id, original.id));
    }
    if (await isLocal(tx, original.accountId)) {
      await notify(tx, {
        accountId: original.accountId,
        fromAccountId: reblog.accountId,
        type: "reblog",
        statusId: original.id,
      });
    }
    if (now.getTime() - createdAt.getTime() <= REALTIME_WINDOW_MS) {
      await onStatusCreated(tx, boost, jobs);
    }
    await emit(tx, statusEvent("status.created", boost));
    return boost;
  });
}

/** Remote account `accountId` favourites status `statusId` (Like `uri`); false when not allowed. */
export async function receiveFavourite(
  db: Db,
  accountId: string,
  statusId: string,
  uri: string | null,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const status = await findVisibleStatus(tx, statusId, accountId);
    if (!status || status.reblogOfId !== null) return false;
    const inserted = await tx
      .insert(favourites)
      .values({ id: newId(), accountId, statusId: status.id, uri })
      .onConflictDoNothing({ target: [favourites.accountId, favourites.statusId] })
      .returning({ id: favourites.id });
    if (inserted.length === 0) return true;
    await tx
      .update(statuses)
      .set({ favouritesCount: sql`${statuses.favouritesCount} + 1` })
      .where(eq(statuses.id, status.id));
    if (await isLocal(tx, status.accountId)) {
      await notify(tx, {
        accountId: status.accountId,
        fromAccountId: accountId,
        type: "favourite",
        statusId: status.id,
      });
    }
    return true;
  });
}

/**
 * `accountId` takes back its favourite: of status `statusId`, or the one
 * made by Like `uri`. Returns whether there was one.
 */
export async function withdrawFavourite(
  db: Db,
  accountId: string,
  target: { statusId?: string | null; uri?: string | null },
): Promise<boolean> {
  const which = [
    target.statusId ? eq(favourites.statusId, target.statusId) : undefined,
    target.uri ? eq(favourites.uri, target.uri) : undefined,
  ].filter((c) => c !== undefined);
  if (which.length === 0) return false;
  return db.transaction(async (tx) => {
    const removed = await tx
      .delete(favourites)
      .where(and(eq(favourites.accountId, accountId), or(...which)))
      .returning({ statusId: favourites.statusId });
    for (const r of removed) {
      const [status] = await tx
        .update(statuses)
        .set({ favouritesCount: sql`greatest(${statuses.favouritesCount} - 1, 0)` })
        .where(eq(statuses.id, r.statusId))
        .returning({ accountId: statuses.accountId });
      if (status) {
        await withdrawNotifications(tx, {
          accountId: status.accountId,
          fromAccountId: accountId,
          type: "favourite",
          statusId: r.statusId,
        });
      }
    }
    return removed.length > 0;
  });
}

/** Remote account `accountId` pins its status `statusId` (Add to its featured collection). */
export async function pinRemoteStatus(
  db: Db,
  accountId: string,
  statusId: string,
): Promise<boolean> {
  const [status] = await db
    .select()
    .from(statuses)
    .where(and(eq(statuses.id, statusId), isNull(statuses.deletedAt)));
  if (
    !status ||
    status.accountId !== accountId ||
    status.reblogOfId !== null ||
    status.visibility === "direct"
  ) {
    return false;
  }
  await db
    .insert(statusPins)
    .values({ id: newId(), accountId, statusId })
    .onConflictDoNothing({ target: [statusPins.accountId, statusPins.statusId] });
  return true;
}

/** Remote account `accountId` unpins status `statusId` (Remove from its featured collection). */
export async function unpinRemoteStatus(
  db: Db,
  accountId: string,
  statusId: string,
): Promise<void> {
  await db
    .delete(statusPins)
    .where(and(eq(statusPins.accountId, accountId), eq(statusPins.statusId, statusId)));
}
