// Accounts of other servers, stored like local ones (a row of `accounts`
// with `domain` set), as Mastodon's ActivityPub::ProcessAccountService and
// DeleteAccountService keep them:
// - upserting from plain data that federation mapped from an actor document:
//   one row per actor URI and per `username@domain` however many deliveries
//   race (an advisory lock on the URI, and the unique indexes); a row found by
//   handle with another URI is the same account re-created, and takes the
//   new URI;
// - the bio and field values are sanitised here (Mastodon's strict
//   allow-list, src/lib/sanitize-html.ts), names are plain text, lengths
//   are capped; images are the remote URLs, or the storage keys of their
//   cached copies (media/remote-cache-profiles.ts), and none are taken from
//   a server whose media a domain block rejects;
// - the remote server's `suspended` suspends it (suspension_origin 'remote')
//   and lifts only a suspension it made;
// - the custom emojis its `tag` names are stored as its server's
//   (ProcessAccountService#process_emoji), so that its name, bio and fields
//   show them (Account#emojis, domain/emojis/account-emojis.ts);
// - stale after a day (Account#possibly_stale?), then fetched again;
// - a deleted actor's row goes with everything it made, the counters of
//   what it touched being put right first.
// https://docs.joinmastodon.org/spec/activitypub/#as
import { and, eq, isNotNull, or, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/database.ts";
import { accounts, follows, type AccountRow, type Visibility } from "../../db/schema/index.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import { newId } from "../../lib/ids.ts";
import { htmlToText, sanitizeHtml } from "../../lib/sanitize-html.ts";
import { onDirectStatusDeleted } from "../conversations/account-conversations.ts";
import { emit } from "../events/emit.ts";
import { statusEvent } from "../events/types.ts";
import { removeFollows } from "../graph/follow-rows.ts";
import { rejectsMediaFrom } from "../instance/domain-block-rules.ts";
import { keepCachedProfileImages } from "../media/remote-cache-profiles.ts";
import { storeRemoteEmojis, type RemoteEmoji } from "../statuses/remote-status-parts.ts";
import { onUnfollow } from "../timelines/feeds.ts";

/** Account#possibly_stale?: refreshed when older than a day. */
export const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

/** Caps on what another server may make Herd store (Mastodon's hard limits on remote profiles). */
const LIMITS = { displayName: 100, note: 10_000, fields: 50, fieldName: 255, fieldValue: 2_047 };

/** What federation hands over of an actor; HTML is sanitised here. */
export interface RemoteAccountData {
  uri: string;
  username: string;
  domain: string;
  url: string | null;
  displayName: string;
  /** The bio, HTML as received. */
  note: string;
  /** Profile fields, values HTML as received. */
  fields: { name: string; value: string }[];
  avatarUrl: string | null;
  headerUrl: string | null;
  locked: boolean;
  bot: boolean;
  group: boolean;
  discoverable: boolean | null;
  indexable: boolean;
  memorial: boolean;
  actorType: string;
  inboxUrl: string | null;
  sharedInboxUrl: string | null;
  outboxUrl: string | null;
  followersUrl: string | null;
  followingUrl: string | null;
  featuredUrl: string | null;
  featuredTagsUrl: string | null;
  publicKeyPem: string | null;
  publicKeyId: string | null;
  alsoKnownAs: string[];
  /** The account it moved to (stored already); undefined leaves it as it is. */
  movedToAccountId?: string | null;
  /** Counts of its collections' totalItems; null keeps what is stored. */
  followersCount: number | null;
  followingCount: number | null;
  statusesCount: number | null;
  /** `published`; new rows only. */
  createdAt: Date | null;
  /** The actor says `suspended: true`. */
  suspended: boolean;
  /** WebFinger confirmed `username@domain` just now. */
  webfingered: boolean;
  /** The custom emojis of its `tag` (Emoji tags with an embedded icon). */
  emojis?: RemoteEmoji[];
}

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);
const count = (n: number | null) =>
  n === null || !Number.isFinite(n) ? null : Math.max(0, Math.min(Math.trunc(n), 2_147_483_647));

function profileColumns(d: RemoteAccountData, now: Date) {
  return {
    username: d.username,
    domain: d.domain,
    url: d.url,
    displayName: clip(htmlToText(d.displayName).trim(), LIMITS.displayName),
    note: sanitizeHtml(clip(d.note, LIMITS.note)),
    fields: d.fields.slice(0, LIMITS.fields).map((f) => ({
      name: clip(htmlToText(f.name).trim(), LIMITS.fieldName),
      value: sanitizeHtml(clip(f.value, LIMITS.fieldValue)),
      verified_at: null,
    })),
    avatarUrl: d.avatarUrl,
    avatarStaticUrl: d.avatarUrl,
    headerUrl: d.headerUrl,
    headerStaticUrl: d.headerUrl,
    locked: d.locked,
    bot: d.bot,
    group: d.group,
    discoverable: d.discoverable,
    indexable: d.indexable,
    memorial: d.memorial,
    actorType: d.actorType,
    inboxUrl: d.inboxUrl,
    sharedInboxUrl: d.sharedInboxUrl,
    outboxUrl: d.outboxUrl,
    followersUrl: d.followersUrl,
    followingUrl: d.followingUrl,
    featuredUrl: d.featuredUrl,
    featuredTagsUrl: d.featuredTagsUrl,
    publicKeyPem: d.publicKeyPem,
    publicKeyId: d.publicKeyId,
    alsoKnownAs: d.alsoKnownAs.slice(0, 20),
    fetchedAt: now,
    updatedAt: now,
    ...(d.webfingered ? { lastWebfingerAt: now } : {}),
    ...(d.movedToAccountId !== undefined ? { movedToAccountId: d.movedToAccountId } : {}),
    ...(count(d.followersCount) !== null ? { followersCount: count(d.followersCount)! } : {}),
    ...(count(d.followingCount) !== null ? { followingCount: count(d.followingCount)! } : {}),
    ...(count(d.statusesCount) !== null ? { statusesCount: count(d.statusesCount)! } : {}),
  };
}

/** The profile columns but the avatar and header. */
function withoutImages(columns: ReturnType<typeof profileColumns>) {
  const {
    avatarUrl: _avatar,
    avatarStaticUrl: _avatarStatic,
    headerUrl: _header,
    headerStaticUrl: _headerStatic,
    ...rest
  } = columns;
  return rest;
}

const byHandle = (username: string, domain: string) =>
  and(
    sql`lower(${accounts.username}) = lower(${username})`,
    sql`lower(${accounts.domain}) = lower(${domain})`,
  );

/** The stored account of actor `uri` (remote accounts only). */
export async function findRemoteAccountByUri(db: DbOrTx, uri: string): Promise<AccountRow | null> {
  const [row] = await db
    .select()
    .from(accounts)
    .where(and(eq(accounts.uri, uri), isNotNull(accounts.domain)))
    .limit(1);
  return row ?? null;
}

/** The stored remote account `username@domain`. */
export async function findRemoteAccountByHandle(
  db: DbOrTx,
  username: string,
  domain: string,
): Promise<AccountRow | null> {
  const [row] = await db.select().from(accounts).where(byHandle(username, domain)).limit(1);
  return row ?? null;
}

/** The stored remote account whose profile URL is `url`. */
export async function findRemoteAccountByUrl(db: DbOrTx, url: string): Promise<AccountRow | null> {
  const [row] = await db
    .select()
    .from(accounts)
    .where(and(eq(accounts.url, url), isNotNull(accounts.domain)))
    .limit(1);
  return row ?? null;
}

/** Whether a stored remote account should be fetched again. */
export function isStale(account: Pick<AccountRow, "fetchedAt">, now = Date.now()): boolean {
  return account.fetchedAt === null || now - account.fetchedAt.getTime() > STALE_AFTER_MS;
}

/** Whether any local account follows `accountId` (Mastodon's followed_by_local_accounts?). */
export async function hasLocalFollowers(db: DbOrTx, accountId: string): Promise<boolean> {
  const result = await db.execute(sql`SELECT 1 FROM follows f JOIN accounts a ON a.id = f.account_id
    WHERE f.target_account_id = ${accountId} AND a.domain IS NULL LIMIT 1`);
  return result.rows.length > 0;
}

/** Creates or updates the account of `data.uri`; returns the stored row. */
export async function upsertRemoteAccount(
  db: Db,
  data: RemoteAccountData,
  /** Where the job copying its avatar and header goes (CACHE_REMOTE_MEDIA); null: none. */
  jobs: JobQueue | null = null,
): Promise<AccountRow> {
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`SELECT pg_advisory_xact_lock(hashtextextended(${`remote-account:${data.uri}`}, 0))`,
    );
    const now = new Date();
    const profile = profileColumns(data, now);
    // ProcessAccountService#skip_download?: a server whose media are rejected
    // gives no avatar nor header (a known account keeps its own).
    const columns = (await rejectsMediaFrom(tx, data.domain)) ? withoutImages(profile) : profile;
    await storeRemoteEmojis(tx, data.domain, data.emojis ?? []);
    const existing =
      (await findRemoteAccountByUri(tx, data.uri)) ??
      (await findRemoteAccountByHandle(tx, data.username, data.domain));
    let row: AccountRow | undefined;
    if (!existing) {
      [row] = await tx
        .insert(accounts)
        .values({
          id: newId(),
          uri: data.uri,
          ...columns,
          createdAt: data.createdAt && data.createdAt < now ? data.createdAt : now,
          suspendedAt: data.suspended ? now : null,
          suspensionOrigin: data.suspended ? "remote" : null,
        })
        .onConflictDoNothing()
        .returning();
      if (row) return keepCachedProfileImages(tx, row, jobs);
    }
    // Known (or made by a concurrent transaction under another handle): update it.
    const target =
      existing ??
      (await findRemoteAccountByUri(tx, data.uri)) ??
      (await findRemoteAccountByHandle(tx, data.username, data.domain));
    if (!target) throw new Error(`remote account ${data.uri} could not be stored`);
    const suspension =
      data.suspended && target.suspendedAt === null
        ? { suspendedAt: now, suspensionOrigin: "remote" as const }
        : !data.suspended && target.suspensionOrigin === "remote"
          ? { suspendedAt: null, suspensionOrigin: null }
          : {};
    [row] = await tx
      .update(accounts)
      .set({ uri: data.uri, ...columns, ...suspension })
      .where(eq(accounts.id, target.id))
      .returning();
    return keepCachedProfileImages(tx, row!, jobs);
  });
}

/** Marks a remote account fetched now (a fetch that failed keeps the stored profile a while). */
export async function touchRemoteAccount(db: Db, accountId: string): Promise<void> {
  await db
    .update(accounts)
    .set({ fetchedAt: new Date() })
    .where(and(eq(accounts.id, accountId), isNotNull(accounts.domain)));
}

/** The newest statuses whose deletion is told to streaming clients. */
const DELETION_EVENTS = 200;

/**
 * A remote actor deleted itself (DeleteAccountService, reserve_username
 * false): its follows end with their counters and feeds, the counters of
 * statuses it favourited, boosted or answered go down, and the row goes with
 * everything hanging on it (statuses, mentions, favourites, notifications).
 */
export async function deleteRemoteAccount(db: Db, accountId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [account] = await tx
      .select({ id: accounts.id })
      .from(accounts)
      .where(and(eq(accounts.id, accountId), isNotNull(accounts.domain)))
      .for("update");
    if (!account) return false;
    const gone = await removeFollows(
      tx,
      or(eq(follows.accountId, accountId), eq(follows.targetAccountId, accountId))!,
    );
    for (const g of gone) await onUnfollow(tx, g.accountId, g.targetAccountId);
    await tx.execute(sql`UPDATE statuses s SET favourites_count = greatest(s.favourites_count - 1, 0)
      FROM favourites f WHERE f.status_id = s.id AND f.account_id = ${accountId}`);
    await tx.execute(sql`UPDATE statuses s SET reblogs_count = greatest(s.reblogs_count - 1, 0)
      FROM statuses b WHERE b.reblog_of_id = s.id AND b.account_id = ${accountId}
        AND b.deleted_at IS NULL AND b.visibility <> 'direct'`);
    await tx.execute(sql`UPDATE statuses s SET replies_count = greatest(s.replies_count - 1, 0)
      FROM statuses r WHERE r.in_reply_to_id = s.id AND r.account_id = ${accountId}
        AND s.account_id <> ${accountId} AND r.deleted_at IS NULL
        AND r.visibility IN ('public', 'unlisted')`);
    // Others' boosts of its statuses go with them (ON DELETE CASCADE): uncount them.
    await tx.execute(sql`UPDATE accounts a SET statuses_count = greatest(a.statuses_count - x.n, 0)
      FROM (SELECT b.account_id, count(*)::int AS n FROM statuses b
            JOIN statuses o ON o.id = b.reblog_of_id
            WHERE o.account_id = ${accountId} AND b.account_id <> ${accountId}
              AND b.deleted_at IS NULL AND b.visibility <> 'direct'
            GROUP BY b.account_id) x
      WHERE a.id = x.account_id`);
    const direct = await tx.execute<{ id: string; conversation_id: string | null }>(
      sql`SELECT id::text, conversation_id::text FROM statuses
        WHERE account_id = ${accountId} AND visibility = 'direct' AND deleted_at IS NULL`,
    );
    for (const s of direct.rows) {
      await onDirectStatusDeleted(tx, { id: s.id, conversationId: s.conversation_id });
    }
    const newest = await tx.execute<{
      id: string;
      visibility: Visibility;
      reblog_of_id: string | null;
    }>(sql`SELECT id::text, visibility, reblog_of_id::text FROM statuses
      WHERE account_id = ${accountId} AND deleted_at IS NULL ORDER BY id DESC LIMIT ${DELETION_EVENTS}`);
    await emit(
      tx,
      ...newest.rows.map((s) =>
        statusEvent("status.deleted", {
          id: s.id,
          accountId,
          visibility: s.visibility,
          local: false,
          reblogOfId: s.reblog_of_id,
        }),
      ),
    );
    await tx.delete(accounts).where(eq(accounts.id, accountId));
    return true;
  });
}
