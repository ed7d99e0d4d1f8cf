// Delivering a new status into home and list feeds, as Mastodon's
// FanOutOnWriteService and FeedInsertWorker: the author's own home feed at
// once, then (in a queued job) the followers' home feeds, the lists that
// include the author, and the home feeds of those who follow its hashtags.
// Each INSERT … SELECT checks a whole batch of receivers with the rules of
// feed-filter.ts.
import { sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import type { Visibility } from "../../db/schema/index.ts";
import { emit } from "../events/emit.ts";
import { feedInserted } from "../events/types.ts";
import { notify } from "../notifications/notify.ts";
import {
  filteredFromHome,
  filteredFromHomeOf,
  filteredFromList,
  filteredFromTags,
  ORIGINAL_OF_S,
  shownRecently,
} from "./feed-filter.ts";
import type { HomeStatus } from "./home-status.ts";

/** Followers handled per transaction, so that a popular account's fan-out holds no long locks. */
export const FAN_OUT_BATCH = 5_000;

/** A bigint[] parameter. */
export const idArray = (ids: readonly string[]) => sql`${sql.param(ids)}::bigint[]`;

/** Local accounts that can read a home feed. */
const localReceiver = (id: SQL) =>
  sql`EXISTS (SELECT 1 FROM accounts ra WHERE ra.id = ${id} AND ra.domain IS NULL AND ra.suspended_at IS NULL)`;

/**
 * Puts status `statusId` into the home feed of its author, if local
 * (FanOutOnWriteService#deliver_to_self!): part of the request that posts it,
 * so that the author sees it at once.
 */
export async function deliverToAuthor(tx: DbOrTx, statusId: string): Promise<void> {
  const author = sql.raw("s.account_id");
  const result =
    await tx.execute(sql`INSERT INTO home_feed_entries (account_id, status_id, reblog_of_id)
    SELECT s.account_id, s.id, ${ORIGINAL_OF_S} FROM statuses s
    WHERE s.id = ${statusId} AND s.deleted_at IS NULL AND ${localReceiver(author)}
      AND NOT ${shownRecently("home_feed_entries", author)}
    ON CONFLICT DO NOTHING RETURNING account_id::text AS id`);
  await landed(tx, "home", statusId, result.rows);
}

/**
 * Tells of the feeds status `statusId` just entered (the owners an INSERT
 * returned), as FeedManager#push_to_home and #push_to_list publish each push
 * for the streaming API; returns how many.
 */
async function landed(
  tx: DbOrTx,
  feed: "home" | "list",
  statusId: string,
  rows: Record<string, unknown>[],
): Promise<number> {
  const owners = rows.map((r) => String(r.id));
  await emit(tx, ...feedInserted(feed, statusId, owners));
  return rows.length;
}

interface FanOutTarget {
  /** What the home rules read of it (its author and visibility too). */
  status: HomeStatus;
  /** A status of this server: followers' streams were told at `feed.fan-out`. */
  local: boolean;
  /** Public, not a boost, author not silenced: reaches those following its hashtags. */
  toTagFollowers: boolean;
  /**
   * Some list includes the author; someone follows one of its hashtags. When
   * not (most statuses), their statements are not run: they would only take
   * the database's time while the streams are being told of the home feeds.
   */
  listed: boolean;
  tagFollowed: boolean;
}

async function loadTarget(db: DbOrTx, statusId: string): Promise<FanOutTarget | null> {
  const { rows } = await db.execute<{
    account_id: string;
    local: boolean;
    visibility: Visibility;
    reblog_of_id: string | null;
    in_reply_to_id: string | null;
    in_reply_to_account_id: string | null;
    language: string | null;
    silenced: boolean;
    listed: boolean;
    tag_followed: boolean;
  }>(sql`SELECT s.account_id::text, s.local, s.visibility, s.reblog_of_id::text,
      s.in_reply_to_id::text, s.in_reply_to_account_id::text, s.language,
      (a.silenced_at IS NOT NULL) AS silenced,
      EXISTS (SELECT 1 FROM list_accounts la WHERE la.account_id = s.account_id) AS listed,
      EXISTS (SELECT 1 FROM statuses_tags st JOIN tag_follows tf ON tf.tag_id = st.tag_id
        WHERE st.status_id = s.id) AS tag_followed
    FROM statuses s JOIN accounts a ON a.id = s.account_id
    WHERE s.id = ${statusId} AND s.deleted_at IS NULL AND a.suspended_at IS NULL`);
  const row = rows[0];
  if (!row) return null;
  return {
    status: {
      id: statusId,
      accountId: row.account_id,
      inReplyToId: row.in_reply_to_id,
      inReplyToAccountId: row.in_reply_to_account_id,
      reblogOfId: row.reblog_of_id,
      language: row.language,
      visibility: row.visibility,
    },
    local: row.local,
    toTagFollowers: row.visibility === "public" && row.reblog_of_id === null && !row.silenced,
    listed: row.listed,
    tagFollowed: row.tag_followed,
  };
}

/** One batch of receivers, and those of them who asked to be told of the author's posts. */
interface ReceiverBatch {
  ids: string[];
  subscribers: string[];
}

/**
 * Home feed receivers of a status, by ascending account id after `after`:
 * every local follower, or for a direct status the mentioned local followers
 * (FanOutOnWriteService#deliver_to_all_followers!, #deliver_to_mentioned_followers!).
 */
async function receiverBatch(
  db: DbOrTx,
  statusId: string,
  target: FanOutTarget,
  after: string,
): Promise<ReceiverBatch> {
  const mentionedOnly =
    target.status.visibility === "direct"
      ? sql`AND EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = ${statusId} AND m.account_id = f.account_id)`
      : sql``;
  const { rows } = await db.execute<{ id: string; notify: boolean }>(sql`SELECT
      f.account_id::text AS id, f.notify
    FROM follows f JOIN accounts a ON a.id = f.account_id
    WHERE f.target_account_id = ${target.status.accountId} AND f.account_id > ${after}
      AND a.domain IS NULL AND a.suspended_at IS NULL ${mentionedOnly}
    ORDER BY f.account_id LIMIT ${FAN_OUT_BATCH}`);
  return { ids: rows.map((r) => r.id), subscribers: rows.filter((r) => r.notify).map((r) => r.id) };
}

/**
 * Inserts `status` into the home feeds of `receivers` that the rules
 * let it into. `toldEarly`: the streams were told of these feeds at
 * `feed.fan-out` (a local status), so no `feed.inserted` is emitted for them.
 */
async function pushToHomes(
  tx: DbOrTx,
  status: HomeStatus,
  receivers: string[],
  toldEarly: boolean,
): Promise<number> {
  const statusId = status.id;
  const r = sql.raw("rcv.id");
  const result =
    await tx.execute(sql`INSERT INTO home_feed_entries (account_id, status_id, reblog_of_id)
    SELECT rcv.id, s.id, ${ORIGINAL_OF_S}
    FROM statuses s CROSS JOIN unnest(${idArray(receivers)}) AS rcv(id)
    WHERE s.id = ${statusId} AND NOT ${filteredFromHomeOf(status, r)}
      AND NOT ${shownRecently("home_feed_entries", r, status)}
    ON CONFLICT DO NOTHING RETURNING account_id::text AS id`);
  if (toldEarly) return result.rows.length;
  return landed(tx, "home", statusId, result.rows);
}

/**
 * TRUE when the fan-out puts `status` into the home feed of account `r`
 * because `r` follows its author: the rules of receiverBatch, loadTarget
 * and pushToHomes in one condition, for the streams, which tell followers
 * of a local status while the fan-out is still queued (feed.fan-out
 * events). The status and its author are read once (uncorrelated
 * subqueries), the follow and the receiver's account probed per receiver
 * as scalar subqueries: as EXISTS or joins, the planner compared every
 * receiver with every follower or account (a million rows for 1,000
 * receivers), or read the status again for each receiver.
 * test/streaming-fan-out.test.ts checks that both reach the same accounts.
 */
export function receivesByFollow(status: HomeStatus, r: SQL): SQL {
  const sid = sql`${status.id}::bigint`;
  const author = sql`${status.accountId}::bigint`;
  const mentionedOnly =
    status.visibility === "direct"
      ? sql`AND EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = ${sid} AND m.account_id = ${r})`
      : sql``;
  return sql`((SELECT s.deleted_at IS NULL AND sa.suspended_at IS NULL
        FROM statuses s JOIN accounts sa ON sa.id = s.account_id
        WHERE s.id = ${sid} AND s.account_id = ${author} AND s.visibility = ${status.visibility})
    AND (SELECT TRUE FROM follows f WHERE f.account_id = ${r} AND f.target_account_id = ${author})
    AND (SELECT ra.domain IS NULL AND ra.suspended_at IS NULL FROM accounts ra WHERE ra.id = ${r})
    ${mentionedOnly}
    AND NOT ${filteredFromHomeOf(status, r)}
    AND NOT ${shownRecently("home_feed_entries", r, status)})`;
}

/**
 * Notifies the receivers who asked to be told of the author's posts
 * (Follow#notify, FeedInsertWorker#perform_notify): not for boosts, nor
 * replies to others. `receivers`: those of the batch whose follow said so
 * when it was read (checked again here); most batches have none, and then
 * cost no statement before the commit that lets the streams have the status.
 */
async function notifySubscribers(
  tx: DbOrTx,
  statusId: string,
  target: FanOutTarget,
  receivers: string[],
): Promise<void> {
  const { accountId, inReplyToAccountId, reblogOfId } = target.status;
  const replyToOther = inReplyToAccountId !== null && inReplyToAccountId !== accountId;
  if (reblogOfId !== null || replyToOther || receivers.length === 0) return;
  const r = sql.raw("f.account_id");
  const { rows } = await tx.execute<{ id: string }>(sql`SELECT f.account_id::text AS id
    FROM statuses s JOIN follows f ON f.target_account_id = s.account_id AND f.notify
    WHERE s.id = ${statusId} AND f.account_id = ANY (${idArray(receivers)})
      AND NOT ${filteredFromHome(r)}`);
  for (const { id } of rows) {
    await notify(tx, {
      accountId: id,
      fromAccountId: target.status.accountId,
      type: "status",
      statusId,
    });
  }
}

/**
 * Lists of local accounts that include the author (who follow it, or own the
 * list and are its author), filtered by each list's replies policy and the
 * owner's home rules (FanOutOnWriteService#deliver_to_lists!).
 */
async function pushToLists(tx: DbOrTx, statusId: string): Promise<number> {
  const owner = sql.raw("l.account_id");
  const result =
    await tx.execute(sql`INSERT INTO list_feed_entries (list_id, status_id, reblog_of_id)
    SELECT l.id, s.id, ${ORIGINAL_OF_S}
    FROM statuses s
      JOIN list_accounts la ON la.account_id = s.account_id
      JOIN lists l ON l.id = la.list_id
    WHERE s.id = ${statusId} AND (la.follow_id IS NOT NULL OR l.account_id = s.account_id)
      AND ${localReceiver(owner)}
      AND NOT ${filteredFromList("l")}
      AND NOT ${filteredFromHome(owner, { forList: true })}
      AND NOT ${shownRecently("list_feed_entries", sql.raw("l.id"))}
    ON CONFLICT DO NOTHING RETURNING list_id::text AS id`);
  return landed(tx, "list", statusId, result.rows);
}

/** Home feeds of local accounts following one of the status's hashtags (deliver_to_hashtag_followers!). */
async function pushToTagFollowers(tx: DbOrTx, statusId: string): Promise<number> {
  const r = sql.raw("rcv.id");
  const result =
    await tx.execute(sql`INSERT INTO home_feed_entries (account_id, status_id, reblog_of_id)
    SELECT rcv.id, s.id, ${ORIGINAL_OF_S}
    FROM statuses s, LATERAL (
      SELECT DISTINCT tf.account_id AS id FROM statuses_tags st
        JOIN tag_follows tf ON tf.tag_id = st.tag_id
      WHERE st.status_id = s.id) rcv
    WHERE s.id = ${statusId} AND ${localReceiver(r)}
      AND NOT ${filteredFromTags(r)}
      AND NOT ${shownRecently("home_feed_entries", r)}
    ON CONFLICT DO NOTHING RETURNING account_id::text AS id`);
  return landed(tx, "home", statusId, result.rows);
}

export interface FanOutResult {
  home: number;
  lists: number;
  tags: number;
}

/**
 * Delivers status `statusId` to everyone but its author (the fan-out job).
 * Idempotent: run again, it adds nothing twice. A status deleted meanwhile
 * is not delivered.
 */
export async function fanOut(db: DbOrTx, statusId: string): Promise<FanOutResult> {
  const result: FanOutResult = { home: 0, lists: 0, tags: 0 };
  const target = await loadTarget(db, statusId);
  if (!target) return result;
  let after = "0";
  for (;;) {
    const { ids: receivers, subscribers } = await receiverBatch(db, statusId, target, after);
    if (receivers.length === 0) break;
    await db.transaction(async (tx) => {
      result.home += await pushToHomes(tx, target.status, receivers, target.local);
      await notifySubscribers(tx, statusId, target, subscribers);
    });
    after = receivers[receivers.length - 1]!;
    if (receivers.length < FAN_OUT_BATCH) break;
  }
  if (target.status.visibility !== "direct" && target.listed) {
    result.lists = await pushToLists(db, statusId);
  }
  if (target.toTagFollowers && target.tagFollowed) {
    result.tags = await pushToTagFollowers(db, statusId);
  }
  return result;
}
