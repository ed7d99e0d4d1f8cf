// What the streaming API reads when an event comes: who of the viewers
// connected here may see it now, and the payload each of them gets, exactly
// as the REST API would answer them at that moment.
//
// - "May see it now" is the REST API's own filter: the privacy policy of
//   src/domain/statuses/visibility.ts (statusVisibleTo, notHiddenBy, or for
//   one status known by id its set form readableOf), checked for all the
//   viewers of an event in ONE query (the viewer is a column of
//   unnest(...)), and for home and list streams the feed entry still being
//   there (an unfollow or a block since the fan-out took it away), as the
//   home and list timelines read them.
// - Payloads are rendered by the client API's own serializers
//   (src/mastodon/entities). A Status differs between two viewers only by
//   the viewer's flags (favourited, reblogged, muted, bookmarked, pinned) and
//   whether the viewer wrote it (pinned, application), and their poll votes:
//   viewers are grouped by those facts, read for all of them in the same
//   query that checks who may read it (`readerSignatures`), and each group
//   is rendered once, for one of its viewers. When the serializer gains a
//   viewer-dependent field, `readerSignatures` must gain it too
//   (test/streaming-events.test.ts and test/streaming-fan-out.test.ts
//   compare with the REST API).
import { sql, type SQL } from "drizzle-orm";
import { unprepared, type Db } from "../db/database.ts";
import { getConversation } from "../domain/conversations/list-conversations.ts";
import { DomainError } from "../domain/errors.ts";
import { getNotification } from "../domain/notifications/browse.ts";
import { notHiddenBy, readableOf, statusVisibleTo } from "../domain/statuses/visibility.ts";
import { receivesByFollow } from "../domain/timelines/fan-out.ts";
import type { HomeStatus } from "../domain/timelines/home-status.ts";
import { renderConversations } from "../mastodon/entities/conversation.ts";
import { renderNotifications } from "../mastodon/entities/notification.ts";
import { renderStatus } from "../mastodon/entities/status.ts";
import type { Urls } from "../urls.ts";

const bigints = (ids: readonly string[]) => sql`${sql.param([...ids])}::bigint[]`;
const VIEWER = sql.raw("v.id");
const OWNER = sql.raw("p.owner");

const readable = (viewer: typeof VIEWER) =>
  sql`${statusVisibleTo(viewer)} AND ${notHiddenBy(viewer)}`;

async function idColumn(db: Db, query: ReturnType<typeof sql>): Promise<string[]> {
  const { rows } = await db.execute<{ id: string }>(query);
  return rows.map((r) => r.id);
}

/**
 * Of `viewers`, those whose home feed holds status `statusId` and who may
 * read it now (a query yielding their ids, for `readerSignatures`).
 */
export function homeReaders(statusId: string, viewers: readonly string[]): SQL {
  return sql`SELECT v.id FROM unnest(${bigints(viewers)}) AS v(id)
    WHERE EXISTS (SELECT 1 FROM home_feed_entries e JOIN statuses ON statuses.id = e.status_id
      WHERE e.account_id = v.id AND e.status_id = ${statusId}::bigint AND ${readable(VIEWER)})`;
}

/**
 * Of `viewers`, those into whose home feed the fan-out puts `status`
 * because they follow its author (by the fan-out's own rules,
 * whether or not it has run yet) and who may read it now.
 */
export function followerReaders(status: HomeStatus, viewers: readonly string[]): SQL {
  return sql`SELECT v.id FROM unnest(${bigints(viewers)}) AS v(id)
    WHERE ${receivesByFollow(status, VIEWER)} AND ${readableOf(status.id, VIEWER)}`;
}

/**
 * Of the lists `lists` (each with its owner), those whose feed holds status
 * `statusId` and whose owner owns them still and may read it now.
 */
export function listReaders(
  db: Db,
  statusId: string,
  lists: readonly { listId: string; ownerId: string }[],
) {
  if (lists.length === 0) return Promise.resolve([]);
  return idColumn(
    db,
    sql`SELECT p.list_id::text AS id
    FROM unnest(${bigints(lists.map((l) => l.listId))}, ${bigints(lists.map((l) => l.ownerId))})
      AS p(list_id, owner)
    WHERE EXISTS (SELECT 1 FROM list_feed_entries e
        JOIN lists l ON l.id = e.list_id JOIN statuses ON statuses.id = e.status_id
      WHERE e.list_id = p.list_id AND l.account_id = p.owner AND e.status_id = ${statusId}::bigint
        AND ${readable(OWNER)})`,
  );
}

/**
 * Of `viewers`, those who may read status `statusId` now (the public and
 * hashtag timelines' filter), as a query for `readerSignatures`.
 */
export function statusReaders(statusId: string, viewers: readonly string[]): SQL {
  return sql`SELECT v.id FROM unnest(${bigints(viewers)}) AS v(id)
    WHERE ${readableOf(statusId, VIEWER)}`;
}

/** All of `viewers` (their right to read was checked otherwise), for `readerSignatures`. */
export function everyViewer(viewers: readonly string[]): SQL {
  return sql`SELECT v.id FROM unnest(${bigints(viewers)}) AS v(id)`;
}

/** What the public and hashtag streams, and `delete`, need to know of a status (deleted ones too). */
export interface StatusFacts {
  accountId: string;
  visibility: string;
  local: boolean;
  reblog: boolean;
  /** A reply to another account: not on the public streams (PublicFeed#without_replies_scope). */
  replyToOther: boolean;
  silenced: boolean;
  tags: string[];
  mentioned: string[];
  /** It has media attachments: it also goes to the `:media` public streams. */
  media: boolean;
}

export async function statusFacts(db: Db, statusId: string): Promise<StatusFacts | null> {
  const { rows } = await db.execute<{
    account_id: string;
    visibility: string;
    local: boolean;
    reblog: boolean;
    reply_to_other: boolean;
    silenced: boolean;
    tags: string[] | null;
    mentioned: string[] | null;
    media: boolean;
  }>(sql`SELECT s.account_id::text, s.visibility, s.local, s.reblog_of_id IS NOT NULL AS reblog,
      NOT ((s.in_reply_to_id IS NULL AND s.in_reply_to_account_id IS NULL)
        OR s.in_reply_to_account_id = s.account_id) AS reply_to_other,
      a.silenced_at IS NOT NULL AS silenced,
      ARRAY(SELECT t.name FROM statuses_tags st JOIN tags t ON t.id = st.tag_id
        WHERE st.status_id = s.id) AS tags,
      ARRAY(SELECT m.account_id::text FROM mentions m WHERE m.status_id = s.id) AS mentioned,
      EXISTS (SELECT 1 FROM media_attachments ma WHERE ma.status_id = s.id) AS media
    FROM statuses s JOIN accounts a ON a.id = s.account_id WHERE s.id = ${statusId}::bigint`);
  const row = rows[0];
  if (!row) return null;
  return {
    accountId: row.account_id,
    visibility: row.visibility,
    local: row.local,
    reblog: row.reblog,
    replyToOther: row.reply_to_other,
    silenced: row.silenced,
    tags: row.tags ?? [],
    mentioned: row.mentioned ?? [],
    media: row.media,
  };
}

/**
 * Of `viewers`, those a deleted status may have reached (its `delete` goes to
 * them, as RemoveStatusService tells the feeds it was pushed to): its author,
 * the accounts it mentions, followers of its author unless it was direct,
 * and followers of its hashtags when it was public.
 */
export function deletionAudience(
  db: Db,
  statusId: string,
  facts: StatusFacts,
  viewers: readonly string[],
) {
  if (viewers.length === 0) return Promise.resolve([]);
  const followers =
    facts.visibility === "direct"
      ? sql`FALSE`
      : sql`EXISTS (SELECT 1 FROM follows f WHERE f.account_id = v.id AND f.target_account_id = ${facts.accountId}::bigint)`;
  const tagFollowers =
    facts.visibility === "public" && !facts.reblog
      ? sql`EXISTS (SELECT 1 FROM statuses_tags st JOIN tag_follows tf ON tf.tag_id = st.tag_id
          WHERE st.status_id = ${statusId}::bigint AND tf.account_id = v.id)`
      : sql`FALSE`;
  return idColumn(
    db,
    sql`SELECT v.id::text AS id FROM unnest(${bigints(viewers)}) AS v(id)
    WHERE v.id = ${facts.accountId}::bigint
      OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = ${statusId}::bigint AND m.account_id = v.id)
      OR ${followers} OR ${tagFollowers}`,
  );
}

/** Of the lists `listIds`, those that include account `accountId`. */
export function listsIncluding(db: Db, accountId: string, listIds: readonly string[]) {
  if (listIds.length === 0) return Promise.resolve([]);
  return idColumn(
    db,
    sql`SELECT DISTINCT la.list_id::text AS id FROM list_accounts la
    WHERE la.list_id = ANY(${bigints(listIds)}) AND la.account_id = ${accountId}::bigint`,
  );
}

/**
 * A WHERE condition on `table`: its `column` is one of `values` (an array),
 * behind the question whether the table has any such row at all, computed
 * once per statement (an uncorrelated subquery, a one-time filter in front
 * of what probes the table for each viewer).
 */
const onAny = (table: string, column: string, values: SQL) => {
  const c = sql.raw(column);
  return sql`EXISTS (SELECT 1 FROM ${sql.raw(table)} WHERE ${c} = ANY (${values})) AND ${c} = ANY (${values})`;
};

/**
 * The viewers that `readers` (a query of their ids) yields, each with the
 * facts that change how status `statusId` (and the status it boosts) is
 * rendered for them: the REST serializer's viewer flags (as status-loader.ts
 * reads them: favourites, boosts, bookmarks, pins, conversation mutes, poll
 * votes in their order) and authorship. Who reads and what each sees come
 * from ONE query, so that an event costs one round trip whatever the number
 * of viewers. Each flag's table is asked first whether the statuses have
 * any such row at all (`onAny`: one probe of its index from the status's
 * side; a new status has none; poll votes are reached through the status's
 * poll, from that side already) and only then probed for each viewer, with
 * the statuses' ids as an array: as a join PostgreSQL read every favourite
 * and bookmark of every viewer (20,000 rows for 1,000 viewers,
 * bench/streaming.ts).
 */
export async function readerSignatures(
  db: Db,
  statusId: string,
  readers: SQL,
): Promise<Map<string, string>> {
  const ids = sql`ARRAY(SELECT id FROM target)`;
  const conversations = sql`ARRAY(SELECT conversation_id FROM target)`;
  const { rows } = await db.execute<{ viewer: string; flag: string | null }>(
    unprepared(sql`
    WITH rd AS MATERIALIZED (${readers}),
    target AS (
      SELECT id, account_id, conversation_id FROM statuses WHERE id = ${statusId}::bigint
      UNION ALL SELECT o.id, o.account_id, o.conversation_id
        FROM statuses s JOIN statuses o ON o.id = s.reblog_of_id WHERE s.id = ${statusId}::bigint)
    SELECT rd.id::text AS viewer, NULL AS flag FROM rd
    UNION ALL SELECT account_id::text, 'favourited:' || status_id FROM favourites
      WHERE ${onAny("favourites", "status_id", ids)}
        AND account_id IN (SELECT id FROM rd)
    UNION ALL SELECT account_id::text, 'bookmarked:' || status_id FROM bookmarks
      WHERE ${onAny("bookmarks", "status_id", ids)}
        AND account_id IN (SELECT id FROM rd)
    UNION ALL SELECT account_id::text, 'pinned:' || status_id FROM status_pins
      WHERE ${onAny("status_pins", "status_id", ids)}
        AND account_id IN (SELECT id FROM rd)
    UNION ALL SELECT account_id::text, 'reblogged:' || reblog_of_id FROM statuses
      WHERE ${onAny("statuses", "reblog_of_id", ids)}
        AND account_id IN (SELECT id FROM rd) AND deleted_at IS NULL
    UNION ALL SELECT account_id::text, 'muted:' || conversation_id FROM conversation_mutes
      WHERE ${onAny("conversation_mutes", "conversation_id", conversations)}
        AND account_id IN (SELECT id FROM rd)
    UNION ALL SELECT pv.account_id::text,
        'voted:' || pv.poll_id || ':' || string_agg(pv.choice::text, ',' ORDER BY pv.id)
      FROM poll_votes pv JOIN polls pl ON pl.id = pv.poll_id
      WHERE pl.status_id = ANY (${ids}) AND pv.account_id IN (SELECT id FROM rd)
      GROUP BY pv.account_id, pv.poll_id
    UNION ALL SELECT account_id::text, 'author:' || id FROM target
      WHERE account_id IN (SELECT id FROM rd)`),
  );
  const flags = new Map<string, string[]>();
  for (const { viewer, flag } of rows) {
    let list = flags.get(viewer);
    if (!list) flags.set(viewer, (list = []));
    if (flag !== null) list.push(flag);
  }
  return new Map([...flags].map(([viewer, list]) => [viewer, list.sort().join(" ")]));
}

/** Rendered statuses by `statusId|signature`, shared by the events of one fan-out. */
export interface RenderCache {
  get(key: string): Promise<string | null> | undefined;
  set(key: string, value: Promise<string | null>): void;
  forget(statusId: string): void;
}

/** A cache keeping renders for `ttlMs` (a status's counters may change after that). */
export function createRenderCache(ttlMs = 2_000, max = 500): RenderCache {
  const entries = new Map<string, { at: number; value: Promise<string | null> }>();
  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (Date.now() - entry.at > ttlMs) {
        entries.delete(key);
        return undefined;
      }
      return entry.value;
    },
    set(key, value) {
      if (entries.size >= max) entries.delete(entries.keys().next().value!);
      entries.set(key, { at: Date.now(), value });
    },
    forget(statusId) {
      for (const key of entries.keys()) if (key.startsWith(`${statusId}|`)) entries.delete(key);
    },
  };
}

/**
 * The Status entity of `statusId` for each viewer of `signatures` (from
 * `readerSignatures`), as JSON, for those it can be rendered for: rendered
 * once per signature, by the client API's serializer, for one of the viewers
 * who share it.
 */
export async function statusPayloads(
  db: Db,
  statusId: string,
  signatures: ReadonlyMap<string, string>,
  urls: Urls,
  cache: RenderCache,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const groups = new Map<string, string[]>();
  for (const [viewer, signature] of signatures) {
    const group = groups.get(signature);
    if (group) group.push(viewer);
    else groups.set(signature, [viewer]);
  }
  await Promise.all(
    [...groups].map(async ([signature, members]) => {
      const key = `${statusId}|${signature}`;
      let rendered = cache.get(key);
      if (!rendered) {
        rendered = renderStatus(db, statusId, members[0]!, urls).then((s) =>
          s ? JSON.stringify(s) : null,
        );
        cache.set(key, rendered);
      }
      const json = await rendered;
      if (json !== null) for (const viewer of members) out.set(viewer, json);
    }),
  );
  return out;
}

/** Notification `id` as its recipient sees it (JSON), or null when it is not shown now. */
export async function notificationPayload(
  db: Db,
  id: string,
  recipientId: string,
  urls: Urls,
): Promise<string | null> {
  let view;
  try {
    view = await getNotification(db, recipientId, id);
  } catch (error) {
    if (error instanceof DomainError) return null;
    throw error;
  }
  const [entity] = await renderNotifications(db, [view], recipientId, urls);
  return entity ? JSON.stringify(entity) : null;
}

/** Conversation `id` (an account_conversations row) as its owner sees it (JSON), or null. */
export async function conversationPayload(
  db: Db,
  id: string,
  accountId: string,
  urls: Urls,
): Promise<string | null> {
  const row = await getConversation(db, accountId, id);
  if (!row) return null;
  const [entity] = await renderConversations(db, [row], accountId, urls);
  return entity ? JSON.stringify(entity) : null;
}
