// Endorsements: accounts featured on a profile
// (https://docs.joinmastodon.org/methods/accounts/#endorse, #unendorse,
// #endorsements, methods/endorsements/), as Mastodon's AccountPin and
// Api::V1::Accounts::EndorsementsController: only an account one follows can
// be featured (unfollowing removes it, see follow-rows.ts); both actions are
// idempotent; lists leave out suspended accounts, newest endorsement first,
// paginated by the endorsement's id.
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { accountPins, accounts, follows } from "../../db/schema/index.ts";
import type { PageQuery } from "../../http/pagination.ts";
import { newId } from "../../lib/ids.ts";
import { unprocessable } from "../errors.ts";
import { pageClauses, toPage, type Page } from "../statuses/interactions/page.ts";
import type { ListedAccount } from "./follow-lists.ts";
import { lockPair } from "./follow-rows.ts";

/** `accountId` features `targetId` on its profile; 422 unless it follows it. */
export async function endorseAccount(db: Db, accountId: string, targetId: string): Promise<void> {
  await db.transaction(async (tx) => {
    await lockPair(tx, accountId, targetId);
    const [following] = await tx
      .select({ id: follows.id })
      .from(follows)
      .where(and(eq(follows.accountId, accountId), eq(follows.targetAccountId, targetId)));
    if (!following) {
      throw unprocessable(
        "Validation failed: You must be already following the person you want to endorse",
      );
    }
    await tx
      .insert(accountPins)
      .values({ id: newId(), accountId, targetAccountId: targetId })
      .onConflictDoNothing({ target: [accountPins.accountId, accountPins.targetAccountId] });
  });
}

/** `accountId` stops featuring `targetId`. */
export async function unendorseAccount(db: Db, accountId: string, targetId: string) {
  await db
    .delete(accountPins)
    .where(and(eq(accountPins.accountId, accountId), eq(accountPins.targetAccountId, targetId)));
}

/** A page of the accounts `accountId` features. */
export async function endorsedAccounts(
  db: Db,
  accountId: string,
  q: PageQuery,
): Promise<Page<ListedAccount>> {
  const { where, order } = pageClauses(accountPins.id, q);
  const rows = await db
    .select({ id: accountPins.id, accountId: accountPins.targetAccountId })
    .from(accountPins)
    .innerJoin(accounts, eq(accounts.id, accountPins.targetAccountId))
    .where(and(eq(accountPins.accountId, accountId), isNull(accounts.suspendedAt), ...where))
    .orderBy(order)
    .limit(q.limit);
  return toPage(rows, (r) => r.id, q);
}
