// Domains a user blocks (https://docs.joinmastodon.org/methods/domain_blocks/),
// as Mastodon's Api::V1::DomainBlocksController, AccountDomainBlock (its
// domain normalised: trimmed, lower case, IDNA/punycode) and
// AfterBlockDomainFromAccountService, which here runs in the same
// transaction: notifications from the domain's accounts are cleared, the
// user's follows of them end, and their follows of and pending requests to
// the user are removed. Blocking an already blocked domain, or unblocking one
// that is not, succeeds.
import { domainToASCII } from "node:url";
import { and, eq, inArray, or } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { accountDomainBlocks, accounts, followRequests, follows } from "../../db/schema/index.ts";
import type { PageQuery } from "../../http/pagination.ts";
import { newId } from "../../lib/ids.ts";
import { unprocessable } from "../errors.ts";
import { clearNotificationsFromDomain } from "../notifications/dismiss.ts";
import { pageClauses, toPage, type Page } from "../statuses/interactions/page.ts";
import { onUnfollow } from "../timelines/feeds.ts";
import { removeFollows } from "./follow-rows.ts";

export interface BlockedDomain {
  id: string;
  domain: string;
}

const invalid = (description: string) => unprocessable(`Validation failed: Domain ${description}`);

/**
 * The domain as stored (TagManager#normalize_domain); a 422 for a blank
 * value or one that is not a host name.
 */
export function normalizeBlockedDomain(raw: string): string {
  const trimmed = raw.trim().replace(/\/$/, "");
  if (trimmed === "") throw invalid("can't be blank");
  const ascii = /[\s/@:?#[\]\\%]/.test(trimmed) ? "" : domainToASCII(trimmed.toLowerCase());
  if (ascii === "" || ascii.length > 253) throw invalid("is not a valid domain name");
  return ascii;
}

/** `accountId` blocks `rawDomain`. */
export async function blockDomain(db: Db, accountId: string, rawDomain: string): Promise<void> {
  const domain = normalizeBlockedDomain(rawDomain);
  await db.transaction(async (tx) => {
    await tx
      .insert(accountDomainBlocks)
      .values({ id: newId(), accountId, domain })
      .onConflictDoNothing({ target: [accountDomainBlocks.accountId, accountDomainBlocks.domain] });
    await clearNotificationsFromDomain(tx, accountId, domain);
    const ofDomain = tx
      .select({ id: accounts.id })
      .from(accounts)
      .where(eq(accounts.domain, domain));
    const gone = await removeFollows(
      tx,
      or(
        and(eq(follows.accountId, accountId), inArray(follows.targetAccountId, ofDomain)),
        and(eq(follows.targetAccountId, accountId), inArray(follows.accountId, ofDomain)),
      )!,
    );
    for (const g of gone) await onUnfollow(tx, g.accountId, g.targetAccountId);
    await tx
      .delete(followRequests)
      .where(
        and(
          eq(followRequests.targetAccountId, accountId),
          inArray(followRequests.accountId, ofDomain),
        ),
      );
  });
}

/** `accountId` unblocks `rawDomain`. */
export async function unblockDomain(db: Db, accountId: string, rawDomain: string): Promise<void> {
  const domain = normalizeBlockedDomain(rawDomain);
  await db
    .delete(accountDomainBlocks)
    .where(
      and(eq(accountDomainBlocks.accountId, accountId), eq(accountDomainBlocks.domain, domain)),
    );
}

/** A page of the domains `accountId` blocks, newest first. */
export async function blockedDomains(
  db: Db,
  accountId: string,
  q: PageQuery,
): Promise<Page<BlockedDomain>> {
  const { where, order } = pageClauses(accountDomainBlocks.id, q);
  const rows = await db
    .select({ id: accountDomainBlocks.id, domain: accountDomainBlocks.domain })
    .from(accountDomainBlocks)
    .where(and(eq(accountDomainBlocks.accountId, accountId), ...where))
    .orderBy(order)
    .limit(q.limit);
  return toPage(rows, (r) => r.id, q);
}
