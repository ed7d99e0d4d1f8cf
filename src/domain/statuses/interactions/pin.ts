// Pinning one's own statuses to the profile, as Mastodon's
// Api::V1::Statuses::PinsController and StatusPinValidator
// (https://docs.joinmastodon.org/methods/statuses/#pin, #unpin):
// - the status must be visible to the viewer (else 404);
// - it must be the viewer's own, not a boost, not direct (private ones may
//   be pinned since Mastodon 3.5), and a local account pins at most 5: each
//   broken rule is one message of a 422 "Validation failed: ...";
// - pinning a pinned status again is Mastodon's 422 "Duplicate record";
// - unpinning is idempotent.
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../../../db/database.ts";
import { accounts, statusPins, statuses } from "../../../db/schema/index.ts";
import { newId } from "../../../lib/ids.ts";
import { unprocessable } from "../../errors.ts";
import { emit } from "../../events/emit.ts";
import { requireVisibleStatus } from "./target.ts";

/** StatusPinValidator::PIN_LIMIT (also the instance's max_pinned_statuses). */
export const MAX_PINNED_STATUSES = 5;

/** Pins status `id` to `accountId`'s profile; returns the id of the status to show. */
export async function pinStatus(db: Db, accountId: string, id: string): Promise<string> {
  return db.transaction(async (tx) => {
    const status = await requireVisibleStatus(tx, id, accountId);
    // One pin at a time per account, so that the limit holds under concurrent requests.
    await tx.execute(sql`SELECT 1 FROM ${accounts} WHERE ${accounts.id} = ${accountId} FOR UPDATE`);
    const [{ count } = { count: 0 }] = await tx
      .select({ count: sql<number>`count(*)::int` })
      .from(statusPins)
      .innerJoin(statuses, eq(statuses.id, statusPins.statusId))
      .where(and(eq(statusPins.accountId, accountId), isNull(statuses.deletedAt)));
    const errors: string[] = [];
    if (status.reblogOfId !== null) errors.push("A boost cannot be pinned");
    if (status.accountId !== accountId) errors.push("Someone else's post cannot be pinned");
    if (status.visibility === "direct") {
      errors.push("Posts that are only visible to mentioned users cannot be pinned");
    }
    if (count >= MAX_PINNED_STATUSES) {
      errors.push("You have already pinned the maximum number of posts");
    }
    if (errors.length > 0) throw unprocessable(`Validation failed: ${errors.join(", ")}`);
    const inserted = await tx
      .insert(statusPins)
      .values({ id: newId(), accountId, statusId: status.id })
      .onConflictDoNothing({ target: [statusPins.accountId, statusPins.statusId] })
      .returning({ id: statusPins.id });
    if (!inserted[0]) throw unprocessable("Duplicate record");
    await emit(tx, {
      type: "status.pinned",
      pinId: inserted[0].id,
      accountId,
      statusId: status.id,
    });
    return status.id;
  });
}

/** Unpins status `id` from `accountId`'s profile; returns the id of the status to show. */
export async function unpinStatus(db: Db, accountId: string, id: string): Promise<string> {
  return db.transaction(async (tx) => {
    const status = await requireVisibleStatus(tx, id, accountId);
    const [removed] = await tx
      .delete(statusPins)
      .where(and(eq(statusPins.accountId, accountId), eq(statusPins.statusId, status.id)))
      .returning({ id: statusPins.id });
    if (removed) {
      await emit(tx, {
        type: "status.unpinned",
        pinId: removed.id,
        accountId,
        statusId: status.id,
      });
    }
    return status.id;
  });
}
