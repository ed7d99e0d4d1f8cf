// Posting a status, as Mastodon's PostStatusService and
// Api::V1::StatusesController#create
// (https://docs.joinmastodon.org/methods/statuses/#create):
// - a reply must be to a status the author may see (else 404); a reply to a
//   boost is a reply to the boosted status; replies join the thread's
//   conversation, and a reply in one's own thread keeps the account the
//   thread answers (Status#carried_over_reply_to_account_id);
// - the same Idempotency-Key within an hour answers the status it made;
// - visibility defaults to the user's default privacy (private for locked
//   accounts), and a limited (silenced) account's public posts are unlisted;
// - a content warning makes the status sensitive; a status with only a
//   content warning takes it as its text;
// - language: the one given when Herd knows it, else the user's posting
//   language, else the one detected in the text (detect-language.ts, as
//   Mastodon 3.x), else the interface language, else English;
// - mentions, hashtags, counters (statuses_count and last_status_at, not for
//   direct statuses; replies_count for public and unlisted replies), mention
//   notifications and the feeds, all in one transaction.
// Herd has no media, polls or scheduled statuses yet (issue P5): media ids
// are unknown media, polls and future scheduled_at are refused.
import { and, eq, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/database.ts";
import {
  accounts,
  conversations,
  idempotencyKeys,
  statuses,
  type AccountRow,
  type StatusRow,
  type UserRow,
  type Visibility,
} from "../../db/schema/index.ts";
import { isId, newId } from "../../lib/ids.ts";
import { DomainError, notFound, unprocessable } from "../errors.ts";
import { emit } from "../events/emit.ts";
import { statusEvent } from "../events/types.ts";
import { onDirectStatus } from "../conversations/account-conversations.ts";
import { notify } from "../notifications/notify.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import { onStatusCreated } from "../timelines/feeds.ts";
import { findVisibleStatus, original } from "./interactions/target.ts";
import { detectLanguage } from "./detect-language.ts";
import { DEFAULT_LANGUAGE, languageCascade } from "./languages.ts";
import { resolveMentions, syncMentions } from "./mentions.ts";
import { renderStatusContent, type FormatContext } from "./render.ts";
import { syncStatusTags } from "./tags.ts";
import { isVisibility, validateStatus } from "./validate.ts";

/** Status::MEDIA_ATTACHMENTS_LIMIT. */
const MEDIA_ATTACHMENTS_LIMIT = 4;

export interface Author {
  account: AccountRow;
  user: UserRow;
}

export interface NewStatus {
  text?: string;
  spoilerText?: string;
  sensitive?: boolean;
  visibility?: string;
  language?: string;
  inReplyToId?: string;
  mediaIds?: string[];
  /** Whether a poll was sent. */
  poll?: boolean;
  scheduledAt?: string;
  applicationId: string | null;
  idempotencyKey?: string | null;
}

/** User#setting_default_privacy. */
export function defaultVisibility(author: Author): Visibility {
  const setting = author.user.settings["default_privacy"];
  if (isVisibility(setting)) return setting;
  return author.account.locked ? "private" : "public";
}

/** The author's posting language (User#preferred_posting_language), else the instance's. */
export function postingLanguage(user: UserRow, ...first: unknown[]): string {
  return (
    languageCascade(...first, user.settings["default_language"], user.locale) ?? DEFAULT_LANGUAGE
  );
}

/**
 * The language of a new status, as Mastodon 3.x's PostStatusService: the one
 * given, else the user's default posting language, else the one detected in
 * the text, else the user's interface language, else the instance's.
 */
async function newStatusLanguage(user: UserRow, given: unknown, text: string): Promise<string> {
  const chosen = languageCascade(given, user.settings["default_language"]);
  if (chosen) return chosen;
  return (await detectLanguage(text)) ?? postingLanguage(user);
}

function checkUnsupported(input: NewStatus): void {
  const media = input.mediaIds ?? [];
  if (media.length > 0) {
    if (media.length > MEDIA_ATTACHMENTS_LIMIT || input.poll) {
      throw unprocessable("Cannot attach more than 4 files");
    }
    // Rails' to_i: the leading digits, 0 without any.
    const ids = media.map((id) => String(Number.parseInt(id, 10) || 0));
    throw unprocessable(`Media ${ids.join(", ")} not found or already attached to another post`);
  }
  if (input.poll) throw unprocessable("Polls are not available on this server yet");
  if (input.scheduledAt !== undefined && input.scheduledAt.trim() !== "") {
    const at = new Date(input.scheduledAt);
    if (Number.isNaN(at.getTime())) throw unprocessable("Record invalid");
    // A time already past means "now", as in Mastodon.
    if (at.getTime() > Date.now()) {
      throw unprocessable("Scheduled posts are not available on this server yet");
    }
  }
}

/** The thread a reply goes to: visible to the author, a boost standing for its original. */
async function findThread(tx: DbOrTx, id: string, authorId: string): Promise<StatusRow> {
  const thread = isId(id) ? await findVisibleStatus(tx, id, authorId) : null;
  const notFoundReply = () =>
    new DomainError("not_found", "The post you are trying to reply to does not appear to exist.");
  if (!thread) throw notFoundReply();
  try {
    return await original(tx, thread);
  } catch {
    throw notFoundReply();
  }
}

/**
 * Claims the Idempotency-Key for this request; returns the status an earlier
 * request with the key made within the hour, if any.
 */
async function claimIdempotencyKey(
  tx: DbOrTx,
  accountId: string,
  key: string,
): Promise<string | null> {
  const claimed = await tx.execute(sql`
    INSERT INTO idempotency_keys (account_id, key, status_id, created_at)
    VALUES (${accountId}::bigint, ${key}, NULL, now())
    ON CONFLICT (account_id, key) DO UPDATE SET status_id = NULL, created_at = now()
      WHERE idempotency_keys.created_at < now() - interval '1 hour'
    RETURNING 1`);
  if (claimed.rows.length > 0) return null;
  const [row] = await tx
    .select({ statusId: idempotencyKeys.statusId })
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.accountId, accountId), eq(idempotencyKeys.key, key)));
  if (!row?.statusId) return null;
  const [made] = await tx
    .select({ deletedAt: statuses.deletedAt })
    .from(statuses)
    .where(eq(statuses.id, row.statusId));
  // The status it made is gone: as Mastodon's Status.find, a 404.
  if (!made || made.deletedAt) throw notFound();
  return row.statusId;
}

/** The conversation of a new status: the thread's, or a new one. */
async function conversationFor(tx: DbOrTx, thread: StatusRow | null): Promise<string> {
  if (thread?.conversationId) return thread.conversationId;
  const [conversation] = await tx.insert(conversations).values({ id: newId() }).returning();
  if (thread) {
    await tx
      .update(statuses)
      .set({ conversationId: conversation!.id })
      .where(eq(statuses.id, thread.id));
  }
  return conversation!.id;
}

/** Status#increment_counter_caches, and the account's last status time. */
async function countNewStatus(tx: DbOrTx, status: StatusRow): Promise<void> {
  if (status.visibility === "direct") return;
  await tx
    .update(accounts)
    .set({ statusesCount: sql`${accounts.statusesCount} + 1`, lastStatusAt: status.createdAt })
    .where(eq(accounts.id, status.accountId));
  if (status.inReplyToId !== null && status.visibility !== "private") {
    await tx
      .update(statuses)
      .set({ repliesCount: sql`${statuses.repliesCount} + 1` })
      .where(eq(statuses.id, status.inReplyToId));
  }
}

/** Posts a status for `author`; returns its id (or that of the status the idempotency key made). */
export async function createStatus(
  db: Db,
  ctx: FormatContext & { jobs: JobQueue | null },
  author: Author,
  input: NewStatus,
): Promise<string> {
  const authorId = author.account.id;
  // Before the transaction: the detector's first use loads its profiles.
  const language = await newStatusLanguage(
    author.user,
    input.language,
    (input.text ?? "").trim() === "" ? (input.spoilerText ?? "") : (input.text ?? ""),
  );
  return db.transaction(async (tx) => {
    const replyTo = input.inReplyToId?.trim() ? input.inReplyToId.trim() : null;
    const thread = replyTo === null ? null : await findThread(tx, replyTo, authorId);
    const key = input.idempotencyKey?.trim() ? input.idempotencyKey : null;
    if (key !== null) {
      const earlier = await claimIdempotencyKey(tx, authorId, key);
      if (earlier) return earlier;
    }
    checkUnsupported(input);

    const spoilerPresent = (input.spoilerText ?? "").trim() !== "";
    const sensitive =
      (input.sensitive ?? author.user.settings["default_sensitive"] === true) || spoilerPresent;
    let text = input.text ?? "";
    let spoilerText = input.spoilerText ?? "";
    if (text.trim() === "" && spoilerPresent) {
      text = spoilerText;
      spoilerText = "";
    }
    let visibility: string = input.visibility || defaultVisibility(author);
    if (visibility === "public" && author.account.silencedAt) visibility = "unlisted";

    const mentioned = await resolveMentions(tx, text, author.account, ctx.localDomains);
    text = mentioned.text;
    await validateStatus(tx, { visibility, text, spoilerText });

    const id = newId();
    const inReplyToAccountId =
      thread === null
        ? null
        : thread.accountId === authorId && thread.inReplyToId !== null
          ? (thread.inReplyToAccountId ?? thread.accountId)
          : thread.accountId;
    const [status] = await tx
      .insert(statuses)
      .values({
        id,
        uri: `${ctx.urls.actor(author.account.username)}/statuses/${id}`,
        url: `${ctx.urls.profile(author.account.username)}/${id}`,
        accountId: authorId,
        inReplyToId: thread?.id ?? null,
        inReplyToAccountId,
        conversationId: await conversationFor(tx, thread),
        text,
        content: renderStatusContent(text, mentioned.accounts, ctx),
        spoilerText,
        sensitive,
        visibility: visibility as Visibility,
        language,
        applicationId: input.applicationId,
        local: true,
      })
      .returning();
    const row = status!;

    const fresh = await syncMentions(tx, row.id, mentioned.accounts);
    await syncStatusTags(tx, row);
    await countNewStatus(tx, row);
    if (key !== null) {
      await tx
        .update(idempotencyKeys)
        .set({ statusId: row.id })
        .where(and(eq(idempotencyKeys.accountId, authorId), eq(idempotencyKeys.key, key)));
    }
    for (const account of fresh) {
      if (account.domain !== null) continue; // remote accounts hear of it by federation (P3)
      await notify(tx, {
        accountId: account.id,
        fromAccountId: authorId,
        type: "mention",
        statusId: row.id,
      });
    }
    await onDirectStatus(
      tx,
      row,
      mentioned.accounts.map((a) => a.id),
    );
    // Followers' feeds are filled by a queued job: posting latency does not grow with followers.
    await onStatusCreated(tx, row, ctx.jobs);
    await emit(tx, statusEvent("status.created", row));
    return row.id;
  });
}
