// Lists (https://docs.joinmastodon.org/methods/lists/), as Mastodon's List
// model and Api::V1::ListsController: a user's own named feeds of some of the
// accounts they follow, each with a replies policy and an "exclusive" switch
// that keeps its members out of the home feed.
import { and, asc, count, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { accounts, listAccounts, lists, type RepliesPolicy } from "../../db/schema/index.ts";
import { isId, newId } from "../../lib/ids.ts";
import { DomainError, notFound, unprocessable } from "../errors.ts";

export type ListRow = typeof lists.$inferSelect;

/** Lists one account may have (List::PER_ACCOUNT_LIMIT). */
export const PER_ACCOUNT_LIMIT = 50;
export const MAX_TITLE_LENGTH = 256;

const POLICIES: readonly RepliesPolicy[] = ["followed", "list", "none"];

export interface ListInput {
  title?: string;
  repliesPolicy?: string;
  exclusive?: boolean;
}

/** Validates what may be set; `creating` requires a title. */
function checked(input: ListInput, creating: boolean): Partial<ListRow> {
  const out: Partial<ListRow> = {};
  if (input.repliesPolicy !== undefined && input.repliesPolicy !== "") {
    if (!POLICIES.includes(input.repliesPolicy as RepliesPolicy)) {
      // What Rails' enum says about a value it does not know.
      throw new DomainError(
        "unprocessable",
        `'${input.repliesPolicy}' is not a valid replies_policy`,
      );
    }
    out.repliesPolicy = input.repliesPolicy as RepliesPolicy;
  }
  if (input.title !== undefined || creating) {
    const title = input.title ?? "";
    if (title.trim() === "") throw unprocessable("Validation failed: Title can't be blank");
    if ([...title].length > MAX_TITLE_LENGTH) {
      throw unprocessable(
        `Validation failed: Title is too long (maximum is ${MAX_TITLE_LENGTH} characters)`,
      );
    }
    out.title = title;
  }
  if (input.exclusive !== undefined) out.exclusive = input.exclusive;
  return out;
}

/** The lists of `accountId`, oldest first. */
export async function listsOf(db: Db, accountId: string): Promise<ListRow[]> {
  return db.select().from(lists).where(eq(lists.accountId, accountId)).orderBy(asc(lists.id));
}

/** List `id` if `accountId` owns it; else "not found", as for a list that does not exist. */
export async function ownList(db: Db, accountId: string, id: string): Promise<ListRow> {
  if (!isId(id)) throw notFound();
  const [row] = await db
    .select()
    .from(lists)
    .where(and(eq(lists.id, id), eq(lists.accountId, accountId)));
  if (!row) throw notFound();
  return row;
}

export async function createList(db: Db, accountId: string, input: ListInput): Promise<ListRow> {
  const values = checked(input, true);
  return db.transaction(async (tx) => {
    // Serialises an account's list creations, so that the limit holds.
    await tx.execute(sql`SELECT 1 FROM accounts WHERE id = ${accountId} FOR UPDATE`);
    const [{ n } = { n: 0 }] = await tx
      .select({ n: count() })
      .from(lists)
      .where(eq(lists.accountId, accountId));
    if (n >= PER_ACCOUNT_LIMIT) {
      throw unprocessable("Validation failed: You have reached the maximum number of lists");
    }
    const [row] = await tx
      .insert(lists)
      .values({ id: newId(), accountId, title: values.title!, ...values })
      .returning();
    return row!;
  });
}

export async function updateList(
  db: Db,
  accountId: string,
  id: string,
  input: ListInput,
): Promise<ListRow> {
  const list = await ownList(db, accountId, id);
  const values = checked(input, false);
  if (Object.keys(values).length === 0) return list;
  const [row] = await db
    .update(lists)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(lists.id, list.id))
    .returning();
  return row!;
}

/** Deletes the list, its memberships and its feed. */
export async function deleteList(db: Db, accountId: string, id: string): Promise<void> {
  const list = await ownList(db, accountId, id);
  await db.delete(lists).where(eq(lists.id, list.id));
}

/**
 * The lists of `viewerId` that include account `accountId`
 * (Api::V1::Accounts::ListsController): none for a suspended account,
 * "not found" for an unknown one.
 */
export async function listsIncluding(
  db: Db,
  viewerId: string,
  accountId: string,
): Promise<ListRow[]> {
  if (!isId(accountId)) throw notFound();
  const [account] = await db
    .select({ id: accounts.id, suspendedAt: accounts.suspendedAt })
    .from(accounts)
    .where(eq(accounts.id, accountId));
  if (!account) throw notFound();
  if (account.suspendedAt) return [];
  const rows = await db
    .select({ list: lists })
    .from(lists)
    .innerJoin(listAccounts, eq(listAccounts.listId, lists.id))
    .innerJoin(accounts, and(eq(accounts.id, listAccounts.accountId), isNull(accounts.suspendedAt)))
    .where(and(eq(lists.accountId, viewerId), eq(listAccounts.accountId, accountId)))
    .orderBy(asc(lists.id));
  return rows.map((r) => r.list);
}
