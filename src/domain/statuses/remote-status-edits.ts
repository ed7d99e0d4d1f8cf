// Edits of remote statuses (Update), as Mastodon's
// ActivityPub::ProcessStatusUpdateService: only the author's own, and only
// an edit newer than the one stored; the history is kept as for local edits
// (the original version first, at its creation time, then each version);
// mentions added are notified, hashtags follow, and local accounts that
// boosted it hear of it ("update").
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/database.ts";
import { accounts, statusEdits, statuses, type StatusRow } from "../../db/schema/index.ts";
import { remoteStatusData } from "../../db/schema/remote.ts";
import { newId } from "../../lib/ids.ts";
import { sanitizeHtml } from "../../lib/sanitize-html.ts";
import { emit } from "../events/emit.ts";
import { statusEvent } from "../events/types.ts";
import { notify } from "../notifications/notify.ts";
import {
  addMentions,
  clip,
  LIMITS,
  lockUri,
  setExtras,
  setTags,
  type RemoteStatusContent,
} from "./remote-status-parts.ts";

/** Status#snapshot!. */
async function snapshot(tx: DbOrTx, status: StatusRow, at: Date) {
  await tx.insert(statusEdits).values({
    id: newId(at),
    statusId: status.id,
    accountId: status.accountId,
    text: status.text,
    content: status.content,
    spoilerText: status.spoilerText,
    sensitive: status.sensitive,
    createdAt: at,
  });
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
    if (status.editedAt && editedAt <= status.editedAt) return status;

    const content = sanitizeHtml(clip(changes.content, LIMITS.content));
    const spoilerText = clip(changes.spoilerText, LIMITS.spoiler);
    const [extras] = await tx
      .select()
      .from(remoteStatusData)
      .where(eq(remoteStatusData.statusId, status.id));
    const pollChanged =
      JSON.stringify(extras?.poll?.options.map((o) => o.title) ?? null) !==
      JSON.stringify(changes.poll?.options.map((o) => o.title) ?? null);
    const changed =
      content !== status.content ||
      spoilerText !== status.spoilerText ||
      changes.sensitive !== status.sensitive ||
      (changes.language ?? status.language) !== status.language ||
      pollChanged;

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
    if (edits === 0) await snapshot(tx, status, status.createdAt);
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
    await snapshot(tx, row, editedAt);
    for (const id of notified) {
      await notify(tx, {
        accountId: id,
        fromAccountId: accountId,
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
        fromAccountId: accountId,
        type: "update",
        statusId: row.id,
      });
    }
    await emit(tx, statusEvent("status.updated", row));
    return row;
  });
}
