// The accounts of a list (https://docs.joinmastodon.org/methods/lists/#accounts),
// as Mastodon's Api::V1::Lists::AccountsController, ListAccount,
// AddAccountsToListService and RemoveAccountsFromListService:
// - only accounts the owner follows, or has asked to follow, or the owner
//   themself, may join (else "not found"); one already in is a 422;
// - joining merges the member's recent statuses into the list's feed (a
//   queued job), leaving takes them out.
import { and, desc, eq, gt, inArray, isNull, lt } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { accounts, followRequests, follows, listAccounts } from "../../db/schema/index.ts";
import type { PageQuery } from "../../http/pagination.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import { isId, newId } from "../../lib/ids.ts";
import { notFound, unprocessable } from "../errors.ts";
import { FEED_JOBS } from "../timelines/jobs.ts";
import { unmergeFromLists } from "../timelines/merge.ts";
import { ownList } from "./lists.ts";

/**
 * The ids of the list's members, by descending account id (Mastodon pages
 * them by account id): a page, or all of them when `page` is null.
 */
export async function listMemberIds(
  db: Db,
  ownerId: string,
  listId: string,
  page: PageQuery | null,
): Promise<string[]> {
  const list = await ownList(db, ownerId, listId);
  const where = [eq(listAccounts.listId, list.id), isNull(accounts.suspendedAt)];
  if (page?.maxId) where.push(lt(accounts.id, page.maxId));
  if (page?.sinceId) where.push(gt(accounts.id, page.sinceId));
  const query = db
    .select({ id: accounts.id })
    .from(listAccounts)
    .innerJoin(accounts, eq(accounts.id, listAccounts.accountId))
    .where(and(...where))
    .orderBy(desc(accounts.id));
  const rows = page ? await query.limit(page.limit) : await query;
  return rows.map((r) => r.id);
}

/** Adds accounts to a list; all or none. */
export async function addListMembers(
  db: Db,
  jobs: JobQueue,
  ownerId: string,
  listId: string,
  accountIds: string[],
): Promise<void> {
  const list = await ownList(db, ownerId, listId);
  const wanted = [...new Set(accountIds)];
  if (wanted.length === 0) return;
  if (!wanted.every(isId)) throw notFound();
  await db.transaction(async (tx) => {
    const found = await tx
      .select({ id: accounts.id })
      .from(accounts)
      .where(inArray(accounts.id, wanted));
    if (found.length !== wanted.length) throw notFound();
    const others = wanted.filter((id) => id !== ownerId);
    const followed = new Map(
      others.length === 0
        ? []
        : (
            await tx
              .select({ id: follows.id, target: follows.targetAccountId })
              .from(follows)
              .where(and(eq(follows.accountId, ownerId), inArray(follows.targetAccountId, others)))
          ).map((f) => [f.target, f.id]),
    );
    const requested = new Map(
      others.length === 0
        ? []
        : (
            await tx
              .select({ id: followRequests.id, target: followRequests.targetAccountId })
              .from(followRequests)
              .where(
                and(
                  eq(followRequests.accountId, ownerId),
                  inArray(followRequests.targetAccountId, others),
                ),
              )
          ).map((f) => [f.target, f.id]),
    );
    // ListAccount#set_follow: without a follow or a request, the record is not found.
    if (others.some((id) => !followed.has(id) && !requested.has(id))) throw notFound();
    const inserted = await tx
      .insert(listAccounts)
      .values(
        wanted.map((accountId) => ({
          id: newId(),
          listId: list.id,
          accountId,
          followId: followed.get(accountId) ?? null,
          followRequestId: followed.has(accountId) ? null : (requested.get(accountId) ?? null),
        })),
      )
      .onConflictDoNothing({ target: [listAccounts.listId, listAccounts.accountId] })
      .returning({ accountId: listAccounts.accountId });
    if (inserted.length !== wanted.length) {
      throw unprocessable("Validation failed: Account has already been taken");
    }
    for (const accountId of wanted) {
      // Only followed accounts (or the owner) deliver to the list yet.
      if (accountId !== ownerId && !followed.has(accountId)) continue;
      await jobs.send(FEED_JOBS.mergeList, { listId: list.id, accountId }, { tx });
    }
  });
}

/** Removes accounts from a list; ids not in it are ignored. */
export async function removeListMembers(
  db: Db,
  ownerId: string,
  listId: string,
  accountIds: string[],
): Promise<void> {
  const list = await ownList(db, ownerId, listId);
  const ids = [...new Set(accountIds)].filter(isId);
  if (ids.length === 0) return;
  await db.transaction(async (tx) => {
    const removed = await tx
      .delete(listAccounts)
      .where(and(eq(listAccounts.listId, list.id), inArray(listAccounts.accountId, ids)))
      .returning({ accountId: listAccounts.accountId });
    for (const { accountId } of removed) {
      await unmergeFromLists(tx, { listId: list.id }, accountId);
    }
  });
}
