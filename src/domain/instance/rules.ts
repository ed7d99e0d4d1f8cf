// The server rules (https://docs.joinmastodon.org/entities/Rule/), set by the
// admin with `herd settings rules ...`. As Mastodon's Rule model: text of 1 to
// 300 characters, an optional longer hint, shown ordered by priority then id;
// removing a rule keeps the row (deleted_at) so reports citing it stay readable.
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { rules } from "../../db/schema/index.ts";
import { isId, newId } from "../../lib/ids.ts";
import { DomainError } from "../errors.ts";

export type RuleRow = typeof rules.$inferSelect;

export const RULE_TEXT_LIMIT = 300;
/** Mastodon sets no limit on hints; this keeps a hint a paragraph, not a book. */
export const RULE_HINT_LIMIT = 2000;

/** The rules in force, in the order they are shown. */
export async function listRules(db: Db): Promise<RuleRow[]> {
  return db
    .select()
    .from(rules)
    .where(isNull(rules.deletedAt))
    .orderBy(asc(rules.priority), asc(rules.id));
}

/** Adds a rule after the existing ones. */
export async function addRule(db: Db, text: string, hint = ""): Promise<RuleRow> {
  const trimmed = text.trim();
  const details: Record<string, { error: string; description: string }[]> = {};
  if (trimmed === "") details.text = [{ error: "ERR_BLANK", description: "can't be blank" }];
  else if ([...trimmed].length > RULE_TEXT_LIMIT) {
    details.text = [
      {
        error: "ERR_TOO_LONG",
        description: `is too long (maximum is ${RULE_TEXT_LIMIT} characters)`,
      },
    ];
  }
  if ([...hint].length > RULE_HINT_LIMIT) {
    details.hint = [
      {
        error: "ERR_TOO_LONG",
        description: `is too long (maximum is ${RULE_HINT_LIMIT} characters)`,
      },
    ];
  }
  if (Object.keys(details).length > 0) {
    const message = Object.entries(details)
      .map(([field, errs]) => `${field === "text" ? "Text" : "Hint"} ${errs[0]!.description}`)
      .join(", ");
    throw new DomainError("unprocessable", `Validation failed: ${message}`, { details });
  }
  const [row] = await db
    .insert(rules)
    .values({
      id: newId(),
      text: trimmed,
      hint: hint.trim(),
      priority: sql`(SELECT coalesce(max(priority), -1) + 1 FROM rules WHERE deleted_at IS NULL)`,
    })
    .returning();
  return row!;
}

/** Removes a rule from the list; `not_found` if there is no such rule in force. */
export async function removeRule(db: Db, id: string): Promise<RuleRow> {
  if (!isId(id)) throw new DomainError("not_found", "Record not found");
  const [row] = await db
    .update(rules)
    .set({ deletedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(eq(rules.id, id), isNull(rules.deletedAt)))
    .returning();
  if (!row) throw new DomainError("not_found", "Record not found");
  return row;
}
