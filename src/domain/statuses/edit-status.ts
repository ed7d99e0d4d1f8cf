// Editing a status, as Mastodon's UpdateStatusService and
// Api::V1::StatusesController#update
// (https://docs.joinmastodon.org/methods/statuses/#edit):
// - only one's own statuses (not boosts); others are a 404;
// - every edit sends the whole status: a missing `status` is an empty text
//   (so a 422), a missing `spoiler_text` removes the content warning; a
//   content warning makes it sensitive; the language keeps its value unless
//   a known one is given;
// - an edit that changes nothing changes nothing (no history entry);
// - the first edit records the original version first (at its creation
//   time), then every edit records the new version: the history holds every
//   version, the current one last;
// - mentions and hashtags follow the new text (dropped mentions turn silent),
//   accounts mentioned for the first time are notified, and local accounts
//   that boosted the status get an "update" notification;
// - the media sent replace the status's (UpdateStatusService#update_media_attachments!:
//   dropped ones stay attached for the history), `media_attributes` change
//   their description, focal point and thumbnail (edit-media.ts); the poll sent replaces the status's
//   (none removes it; new options reset its votes); each version in the
//   history records its media, their descriptions then, and its poll's options.
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/database.ts";
import { accounts, statusEdits, statuses, type StatusRow } from "../../db/schema/index.ts";
import { isId, newId } from "../../lib/ids.ts";
import { idArray, textArray } from "../../lib/pg-arrays.ts";
import { requestLinkCard } from "../cards/request.ts";
import { notFound } from "../errors.ts";
import { emit } from "../events/emit.ts";
import { statusEvent } from "../events/types.ts";
import { notify } from "../notifications/notify.ts";
import { checkPoll, type PollParams } from "../polls/input.ts";
import { pollOfStatus, replacePoll } from "../polls/write.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import type { MediaStorage } from "../../storage/storage.ts";
import { postingLanguage, type Author } from "./create-status.ts";
import { resolveMentions, syncMentions } from "./mentions.ts";
import { renderStatusContent, type FormatContext } from "./render.ts";
import { updateMediaAttributes, type MediaAttributes } from "./edit-media.ts";
import { attachMedia, currentMedia, resolveMedia } from "./status-media.ts";
import { syncStatusTags } from "./tags.ts";
import { validateStatus } from "./validate.ts";

export interface StatusChanges {
  text?: string;
  spoilerText?: string;
  sensitive?: boolean;
  language?: string;
  mediaIds?: string[];
  /** `media_attributes[]`: changes to attachments the edit keeps. */
  mediaAttributes?: MediaAttributes[];
  /** The poll sent, as permitted (null or absent: none). */
  poll?: PollParams | null;
}

/** What a version shows besides its text (Status#snapshot!). */
interface Attachments {
  media: Awaited<ReturnType<typeof currentMedia>>;
  pollOptions: string[] | null;
}

/** Status#snapshot!: one version in the history. */
async function snapshot(
  tx: DbOrTx,
  status: StatusRow,
  at: Date,
  accountId: string,
  attached: Attachments,
) {
  const id = newId(at);
  await tx.insert(statusEdits).values({
    id,
    statusId: status.id,
    accountId,
    text: status.text,
    content: status.content,
    spoilerText: status.spoilerText,
    sensitive: status.sensitive,
    createdAt: at,
  });
  await tx.execute(sql`UPDATE status_edits SET
      ordered_media_attachment_ids = ${idArray(attached.media.ids)}::bigint[],
      media_descriptions = ${nullableTextArray(attached.media.descriptions)}::text[],
      poll_options = ${attached.pollOptions === null ? null : textArray(attached.pollOptions)}::text[]
    WHERE id = ${id}::bigint`);
}

/** A text[] literal whose elements may be NULL. */
const nullableTextArray = (values: readonly (string | null)[]) =>
  `{${values.map((v) => (v === null ? "NULL" : textArray([v]).slice(1, -1))).join(",")}}`;

async function attachmentsOf(tx: DbOrTx, statusId: string): Promise<Attachments> {
  const poll = await pollOfStatus(tx, statusId);
  return { media: await currentMedia(tx, statusId), pollOptions: poll?.options ?? null };
}

/** What an edit needs besides the database: formatting, jobs, and storage for thumbnails. */
export type EditContext = FormatContext & {
  jobs?: JobQueue | null;
  storage?: MediaStorage | null;
};

/** Thrown to roll back an edit that changed nothing (UpdateStatusService::NoChangesSubmittedError). */
class NoChanges extends Error {}

/** Edits `author`'s status `id`; returns its id. */
export async function editStatus(
  db: Db,
  ctx: EditContext,
  author: Author,
  id: string,
  changes: StatusChanges,
): Promise<string> {
  if (!isId(id)) throw notFound();
  // Thumbnails of `media_attributes` written before their rows: gone again on a rollback.
  const written: string[] = [];
  try {
    return await editIn(db, ctx, written, author, id, changes);
  } catch (error) {
    if (written.length > 0) await ctx.storage?.delete(written).catch(() => undefined);
    if (error instanceof NoChanges) return id;
    throw error;
  }
}

function editIn(
  db: Db,
  ctx: EditContext,
  written: string[],
  author: Author,
  id: string,
  changes: StatusChanges,
): Promise<string> {
  const authorId = author.account.id;
  return db.transaction(async (tx) => {
    const [status] = await tx
      .select()
      .from(statuses)
      .where(and(eq(statuses.id, id), eq(statuses.accountId, authorId), isNull(statuses.deletedAt)))
      .for("update");
    if (!status || status.reblogOfId !== null) throw notFound();
    const before = await attachmentsOf(tx, status.id);
    const media = await resolveMedia(tx, authorId, changes.mediaIds, {
      poll: Boolean(changes.poll),
      statusId: status.id,
    });
    const checkedPoll = changes.poll ? checkPoll(changes.poll) : null;

    const spoilerGiven = (changes.spoilerText ?? "").trim() !== "";
    let text = changes.text ?? "";
    let spoilerText = changes.spoilerText ?? "";
    let warned = spoilerGiven;
    if (text.trim() === "" && spoilerGiven) {
      // UpdateStatusService: the content warning becomes the text and the
      // status keeps its current one.
      text = spoilerText;
      spoilerText = status.spoilerText;
      warned = false;
    }
    const sensitive = (changes.sensitive ?? false) || warned;
    const language = postingLanguage(author.user, changes.language, status.language);

    const mentioned = await resolveMentions(tx, text, author.account, ctx.localDomains);
    text = mentioned.text;
    await validateStatus(tx, {
      visibility: status.visibility,
      text,
      spoilerText,
      withMedia: media.length > 0,
      pollErrors: checkedPoll?.errors,
    });
    const content = renderStatusContent(text, mentioned.accounts, ctx);

    const mediaIds = media.map((m) => m.id);
    const mediaChanged =
      (await updateMediaAttributes(
        tx,
        { storage: ctx.storage, jobs: ctx.jobs, written },
        media,
        changes.mediaAttributes ?? [],
      )) || mediaIds.join(",") !== before.media.ids.join(",");
    if (mediaChanged) await attachMedia(tx, status.id, media);
    const pollChanged = await replacePoll(tx, ctx.jobs ?? null, status, checkedPoll?.poll ?? null);
    const changed =
      text !== status.text ||
      spoilerText !== status.spoilerText ||
      sensitive !== status.sensitive ||
      language !== status.language ||
      mediaChanged ||
      pollChanged;
    // Nothing changed: undo what the media and poll steps wrote.
    if (!changed) throw new NoChanges();

    const [{ edits = 0 } = {}] = await tx
      .select({ edits: sql<number>`count(*)::int` })
      .from(statusEdits)
      .where(eq(statusEdits.statusId, status.id));
    if (edits === 0) await snapshot(tx, status, status.createdAt, status.accountId, before);

    const now = new Date();
    const [updated] = await tx
      .update(statuses)
      .set({ text, content, spoilerText, sensitive, language, editedAt: now, updatedAt: now })
      .where(eq(statuses.id, status.id))
      .returning();
    const row = updated!;
    await snapshot(tx, row, now, authorId, await attachmentsOf(tx, row.id));

    const fresh = await syncMentions(tx, row.id, mentioned.accounts);
    await syncStatusTags(tx, row);
    for (const account of fresh) {
      if (account.domain !== null) continue;
      await notify(tx, {
        accountId: account.id,
        fromAccountId: authorId,
        type: "mention",
        statusId: row.id,
      });
    }
    await notifyBoostersOfUpdate(tx, row.id, authorId);
    // A changed text may link elsewhere: its preview card is looked at again.
    await requestLinkCard(tx, ctx.jobs, row, { textChanged: text !== status.text });
    await emit(tx, statusEvent("status.updated", row));
    return row.id;
  });
}

/**
 * FanOutOnWriteService#notify_about_update!: the local accounts that boosted
 * status `statusId` hear that its author (`authorId`, local or remote) edited it.
 */
export async function notifyBoostersOfUpdate(
  tx: DbOrTx,
  statusId: string,
  authorId: string,
): Promise<void> {
  const boosters = await tx
    .selectDistinct({ accountId: statuses.accountId })
    .from(statuses)
    .innerJoin(accounts, eq(accounts.id, statuses.accountId))
    .where(
      and(eq(statuses.reblogOfId, statusId), isNull(statuses.deletedAt), isNull(accounts.domain)),
    );
  for (const b of boosters) {
    await notify(tx, { accountId: b.accountId, fromAccountId: authorId, type: "update", statusId });
  }
}
