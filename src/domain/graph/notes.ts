// Private notes on accounts (https://docs.joinmastodon.org/methods/accounts/#note),
// as Mastodon's Api::V1::Accounts::NotesController and AccountNote: a blank
// comment removes the note, anything else (at most 2,000 characters) replaces
// it. Only its author sees it, in Relationship.note.
import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { accountNotes } from "../../db/schema/index.ts";
import { newId } from "../../lib/ids.ts";
import { unprocessable } from "../errors.ts";

/** AccountNote's length validation. */
export const NOTE_COMMENT_MAX = 2000;

/** Sets (or with a blank comment, removes) `accountId`'s note on `targetId`. */
export async function setAccountNote(
  db: Db,
  accountId: string,
  targetId: string,
  comment: string | undefined,
): Promise<void> {
  if (comment === undefined || comment.trim() === "") {
    await db
      .delete(accountNotes)
      .where(
        and(eq(accountNotes.accountId, accountId), eq(accountNotes.targetAccountId, targetId)),
      );
    return;
  }
  if ([...comment].length > NOTE_COMMENT_MAX) {
    throw unprocessable(
      `Validation failed: Comment is too long (maximum is ${NOTE_COMMENT_MAX} characters)`,
    );
  }
  await db
    .insert(accountNotes)
    .values({ id: newId(), accountId, targetAccountId: targetId, comment })
    .onConflictDoUpdate({
      target: [accountNotes.accountId, accountNotes.targetAccountId],
      set: { comment, updatedAt: new Date() },
    });
}
