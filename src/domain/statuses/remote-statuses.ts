// Statuses of other servers, stored like local ones (local = false), as
// Mastodon's ActivityPub::Activity::Create, ProcessStatusUpdateService and
// RemoveStatusService do for remote posts:
// - one row per URI however often it is delivered (an advisory lock on the
//   URI); a URI with a tombstone (deleted before, or while, it arrived) is
//   not stored again;
// - the content is sanitised here (Mastodon's strict allow-list); the
//   content warning is plain text; `text` stays empty (no source);
// - the conversation is the one its `conversation`/`context` names (ours or
//   a remote one, made on first sight), else the thread's, else a new one;
// - mentions given by federation (silent ones from the audience), hashtags
//   by name, up to four attachments by their remote URL (in order), the
//   custom emojis of its author's server, a Question's poll (polls, with
//   the counts as received: src/domain/polls/remote-polls.ts; the Question
//   as received and a quoted post's URI kept aside in remote_status_data);
// - counters as for local statuses; local accounts mentioned (not silently)
//   are notified; the feeds get it through the same hooks as local statuses
//   when it is recent (Status#within_realtime_window?), which fill only the
//   feeds of local followers (and mentioned local followers for direct ones);
// - edits (Update) are remote-status-edits.ts, the shared parts remote-status-parts.ts;
// - a deletion is a local deletion (counters, feeds, boosts) plus a tombstone.
// Who may then see it is decided by visibility.ts like any status.
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/database.ts";
import {
  accounts,
  conversations,
  statuses,
  type StatusRow,
  type Visibility,
} from "../../db/schema/index.ts";
import { tombstones } from "../../db/schema/remote.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import { newId } from "../../lib/ids.ts";
import { sanitizeHtml } from "../../lib/sanitize-html.ts";
import { emit } from "../events/emit.ts";
import { statusEvent } from "../events/types.ts";
import { notify } from "../notifications/notify.ts";
import { syncRemotePoll } from "../polls/remote-polls.ts";
import { onStatusCreated } from "../timelines/feeds.ts";
import { requestLinkCard } from "../cards/request.ts";
import { deleteStatus } from "./delete-status.ts";
import {
  addMentions,
  clip,
  domainOf,
  findStatusByUri,
  LIMITS,
  lockUri,
  pollData,
  postedAt,
  REALTIME_WINDOW_MS,
  setAttachments,
  setExtras,
  setTags,
  storeRemoteEmojis,
  tombstoneExists,
  type RemoteStatusContent,
} from "./remote-status-parts.ts";

export {
  findStatusByUri,
  REALTIME_WINDOW_MS,
  tombstoneExists,
  type RemoteAttachment,
  type RemoteEmoji,
  type RemoteMention,
  type RemoteStatusContent,
} from "./remote-status-parts.ts";

export interface RemoteStatusData extends RemoteStatusContent {
  uri: string;
  url: string | null;
  /** The author (a remote account). */
  accountId: string;
  visibility: Visibility;
  createdAt: Date;
  editedAt: Date | null;
  /** The status it replies to, when Herd has it. */
  inReplyToId: string | null;
  /** A conversation of this server its `conversation` named, if any. */
  conversationId: string | null;
  /** Another server's conversation URI (`conversation`, `context`). */
  conversationUri: string | null;
}

/** The conversation of a new remote status (Status#set_conversation). */
async function conversationFor(
  tx: DbOrTx,
  data: RemoteStatusData,
  thread: StatusRow | null,
): Promise<string> {
  if (data.conversationId) {
    const [own] = await tx
      .select({ id: conversations.id })
      .from(conversations)
      .where(eq(conversations.id, data.conversationId));
    if (own) return own.id;
  }
  if (data.conversationUri) {
    await tx
      .insert(conversations)
      .values({ id: newId(), uri: data.conversationUri })
      .onConflictDoNothing({ target: conversations.uri });
    const [found] = await tx
      .select({ id: conversations.id })
      .from(conversations)
      .where(eq(conversations.uri, data.conversationUri));
    if (found) return found.id;
  }
  if (thread?.conversationId) return thread.conversationId;
  const [made] = await tx.insert(conversations).values({ id: newId() }).returning();
  if (thread) {
    await tx.update(statuses).set({ conversationId: made!.id }).where(eq(statuses.id, thread.id));
  }
  return made!.id;
}

export interface RemoteStatusOptions {
  jobs: JobQueue | null;
}

/**
 * Stores a remote status (Create); returns it, the one stored already for
 * its URI, or null when its URI has a tombstone.
 */
export async function createRemoteStatus(
  db: Db,
  data: RemoteStatusData,
  options: RemoteStatusOptions,
): Promise<StatusRow | null> {
  return db.transaction(async (tx) => {
    await lockUri(tx, data.uri);
    const existing = await findStatusByUri(tx, data.uri);
    if (existing) return existing;
    if (await tombstoneExists(tx, data.uri)) return null;

    const [thread] = data.inReplyToId
      ? await tx
          .select()
          .from(statuses)
          .where(and(eq(statuses.id, data.inReplyToId), isNull(statuses.deletedAt)))
      : [];
    const replyTo = thread ?? null;
    const inReplyToAccountId =
      replyTo === null
        ? null
        : replyTo.accountId === data.accountId && replyTo.inReplyToId !== null
          ? (replyTo.inReplyToAccountId ?? replyTo.accountId)
          : replyTo.accountId;
    const now = new Date();
    const createdAt = postedAt(data.createdAt, now);
    const [row] = await tx
      .insert(statuses)
      .values({
        id: newId(createdAt),
        uri: data.uri,
        url: data.url ?? data.uri,
        accountId: data.accountId,
        inReplyToId: replyTo?.id ?? null,
        inReplyToAccountId,
        conversationId: await conversationFor(tx, data, replyTo),
        text: "",
        content: sanitizeHtml(clip(data.content, LIMITS.content)),
        spoilerText: clip(data.spoilerText, LIMITS.spoiler),
        sensitive: data.sensitive,
        visibility: data.visibility,
        language: data.language,
        local: false,
        editedAt: data.editedAt && data.editedAt > createdAt ? data.editedAt : null,
        createdAt,
        updatedAt: now,
      })
      .returning();
    const status = row!;
    const notified = await addMentions(tx, status.id, data.mentions);
    await setTags(tx, status, data.tags);
    await setAttachments(tx, status, data.attachments, options.jobs);
    await syncRemotePoll(tx, options.jobs, status, pollData(data.poll), true);
    await storeRemoteEmojis(tx, await domainOf(tx, status.accountId), data.emojis);
    await setExtras(tx, status.id, data);

    // Status#increment_counter_caches.
    if (status.visibility !== "direct") {
      await tx
        .update(accounts)
        .set({
          statusesCount: sql`${accounts.statusesCount} + 1`,
          lastStatusAt: sql`greatest(${accounts.lastStatusAt}, ${createdAt.toISOString()}::timestamptz)`,
        })
        .where(eq(accounts.id, status.accountId));
      if (status.inReplyToId !== null && status.visibility !== "private") {
        await tx
          .update(statuses)
          .set({ repliesCount: sql`${statuses.repliesCount} + 1` })
          .where(eq(statuses.id, status.inReplyToId));
      }
    }
    for (const accountId of notified) {
      await notify(tx, {
        accountId,
        fromAccountId: status.accountId,
        type: "mention",
        statusId: status.id,
      });
    }
    if (now.getTime() - createdAt.getTime() <= REALTIME_WINDOW_MS) {
      await onStatusCreated(tx, status, options.jobs);
    }
    // Its link's preview card, fetched here in the background (src/domain/cards/).
    await requestLinkCard(tx, options.jobs, status);
    await emit(tx, statusEvent("status.created", status));
    return status;
  });
}

/** Records that `uri` (of `accountId`) was deleted, so that a late Create is refused. */
async function addTombstone(db: DbOrTx, uri: string, accountId: string): Promise<void> {
  await db
    .insert(tombstones)
    .values({ id: newId(), uri, accountId })
    .onConflictDoNothing({ target: tombstones.uri });
}

/**
 * Remote account `accountId` deleted its status (or boost) `uri` (Delete,
 * Undo of an Announce): deleted as its author would, and a tombstone kept.
 * Returns whether Herd had it.
 */
export async function deleteRemoteStatus(db: Db, accountId: string, uri: string): Promise<boolean> {
  const [status] = await db
    .select({ id: statuses.id })
    .from(statuses)
    .where(
      and(eq(statuses.uri, uri), eq(statuses.accountId, accountId), isNull(statuses.deletedAt)),
    )
    .limit(1);
  await addTombstone(db, uri, accountId);
  if (!status) return false;
  try {
    await deleteStatus(db, accountId, status.id);
  } catch {
    // Deleted meanwhile by another delivery.
    return false;
  }
  return true;
}
