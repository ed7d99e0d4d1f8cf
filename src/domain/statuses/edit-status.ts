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
//   that boosted the status get an "update" notification.
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/database.ts";
import { accounts, statusEdits, statuses, type StatusRow } from "../../db/schema/index.ts";
import { isId, newId } from "../../lib/ids.ts";
import { notFound, unprocessable } from "../errors.ts";
import { emit } from "../events/emit.ts";
import { statusEvent } from "../events/types.ts";
import { notify } from "../notifications/notify.ts";
import { postingLanguage, type Author } from "./create-status.ts";
import { resolveMentions, syncMentions } from "./mentions.ts";
import { renderStatusContent, type FormatContext } from "./render.ts";
import { syncStatusTags } from "./tags.ts";
import { validateStatus } from "./validate.ts";

export interface StatusChanges {
  text?: string;
  spoilerText?: string;
  sensitive?: boolean;
  language?: string;
  mediaIds?: string[];
  poll?: boolean;
}

/** Status#snapshot!: one version in the history. */
async function snapshot(tx: DbOrTx, status: StatusRow, at: Date, accountId: string) {
  await tx.insert(statusEdits).values({
    id: newId(at),
    statusId: status.id,
    accountId,
    text: status.text,
    content: status.content,
    spoilerText: status.spoilerText,
    sensitive: status.sensitive,
    createdAt: at,
  });
}

/** Edits `author`'s status `id`; returns its id. */
export async function editStatus(
  db: Db,
  ctx: FormatContext,
  author: Author,
  id: string,
  changes: StatusChanges,
): Promise<string> {
  if (!isId(id)) throw notFound();
  const authorId = author.account.id;
  return db.transaction(async (tx) => {
    const [status] = await tx
      .select()
      .from(statuses)
      .where(and(eq(statuses.id, id), eq(statuses.accountId, authorId), isNull(statuses.deletedAt)))
      .for("update");
    if (!status || status.reblogOfId !== null) throw notFound();
    if ((changes.mediaIds ?? []).length > 0) {
      const ids = changes.mediaIds!.map((m) => String(Number.parseInt(m, 10) || 0));
      throw unprocessable(`Media ${ids.join(", ")} not found or already attached to another post`);
    }
    if (changes.poll) throw unprocessable("Polls are not available on this server yet");

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
    await validateStatus(tx, { visibility: status.visibility, text, spoilerText });
    const content = renderStatusContent(text, mentioned.accounts, ctx);

    const changed =
      text !== status.text ||
      spoilerText !== status.spoilerText ||
      sensitive !== status.sensitive ||
      language !== status.language;
    if (!changed) return status.id;

    const [{ edits = 0 } = {}] = await tx
      .select({ edits: sql<number>`count(*)::int` })
      .from(statusEdits)
      .where(eq(statusEdits.statusId, status.id));
    if (edits === 0) await snapshot(tx, status, status.createdAt, status.accountId);

    const now = new Date();
    const [updated] = await tx
      .update(statuses)
      .set({ text, content, spoilerText, sensitive, language, editedAt: now, updatedAt: now })
      .where(eq(statuses.id, status.id))
      .returning();
    const row = updated!;
    await snapshot(tx, row, now, authorId);

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
    // FanOutOnWriteService#notify_about_update!: local accounts that boosted it.
    const boosters = await tx
      .selectDistinct({ accountId: statuses.accountId })
      .from(statuses)
      .innerJoin(accounts, eq(accounts.id, statuses.accountId))
      .where(
        and(eq(statuses.reblogOfId, row.id), isNull(statuses.deletedAt), isNull(accounts.domain)),
      );
    for (const b of boosters) {
      await notify(tx, {
        accountId: b.accountId,
        fromAccountId: authorId,
        type: "update",
        statusId: row.id,
      });
    }
    await emit(tx, statusEvent("status.updated", row));
    return row.id;
  });
}
