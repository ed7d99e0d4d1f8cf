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
//   notifications and the feeds, all in one transaction;
// - media attachments (status-media.ts) and a poll (src/domain/polls/) are
//   saved in that transaction too; a status with media may have no text;
// - a `scheduled_at` more than 5 minutes ahead keeps the status for later
//   (src/domain/scheduled-statuses/), checked as if posted now; one already
//   past posts now.
import { eq, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/database.ts";
import {
  accounts,
  conversations,
  statuses,
  type AccountRow,
  type StatusRow,
  type UserRow,
  type Visibility,
} from "../../db/schema/index.ts";
import { isId, newId } from "../../lib/ids.ts";
import { requestLinkCard } from "../cards/request.ts";
import { DomainError } from "../errors.ts";
import { onDirectStatus } from "../conversations/account-conversations.ts";
import { emit } from "../events/emit.ts";
import { statusEvent } from "../events/types.ts";
import { notify } from "../notifications/notify.ts";
import { checkPoll, type PollParams } from "../polls/input.ts";
import { createPoll } from "../polls/write.ts";
import { insertScheduledStatus, scheduledTime } from "../scheduled-statuses/schedule.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import { onStatusCreated } from "../timelines/feeds.ts";
import { findVisibleStatus, original } from "./interactions/target.ts";
import { detectLanguage } from "./detect-language.ts";
import { DEFAULT_LANGUAGE, languageCascade } from "./languages.ts";
import { claimIdempotencyKey, recordIdempotencyKey, type Posted } from "./idempotency.ts";
import { resolveMentions, syncMentions } from "./mentions.ts";
import { renderStatusContent, type FormatContext } from "./render.ts";
import { attachMedia, resolveMedia } from "./status-media.ts";
import { syncStatusTags } from "./tags.ts";
import { isVisibility, validateStatus } from "./validate.ts";

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
  /** The poll sent, as permitted (null or absent: none). */
  poll?: PollParams | null;
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

/** The thread `input` replies to, if any (404 when the author may not see it). */
function threadOf(tx: DbOrTx, input: NewStatus, authorId: string): Promise<StatusRow | null> {
  const replyTo = input.inReplyToId?.trim() ? input.inReplyToId.trim() : null;
  return replyTo === null ? Promise.resolve(null) : findThread(tx, replyTo, authorId);
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

export type PostContext = FormatContext & { jobs: JobQueue | null };

/** What the author's input becomes once read and checked, as PostStatusService#preprocess_attributes!. */
interface Prepared {
  text: string;
  spoilerText: string;
  sensitive: boolean;
  visibility: Visibility;
  mentioned: Awaited<ReturnType<typeof resolveMentions>>;
  poll: ReturnType<typeof checkPoll>["poll"] | null;
}

/** Reads and checks the input (the Status and Poll validations); throws their 422. */
async function prepareStatus(
  tx: DbOrTx,
  ctx: PostContext,
  author: Author,
  input: NewStatus,
  withMedia: boolean,
): Promise<Prepared> {
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
  const checked = input.poll ? checkPoll(input.poll) : null;
  await validateStatus(tx, {
    visibility,
    text,
    spoilerText,
    withMedia,
    pollErrors: checked?.errors,
  });
  return {
    text,
    spoilerText,
    sensitive,
    visibility: visibility as Visibility,
    mentioned,
    poll: checked?.poll ?? null,
  };
}

/**
 * Posts a status for `author` in the caller's transaction; returns it. With
 * `scheduledStatusId`, the media waiting for that scheduled status may be
 * attached (publishing it).
 */
export async function postStatusIn(
  tx: DbOrTx,
  ctx: PostContext,
  author: Author,
  input: NewStatus,
  language: string,
  options: { scheduledStatusId?: string; thread?: StatusRow | null } = {},
): Promise<StatusRow> {
  const authorId = author.account.id;
  const thread =
    options.thread !== undefined ? options.thread : await threadOf(tx, input, authorId);
  const media = await resolveMedia(tx, authorId, input.mediaIds, {
    poll: Boolean(input.poll),
    scheduledStatusId: options.scheduledStatusId,
  });
  const prepared = await prepareStatus(tx, ctx, author, input, media.length > 0);
  const { text, mentioned } = prepared;

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
      spoilerText: prepared.spoilerText,
      sensitive: prepared.sensitive,
      visibility: prepared.visibility,
      language,
      applicationId: input.applicationId,
      local: true,
    })
    .returning();
  const row = status!;

  await attachMedia(tx, row.id, media);
  if (prepared.poll) await createPoll(tx, ctx.jobs, row, prepared.poll);
  const fresh = await syncMentions(tx, row.id, mentioned.accounts);
  await syncStatusTags(tx, row);
  await countNewStatus(tx, row);
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
  // Its link's preview card is fetched in the background (src/domain/cards/).
  await requestLinkCard(tx, ctx.jobs, row);
  await emit(tx, statusEvent("status.created", row));
  return row;
}

/** The language of the status `input` would post (detected outside any transaction). */
export function languageOf(author: Author, input: NewStatus): Promise<string> {
  return newStatusLanguage(
    author.user,
    input.language,
    (input.text ?? "").trim() === "" ? (input.spoilerText ?? "") : (input.text ?? ""),
  );
}

/** Keeps `input` to be posted at `at` (PostStatusService#schedule_status!); returns its id. */
async function scheduleStatus(
  tx: DbOrTx,
  ctx: PostContext,
  author: Author,
  input: NewStatus,
  at: Date,
  thread: StatusRow | null,
): Promise<string> {
  const media = await resolveMedia(tx, author.account.id, input.mediaIds, {
    poll: Boolean(input.poll),
  });
  // Checked as if posted now; what is kept is what was sent.
  await prepareStatus(tx, ctx, author, input, media.length > 0);
  const row = await insertScheduledStatus(
    tx,
    ctx.jobs,
    author.account.id,
    at,
    {
      text: input.text ?? null,
      media_ids: input.mediaIds ?? null,
      sensitive: input.sensitive ?? null,
      spoiler_text: input.spoilerText ?? null,
      visibility: input.visibility || null,
      language: input.language ?? null,
      scheduled_at: null,
      poll: input.poll ?? null,
      idempotency: null,
      with_rate_limit: false,
      in_reply_to_id: thread?.id ?? null,
      application_id: input.applicationId,
    },
    media.map((m) => m.id),
  );
  return row.id;
}

/**
 * Posts a status for `author`, or keeps it for `scheduled_at`; returns what
 * it made (or what the idempotency key made within the hour).
 */
export async function createStatus(
  db: Db,
  ctx: PostContext,
  author: Author,
  input: NewStatus,
): Promise<Posted> {
  const authorId = author.account.id;
  const at = scheduledTime(input.scheduledAt);
  // Before the transaction: the detector's first use loads its profiles.
  const language = at === null ? await languageOf(author, input) : "";
  return db.transaction(async (tx) => {
    const thread = await threadOf(tx, input, authorId);
    const key = input.idempotencyKey?.trim() ? input.idempotencyKey : null;
    if (key !== null) {
      const earlier = await claimIdempotencyKey(tx, authorId, key);
      if (earlier) return earlier;
    }
    const posted: Posted =
      at !== null
        ? { scheduled: true, id: await scheduleStatus(tx, ctx, author, input, at, thread) }
        : {
            scheduled: false,
            id: (await postStatusIn(tx, ctx, author, input, language, { thread })).id,
          };
    if (key !== null) await recordIdempotencyKey(tx, authorId, key, posted);
    return posted;
  });
}
