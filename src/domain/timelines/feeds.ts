// Feed maintenance hooks: every domain function that changes what belongs in
// a home or list feed calls one of these, in its own transaction. The
// timelines issue owns the rules and the (durable, queued) fan-out behind them.
// These first versions are synchronous and simple so that the rest of the
// social core can be built and tested against them.
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import type { StatusRow } from "../../db/schema/index.ts";

/** A status was created (a post, a reply or a boost). */
export async function onStatusCreated(tx: DbOrTx, status: StatusRow): Promise<void> {
  if (status.visibility === "direct") {
    // Direct statuses reach the author's and the mentioned accounts' home feeds.
    await tx.execute(sql`INSERT INTO home_feed_entries (account_id, status_id, reblog_of_id)
      SELECT a, ${status.id}, ${status.reblogOfId ?? status.id}
      FROM (SELECT ${status.accountId}::bigint AS a UNION SELECT account_id FROM mentions WHERE status_id = ${status.id}) x
      ON CONFLICT DO NOTHING`);
    return;
  }
  await tx.execute(sql`INSERT INTO home_feed_entries (account_id, status_id, reblog_of_id)
    SELECT a, ${status.id}, ${status.reblogOfId ?? status.id}
    FROM (SELECT ${status.accountId}::bigint AS a
          UNION SELECT account_id FROM follows WHERE target_account_id = ${status.accountId}) x
    ON CONFLICT DO NOTHING`);
}

/** A status was deleted: it leaves every feed. */
export async function onStatusDeleted(tx: DbOrTx, status: Pick<StatusRow, "id">): Promise<void> {
  await tx.execute(sql`DELETE FROM home_feed_entries WHERE status_id = ${status.id}`);
  await tx.execute(sql`DELETE FROM list_feed_entries WHERE status_id = ${status.id}`);
}

/** `accountId` now follows `targetAccountId`: merge the target's recent statuses. */
export async function onFollow(
  tx: DbOrTx,
  accountId: string,
  targetAccountId: string,
): Promise<void> {
  void tx;
  void accountId;
  void targetAccountId;
}

/** `accountId` no longer follows (or blocked, or muted) `targetAccountId`: unmerge. */
export async function onUnfollow(
  tx: DbOrTx,
  accountId: string,
  targetAccountId: string,
): Promise<void> {
  await tx.execute(sql`DELETE FROM home_feed_entries h USING statuses s
    WHERE h.account_id = ${accountId} AND h.status_id = s.id AND s.account_id = ${targetAccountId}`);
}
