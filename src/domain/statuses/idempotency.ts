// The Idempotency-Key of POST /api/v1/statuses
// (https://docs.joinmastodon.org/methods/statuses/#create): the same key
// within an hour answers what the first request made, a status or a
// scheduled status (PostStatusService#with_idempotency). Claimed in the
// posting transaction, so two requests with one key never both post.
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import { notFound } from "../errors.ts";

/** What POST /api/v1/statuses made: a status, or a status scheduled for later. */
export type Posted = { scheduled: false; id: string } | { scheduled: true; id: string };

/**
 * Claims the Idempotency-Key for this request; returns what an earlier
 * request with the key made within the hour, if anything.
 */
export async function claimIdempotencyKey(
  tx: DbOrTx,
  accountId: string,
  key: string,
): Promise<Posted | null> {
  const claimed = await tx.execute(sql`
    INSERT INTO idempotency_keys (account_id, key, status_id, created_at)
    VALUES (${accountId}::bigint, ${key}, NULL, now())
    ON CONFLICT (account_id, key) DO UPDATE
      SET status_id = NULL, scheduled_status_id = NULL, created_at = now()
      WHERE idempotency_keys.created_at < now() - interval '1 hour'
    RETURNING 1`);
  if (claimed.rows.length > 0) return null;
  const { rows } = await tx.execute<{
    status_id: string | null;
    scheduled_status_id: string | null;
    gone: boolean;
  }>(sql`
    SELECT k.status_id::text AS status_id, k.scheduled_status_id::text AS scheduled_status_id,
      (k.status_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM statuses s
        WHERE s.id = k.status_id AND s.deleted_at IS NULL)) AS gone
    FROM idempotency_keys k WHERE k.account_id = ${accountId}::bigint AND k.key = ${key}`);
  const row = rows[0];
  if (row?.scheduled_status_id) return { scheduled: true, id: row.scheduled_status_id };
  if (!row?.status_id) return null;
  // The status it made is gone: as Mastodon's Status.find, a 404.
  if (row.gone) throw notFound();
  return { scheduled: false, id: row.status_id };
}

/** Notes what the claimed key made. */
export async function recordIdempotencyKey(
  tx: DbOrTx,
  accountId: string,
  key: string,
  posted: Posted,
): Promise<void> {
  await tx.execute(sql`UPDATE idempotency_keys
    SET status_id = ${posted.scheduled ? null : posted.id}::bigint,
      scheduled_status_id = ${posted.scheduled ? posted.id : null}::bigint
    WHERE account_id = ${accountId}::bigint AND key = ${key}`);
}
