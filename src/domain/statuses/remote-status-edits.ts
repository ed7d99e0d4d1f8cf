// Edits of remote statuses (Update), as Mastodon's
// ActivityPub::ProcessStatusUpdateService: only the author's own, and only
// an edit newer than the one stored; the history is kept as for local edits
// (the original version first, at its creation time, then each version,
// each with its media, their descriptions then, and its poll's options);
// mentions added are notified, hashtags follow, and local accounts that
// boosted it hear of it ("update"). Attachments follow the post in order
// (new descriptions, or other media, are an edit); a poll whose options
// change is an edit and loses the votes cast here. An Update that is not a
// newer edit (a poll's new counts, UpdatePollSerializer) only refreshes the
// poll's counts and end (handle_implicit_update!).
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/database.ts";
import { statusEdits, statuses, type StatusRow } from "../../db/schema/index.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import { newId } from "../../lib/ids.ts";
import { idArray, textArray } from "../../lib/pg-arrays.ts";
import { sanitizeHtml } from "../../lib/sanitize-html.ts";
import { emit } from "../events/emit.ts";
import { statusEvent } from "../events/types.ts";
import { notify } from "../notifications/notify.ts";
import { syncRemotePoll } from "../polls/remote-polls.ts";
import { pollOfStatus } from "../polls/write.ts";
import {
  addMentions,
  clip,
  domainOf,
  LIMITS,
  lockUri,
  pollData,
  setAttachments,
  setExtras,
  setTags,
  storeRemoteEmojis,
  type RemoteStatusContent,
} from "./remote-status-parts.ts";
import { currentMedia } from "./status-media.ts";
import { requestLinkCard } from "../cards/request.ts";
import { notifyBoostersOfUpdate } from "./edit-status.ts";

/** What a version shows besides its text: its media and their descriptions, its poll's options. */
interface Attached {
  media: { ids: string[]; descriptions: (string | null)[] };
  pollOptions: string[] | null;
}

async function attachedNow(tx: DbOrTx, statusId: string): Promise<Attached> {
  const poll = await pollOfStatus(tx, statusId);
  return { media: await currentMedia(tx, statusId), pollOptions: poll?.options ?? null };
}

/** A text[] literal whose elements may be NULL. */
const nullableTextArray = (values: readonly (string | null)[]) =>
  `{${values.map((v) => (v === null ? "NULL" : textArray([v]).slice(1, -1))).join(",")}}`;

/** Status#snapshot!. */
async function snapshot(tx: DbOrTx, status: StatusRow, at: Date, attached: Attached) {
  const id = newId(at);
  await tx.insert(statusEdits).values({
    id,
    statusId: status.id,
    accountId: status.accountId,
    text: status.text,
    content: status.content,
    spoilerText: status.spoilerText,
    sensitive: status.sensitive,
    createdAt: at,
  });
  const options = attached.pollOptions;
  await tx.execute(sql`UPDATE status_edits SET
      ordered_media_attachment_ids = ${idArray(attached.media.ids)}::bigint[],
      media_descriptions = ${nullableTextArray(attached.media.descriptions)}::text[],
      poll_options = ${options === null ? null : textArray(options)}::text[]
    WHERE id = ${id}::bigint`);
}

/**
 * An edit of remote status `uri` by its author `accountId` (Update,
 * ProcessStatusUpdateService); `editedAt` is its `updated`. Returns the
 * status, or null when Herd does not have it. An edit older than the one
 * stored changes nothing.
 */
export async function updateRemoteStatus(
  db: Db,
  accountId: string,
  uri: string,
  changes: RemoteStatusContent & { editedAt: Date | null },
  options: { jobs: JobQueue | null } = { jobs: null },
): Promise<StatusRow | null> {
  return db.transaction(async (tx) => {
    await lockUri(tx, uri);
    const [status] = await tx
      .select()
      .from(statuses)
      .where(
        and(
          eq(statuses.uri, uri),
          eq(statuses.accountId, accountId),
          eq(statuses.local, false),
          isNull(statuses.deletedAt),
          isNull(statuses.reblogOfId),
        ),
      )
      .for("update");
    if (!status) return null;
    const now = new Date();
    const editedAt = changes.editedAt && changes.editedAt < now ? changes.editedAt : now;
    const poll = pollData(changes.poll);
    if (status.editedAt && editedAt <= status.editedAt) {
      await syncRemotePoll(tx, options.jobs, status, poll, false);
      return status;
    }

    const content = sanitizeHtml(clip(changes.content, LIMITS.content));
    const spoilerText = clip(changes.spoilerText, LIMITS.spoiler);
    const before = await attachedNow(tx, status.id);
    const mediaChanged = await setAttachments(tx, status, changes.attachments, options.jobs);
    const pollChange = await syncRemotePoll(tx, options.jobs, status, poll, true);
    await storeRemoteEmojis(tx, await domainOf(tx, accountId), changes.emojis);
    const changed =
      content !== status.content ||
      spoilerText !== status.spoilerText ||
      changes.sensitive !== status.sensitive ||
      (changes.language ?? status.language) !== status.language ||
      mediaChanged ||
      pollChange.significant;

    const notified = await addMentions(tx, status.id, changes.mentions);
    await setTags(tx, status, changes.tags);
    await setExtras(tx, status.id, changes);
    if (!changed) {
      for (const id of notified) {
        await notify(tx, {
          accountId: id,
          fromAccountId: accountId,
          type: "mention",
          statusId: status.id,
        });
      }
      return status;
    }
    const [{ edits = 0 } = {}] = await tx
      .select({ edits: sql<number>`count(*)::int` })
      .from(statusEdits)
      .where(eq(statusEdits.statusId, status.id));
    if (edits === 0) await snapshot(tx, status, status.createdAt, before);
    const [updated] = await tx
      .update(statuses)
      .set({
        content,
        spoilerText,
        sensitive: changes.sensitive,
        language: changes.language ?? status.language,
        editedAt,
        updatedAt: now,
      })
      .where(eq(statuses.id, status.id))
      .returning();
    const row = updated!;
    await snapshot(tx, row, editedAt, await attachedNow(tx, row.id));
    for (const id of notified) {
      await notify(tx, {
        accountId: id,
        fromAccountId: accountId,
        type: "mention",
        statusId: row.id,
      });
    }
    await notifyBoostersOfUpdate(tx, row.id, accountId);
    // A changed text may name another link: its card is fetched again.
    if (content !== status.content) {
      await requestLinkCard(tx, options.jobs, row, { textChanged: true });
    }
    await emit(tx, statusEvent("status.updated", row));
    return row;
  });
}
