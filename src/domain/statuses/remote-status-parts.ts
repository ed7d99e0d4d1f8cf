// The parts of storing a remote status that Create and Update share
// (remote-statuses.ts, remote-status-edits.ts): the caps on what another
// server may make Herd store, mentions (silent or not), hashtags by name,
// attachments by their remote URL, a poll's and a quote's extras, and the
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
import { newId } from "../../lib/ids.ts";
import { findOrCreateTags, normalizeTagName } from "./tags.ts";

/** Status::MEDIA_ATTACHMENTS_LIMIT, for remote statuses too. */
export const MEDIA_LIMIT = 4;
/** Caps on what another server may make Herd store. */
export const LIMITS = { content: 100_000, spoiler: 5_000, tags: 50, mentions: 100 };
/** Status#within_realtime_window?: older statuses do not enter feeds. */
export const REALTIME_WINDOW_MS = 6 * 60 * 60 * 1000;

export interface RemoteAttachment {
  url: string;
  type: MediaType;
  description: string | null;
  blurhash: string | null;
  meta: MediaMeta;
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

export async function addAttachments(
  tx: DbOrTx,
  status: StatusRow,
  list: readonly RemoteAttachment[],
) {
  const kept = list.slice(0, MEDIA_LIMIT);
  if (kept.length === 0) return;
  await tx.insert(mediaAttachments).values(
    kept.map((a) => ({
      id: newId(),
      accountId: status.accountId,
      statusId: status.id,
      type: a.type,
      remoteUrl: a.url,
      description: a.description === null ? null : clip(a.description, 1_500),
      blurhash: a.blurhash,
      meta: a.meta,
      processing: "complete" as const,
    })),
  );
}
