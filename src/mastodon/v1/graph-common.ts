// What the social graph's routes share: the account an action is about,
// answering with the viewer's Relationship to it, and pages of accounts.
import type { Context } from "hono";
import { loadAccount, type AccountWithUser } from "../../domain/accounts/read.ts";
import type { ListedAccount } from "../../domain/graph/follow-lists.ts";
import { loadRelationships } from "../../domain/graph/relationships.ts";
import type { Page } from "../../domain/statuses/interactions/page.ts";
import type { HerdEnv } from "../../http/env.ts";
import { notFoundError } from "../../http/errors.ts";
import { loadAccountViews } from "../entities/account-loader.ts";
import { serializeAccount, type Account } from "../entities/account.ts";
import { serializeRelationship } from "../entities/relationship.ts";
import { urlsOf } from "./accounts-common.ts";
import { setPageLinks } from "./statuses-interactions.ts";

/** Api::BaseController::DEFAULT_ACCOUNTS_LIMIT; lists take twice that at most. */
export const ACCOUNTS_LIMIT = 40;

/**
 * The account of the `:id` path parameter, as Mastodon's controllers find
 * it: unknown ids, and local accounts whose user is unconfirmed or not
 * approved, are 404.
 */
export async function pathAccount(c: Context<HerdEnv>): Promise<AccountWithUser> {
  const account = await loadAccount(c.get("deps").database.db, c.req.param("id") ?? "", {
    visibleOnly: true,
  });
  if (!account) throw notFoundError();
  return account;
}

/** Answers the Relationship of `viewerId` with `accountId`. */
export async function answerRelationship(c: Context<HerdEnv>, viewerId: string, accountId: string) {
  const [view] = await loadRelationships(c.get("deps").database.db, viewerId, [accountId]);
  if (!view) throw notFoundError();
  return c.json(serializeRelationship(view));
}

/** The accounts of a page, in its order, in a fixed number of queries. */
export async function pageAccounts(
  c: Context<HerdEnv>,
  page: Page<ListedAccount>,
): Promise<Account[]> {
  const views = await loadAccountViews(
    c.get("deps").database.db,
    page.items.map((i) => i.accountId),
  );
  const urls = urlsOf(c);
  return views.map((a) => serializeAccount(a, urls));
}

/** Answers a page of accounts with Mastodon's Link header. */
export async function answerAccountPage(c: Context<HerdEnv>, page: Page<ListedAccount>) {
  const accounts = await pageAccounts(c, page);
  setPageLinks(c, page);
  return c.json(accounts);
}
