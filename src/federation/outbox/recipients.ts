// Who an outgoing activity is delivered to: remote accounts Herd stores, as
// Fedify Recipients (actor id, inbox, shared inbox). Local accounts are never
// recipients (they have no inbox_url), nor suspended remote ones (Mastodon's
// inboxes_without_suspended_for). Deliveries go to shared inboxes where a
// server has one (sendActivity's preferSharedInbox), so one post reaches a
// server once however many of its accounts follow the author.
import type { Recipient } from "@fedify/vocab";
import { sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";

interface RecipientRow extends Record<string, unknown> {
  uri: string;
  inbox_url: string;
  shared_inbox_url: string | null;
}

/** What every recipient row must have: a remote, unsuspended account with an inbox. */
export const REACHABLE = sql`a.domain IS NOT NULL AND a.uri IS NOT NULL AND a.inbox_url IS NOT NULL
  AND a.suspended_at IS NULL`;

export function toRecipients(rows: readonly RecipientRow[]): Recipient[] {
  const out: Recipient[] = [];
  for (const r of rows) {
    try {
      out.push({
        id: new URL(r.uri),
        inboxId: new URL(r.inbox_url),
        endpoints: r.shared_inbox_url ? { sharedInbox: new URL(r.shared_inbox_url) } : null,
      });
    } catch {
      // A stored URL that does not parse: nothing can be delivered there.
    }
  }
  return out;
}

/** The remote account `accountId` as a recipient, if it is one. */
export async function remoteRecipient(db: Db, accountId: string): Promise<Recipient | null> {
  const result = await db.execute<RecipientRow>(sql`SELECT a.uri, a.inbox_url, a.shared_inbox_url
    FROM accounts a WHERE a.id = ${accountId} AND ${REACHABLE}`);
  return toRecipients(result.rows)[0] ?? null;
}

/**
 * The remote followers of local account `accountId`: what Fedify's
 * "followers" recipients resolve to (the followers dispatcher without a
 * cursor, collections.ts) and what posts add their other recipients to.
 */
export async function remoteFollowers(db: Db, accountId: string): Promise<Recipient[]> {
  const result = await db.execute<RecipientRow>(sql`SELECT a.uri, a.inbox_url, a.shared_inbox_url
    FROM follows f JOIN accounts a ON a.id = f.account_id
    WHERE f.target_account_id = ${accountId} AND ${REACHABLE}`);
  return toRecipients(result.rows);
}

/** Whether local account `accountId` has a remote follower to deliver to. */
export async function hasRemoteFollowers(db: Db, accountId: string): Promise<boolean> {
  const result = await db.execute(sql`SELECT 1 FROM follows f JOIN accounts a ON a.id = f.account_id
    WHERE f.target_account_id = ${accountId} AND ${REACHABLE} LIMIT 1`);
  return result.rows.length > 0;
}

/**
 * Whom local status `statusId` reaches besides its author's followers, as
 * Mastodon's StatusReachFinder#reached_account_ids: the accounts it mentions
 * (silent mentions left out: the Note does not address them); for a boost,
 * the boosted status's author; and, only for public and unlisted statuses
 * (`distributable?`), the author of the status it replies to, those who
 * boosted, favourited or replied to it, and the followers of the local
 * author it replies to (followers_inboxes for a reply to a local account).
 * A direct status reaches its mentioned accounts only; a private one adds
 * the author's followers (the caller's part).
 */
export async function statusReach(db: Db, statusId: string): Promise<Recipient[]> {
  const result = await db.execute<RecipientRow>(sql`WITH s AS (
      SELECT id, visibility IN ('public', 'unlisted') AS distributable,
        in_reply_to_id, in_reply_to_account_id, reblog_of_id
      FROM statuses WHERE id = ${statusId})
    SELECT a.uri, a.inbox_url, a.shared_inbox_url FROM accounts a
    WHERE ${REACHABLE} AND a.id IN (
      SELECT m.account_id FROM s JOIN mentions m ON m.status_id = s.id WHERE NOT m.silent
      UNION ALL
      SELECT o.account_id FROM s JOIN statuses o ON o.id = s.reblog_of_id
      UNION ALL
      SELECT s.in_reply_to_account_id FROM s WHERE s.distributable
      UNION ALL
      SELECT b.account_id FROM s JOIN statuses b ON b.reblog_of_id = s.id WHERE s.distributable
      UNION ALL
      SELECT f.account_id FROM s JOIN favourites f ON f.status_id = s.id WHERE s.distributable
      UNION ALL
      SELECT r.account_id FROM s JOIN statuses r ON r.in_reply_to_id = s.id WHERE s.distributable
      UNION ALL
      SELECT fo.account_id FROM s
        JOIN statuses p ON p.id = s.in_reply_to_id
        JOIN accounts pa ON pa.id = p.account_id AND pa.domain IS NULL
        JOIN follows fo ON fo.target_account_id = pa.id
      WHERE s.distributable)`);
  return toRecipients(result.rows);
}

/**
 * Everyone a deleted local account should hear of it, as far as Herd knows
 * (Mastodon's DeleteAccountService sends to every known inbox): its
 * followers, whom it follows or asked to, the accounts its statuses mention
 * or answer, whose statuses it favourited or boosted, and who favourited,
 * boosted or answered its statuses.
 */
export async function accountReach(db: Db, accountId: string): Promise<Recipient[]> {
  const result = await db.execute<RecipientRow>(sql`SELECT a.uri, a.inbox_url, a.shared_inbox_url
    FROM accounts a WHERE ${REACHABLE} AND a.id IN (
      SELECT account_id FROM follows WHERE target_account_id = ${accountId}
      UNION ALL SELECT target_account_id FROM follows WHERE account_id = ${accountId}
      UNION ALL SELECT target_account_id FROM follow_requests WHERE account_id = ${accountId}
      UNION ALL SELECT account_id FROM follow_requests WHERE target_account_id = ${accountId}
      UNION ALL SELECT m.account_id FROM statuses s JOIN mentions m ON m.status_id = s.id
        WHERE s.account_id = ${accountId}
      UNION ALL SELECT s.in_reply_to_account_id FROM statuses s WHERE s.account_id = ${accountId}
      UNION ALL SELECT o.account_id FROM statuses s JOIN statuses o ON o.id = s.reblog_of_id
        WHERE s.account_id = ${accountId}
      UNION ALL SELECT o.account_id FROM favourites f JOIN statuses o ON o.id = f.status_id
        WHERE f.account_id = ${accountId}
      UNION ALL SELECT f.account_id FROM statuses s JOIN favourites f ON f.status_id = s.id
        WHERE s.account_id = ${accountId}
      UNION ALL SELECT b.account_id FROM statuses s JOIN statuses b ON b.reblog_of_id = s.id
        WHERE s.account_id = ${accountId}
      UNION ALL SELECT r.account_id FROM statuses s JOIN statuses r ON r.in_reply_to_id = s.id
        WHERE s.account_id = ${accountId})`);
  return toRecipients(result.rows);
}
