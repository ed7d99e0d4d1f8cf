// The parts of storing a remote status that Create and Update share
// (remote-statuses.ts, remote-status-edits.ts): the caps on what another
// server may make Herd store, mentions (silent or not), hashtags by name,
// attachments by their remote URL (ActivityPub::Parser::MediaAttachmentParser,
// in the post's order), custom emojis of the author's server
// (Create#process_emoji_tags), a poll's and a quote's extras, and the
// per-URI lock that makes concurrent deliveries of one post one row.
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import {
  accounts,
  mediaAttachments,
  mentions,
  statuses,
  statusesTags,
  type MediaMeta,
  type MediaType,
  type StatusRow,
} from "../../db/schema/index.ts";
import { remoteStatusData, tombstones, type RemotePoll } from "../../db/schema/remote.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import { newId } from "../../lib/ids.ts";
import { idArray } from "../../lib/pg-arrays.ts";
import { SHORTCODE_RE } from "../emojis/shortcodes.ts";
import type { RemotePollData } from "../polls/remote-polls.ts";
import { rejectsMediaFrom } from "../instance/domain-block-rules.ts";
import { requestRemoteMediaCache } from "../media/remote-cache.ts";
import { findOrCreateTags, normalizeTagName } from "./tags.ts";

/** Status::MEDIA_ATTACHMENTS_LIMIT, for remote statuses too. */
export const MEDIA_LIMIT = 4;
/** Caps on what another server may make Herd store. */
export const LIMITS = {
  content: 100_000,
  spoiler: 5_000,
  tags: 50,
  mentions: 100,
  emojis: 50,
  description: 1_500,
};
/** Status#within_realtime_window?: older statuses do not enter feeds. */
export const REALTIME_WINDOW_MS = 6 * 60 * 60 * 1000;

export interface RemoteAttachment {
  url: string;
  type: MediaType;
  description: string | null;
  blurhash: string | null;
  meta: MediaMeta;
}

/** A custom emoji tag (`Emoji`): `:shortcode:` and its image. */
export interface RemoteEmoji {
  shortcode: string;
  /** `icon.url`. */
  url: string;
  /** Its `id`. */
  uri: string | null;
  /** Its `updated`. */
  updatedAt: Date | null;
}

export interface RemoteMention {
  accountId: string;
  /** From the audience (to/cc) or the inbox it came to, not a Mention tag. */
  silent: boolean;
}

/** The parts of a remote status an edit may change. */
export interface RemoteStatusContent {
  /** HTML as received. */
  content: string;
  spoilerText: string;
  sensitive: boolean;
  language: string | null;
  mentions: RemoteMention[];
  /** Hashtag names as received (`#` or not). */
  tags: string[];
  attachments: RemoteAttachment[];
  poll: RemotePoll | null;
  quoteUri: string | null;
  emojis: RemoteEmoji[];
}

/** The live status of `uri` (local or remote), if Herd has it. */
export async function findStatusByUri(db: DbOrTx, uri: string): Promise<StatusRow | null> {
  const [row] = await db
    .select()
    .from(statuses)
    .where(and(eq(statuses.uri, uri), isNull(statuses.deletedAt)))
    .limit(1);
  return row ?? null;
}

/** The domain of remote account `accountId` (its emojis' domain). */
export async function domainOf(tx: DbOrTx, accountId: string): Promise<string | null> {
  const [row] = await tx
    .select({ domain: accounts.domain })
    .from(accounts)
    .where(eq(accounts.id, accountId));
  return row?.domain ?? null;
}

/** Whether a status of `uri` was deleted (a tombstone). */
export async function tombstoneExists(db: DbOrTx, uri: string): Promise<boolean> {
  const rows = await db
    .select({ id: tombstones.id })
    .from(tombstones)
    .where(eq(tombstones.uri, uri));
  return rows.length > 0;
}

export const lockUri = (tx: DbOrTx, uri: string) =>
  tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`status:${uri}`}, 0))`);

/**
 * When a remote status was posted, as stored: its `published`, but never in
 * the future nor before 1970 (ids are made from it, lib/ids.ts).
 */
export function postedAt(published: Date, now: Date): Date {
  const ms = published.getTime();
  return Number.isNaN(ms) || ms > now.getTime() || ms < 0 ? now : published;
}

export const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);

/** Makes the status's hashtags those named (ProcessHashtagsService for remote statuses). */
export async function setTags(
  tx: DbOrTx,
  status: StatusRow,
  names: readonly string[],
): Promise<void> {
  const wanted = new Map<string, string>();
  for (const raw of names.slice(0, LIMITS.tags)) {
    const display = raw.replace(/^#/, "");
    const name = normalizeTagName(display);
    if (name !== "" && name.length <= 100 && !wanted.has(name)) wanted.set(name, display);
  }
  const tags = await findOrCreateTags(
    tx,
    [...wanted].map(([name, displayName]) => ({ name, displayName })),
  );
  await tx.delete(statusesTags).where(eq(statusesTags.statusId, status.id));
  if (tags.length === 0) return;
  await tx
    .insert(statusesTags)
    .values(tags.map((t) => ({ statusId: status.id, tagId: t.id })))
    .onConflictDoNothing();
  await tx.execute(sql`UPDATE tags SET last_status_at = greatest(last_status_at, ${status.createdAt.toISOString()}::timestamptz)
    WHERE id IN (${sql.join(
      tags.map((t) => sql`${t.id}::bigint`),
      sql`, `,
    )})`);
}

/**
 * Adds the mentions not there yet (or makes a silent one loud); returns the
 * local accounts mentioned loudly for the first time, to be notified.
 */
export async function addMentions(
  tx: DbOrTx,
  statusId: string,
  wanted: readonly RemoteMention[],
): Promise<string[]> {
  const byAccount = new Map<string, boolean>();
  for (const m of wanted.slice(0, LIMITS.mentions)) {
    byAccount.set(m.accountId, (byAccount.get(m.accountId) ?? true) && m.silent);
  }
  if (byAccount.size === 0) return [];
  const existing = new Map(
    (
      await tx
        .select({ accountId: mentions.accountId, silent: mentions.silent })
        .from(mentions)
        .where(eq(mentions.statusId, statusId))
    ).map((m) => [m.accountId, m.silent]),
  );
  const fresh: string[] = [];
  for (const [accountId, silent] of byAccount) {
    const had = existing.get(accountId);
    if (had === undefined) {
      await tx
        .insert(mentions)
        .values({ id: newId(), statusId, accountId, silent })
        .onConflictDoNothing();
    } else if (had && !silent) {
      await tx
        .update(mentions)
        .set({ silent: false })
        .where(and(eq(mentions.statusId, statusId), eq(mentions.accountId, accountId)));
    }
    if (!silent && (had === undefined || had)) fresh.push(accountId);
  }
  if (fresh.length === 0) return [];
  const local = await tx
    .select({ id: accounts.id })
    .from(accounts)
    .where(and(inArray(accounts.id, fresh), isNull(accounts.domain)));
  return local.map((a) => a.id);
}

export async function setExtras(
  tx: DbOrTx,
  statusId: string,
  c: RemoteStatusContent,
): Promise<void> {
  if (c.poll === null && c.quoteUri === null) {
    await tx.delete(remoteStatusData).where(eq(remoteStatusData.statusId, statusId));
    return;
  }
  await tx
    .insert(remoteStatusData)
    .values({ statusId, poll: c.poll, quoteUri: c.quoteUri })
    .onConflictDoUpdate({
      target: remoteStatusData.statusId,
      set: { poll: c.poll, quoteUri: c.quoteUri },
    });
}

/** The poll of a remote status as polls/remote-polls.ts takes it. */
export function pollData(poll: RemotePoll | null): RemotePollData | null {
  if (poll === null) return null;
  const expiresAt = poll.expires_at === null ? null : new Date(poll.expires_at);
  return {
    options: poll.options.map((o) => ({ title: o.title, votes: o.votes_count })),
    multiple: poll.multiple,
    expiresAt: expiresAt && !Number.isNaN(expiresAt.getTime()) ? expiresAt : null,
    votersCount: poll.voters_count,
  };
}

const clamp = (n: number) => Math.max(-1, Math.min(1, n));

/** The meta as stored: a focus within [-1, 1], sizes as received. */
function metaOf(meta: MediaMeta): MediaMeta {
  const { focus, ...rest } = meta;
  return focus && Number.isFinite(focus.x) && Number.isFinite(focus.y)
    ? { ...rest, focus: { x: clamp(focus.x), y: clamp(focus.y) } }
    : rest;
}

/**
 * Makes the status's attachments those of `list` (its first MEDIA_LIMIT),
 * in order (statuses.ordered_media_attachment_ids), as
 * ProcessStatusUpdateService#update_media_attachments!: an attachment with
 * the URL of one it had is that one, updated; dropped ones stay attached for
 * the history. Returns whether what it shows changed (ids, order, or a
 * description or URL: MediaAttachmentParser#significantly_changes?).
 */
export async function setAttachments(
  tx: DbOrTx,
  status: StatusRow,
  list: readonly RemoteAttachment[],
  /** Where the jobs copying new files go (CACHE_REMOTE_MEDIA, media/remote-cache.ts); null: none. */
  jobs: JobQueue | null = null,
): Promise<boolean> {
  const previous = await tx
    .select()
    .from(mediaAttachments)
    .where(eq(mediaAttachments.statusId, status.id))
    .orderBy(mediaAttachments.id);
  // The column is read raw: the Drizzle schema does not map it (status-media.ts).
  const { rows } = await tx.execute<{ ids: string[] | null }>(sql`
    SELECT ordered_media_attachment_ids::text[] AS ids FROM statuses WHERE id = ${status.id}::bigint`);
  const before = rows[0]?.ids ?? previous.map((m) => m.id);
  // Media a domain block rejects: kept as remote URLs, never downloaded, of
  // type `unknown` (Create#process_attachments skips download_file!, and an
  // attachment created without its file is `unknown`).
  const rejected =
    list.length > 0 && (await rejectsMediaFrom(tx, await domainOf(tx, status.accountId)));
  const seen = new Set<string>();
  const next: string[] = [];
  let changed = false;
  for (const a of list) {
    if (next.length >= MEDIA_LIMIT) break;
    if (seen.has(a.url)) continue;
    seen.add(a.url);
    const description = a.description === null ? null : clip(a.description, LIMITS.description);
    const had = previous.find((m) => m.remoteUrl === a.url && !next.includes(m.id));
    const values = {
      type: rejected ? (had?.type ?? ("unknown" as const)) : a.type,
      description,
      blurhash: a.blurhash,
      meta: metaOf(a.meta),
    };
    if (had) {
      if (had.description !== description) changed = true;
      await tx
        .update(mediaAttachments)
        .set({ ...values, updatedAt: new Date() })
        .where(eq(mediaAttachments.id, had.id));
      next.push(had.id);
      continue;
    }
    const [made] = await tx
      .insert(mediaAttachments)
      .values({
        id: newId(),
        accountId: status.accountId,
        statusId: status.id,
        remoteUrl: a.url,
        processing: "complete" as const,
        ...values,
      })
      .returning({ id: mediaAttachments.id });
    next.push(made!.id);
  }
  if (next.length !== before.length || next.some((id, i) => id !== before[i])) changed = true;
  const added = next.filter((id) => !previous.some((m) => m.id === id));
  if (!rejected) await requestRemoteMediaCache(tx, jobs, added);
  await tx.execute(sql`UPDATE statuses SET ordered_media_attachment_ids = ${idArray(next)}::bigint[]
    WHERE id = ${status.id}::bigint`);
  return changed;
}

/**
 * Stores the custom emojis a remote status uses, as emojis of its author's
 * server (Create#process_emoji): a new shortcode is added; a known one
 * takes the new image when its URL changed, or when the tag says it was
 * updated since. Shortcodes Mastodon would not accept, and images that are
 * not http(s), are left out.
 */
export async function storeRemoteEmojis(
  tx: DbOrTx,
  domain: string | null,
  list: readonly RemoteEmoji[],
): Promise<void> {
  if (domain === null) return;
  // Create#process_emoji: none from a server whose media are rejected.
  if (list.length === 0 || (await rejectsMediaFrom(tx, domain))) return;
  const seen = new Set<string>();
  for (const e of list) {
    if (seen.size >= LIMITS.emojis) break;
    if (seen.has(e.shortcode) || !SHORTCODE_RE.test(e.shortcode) || e.shortcode.length > 100) {
      continue;
    }
    if (!/^https?:\/\//i.test(e.url) || e.url.length > 2048) continue;
    seen.add(e.shortcode);
    const uri = e.uri && e.uri.length <= 2048 ? e.uri : null;
    const updated = e.updatedAt && !Number.isNaN(e.updatedAt.getTime()) ? e.updatedAt : null;
    await tx.execute(sql`INSERT INTO custom_emojis
        (id, shortcode, domain, image_url, static_image_url, uri)
      VALUES (${newId()}::bigint, ${e.shortcode}, ${domain}, ${e.url}, ${e.url}, ${uri})
      ON CONFLICT (shortcode, (coalesce(domain, ''))) DO UPDATE
        SET image_url = excluded.image_url, static_image_url = excluded.static_image_url,
          uri = coalesce(excluded.uri, custom_emojis.uri), updated_at = now()
        WHERE custom_emojis.image_url IS DISTINCT FROM excluded.image_url
          OR ${updated?.toISOString() ?? null}::timestamptz > custom_emojis.updated_at`);
  }
}
