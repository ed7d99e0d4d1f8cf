// Mentions of local statuses, as Mastodon's ProcessMentionsService:
// - `@user` and `@user@domain` name an account Herd knows: a local one whose
//   user is confirmed and approved, or a remote one in the accounts table
//   (unknown remote accounts stay text until Herd federates); suspended
//   accounts cannot be mentioned;
// - the text is rewritten with each mentioned account's `acct`
//   (`@Alice@this.server` becomes `@alice`), as Mastodon stores it;
// - accounts the author blocks, or whose domain the author blocks, are not
//   mentioned;
// - after an edit, mentions no longer in the text turn silent rather than
//   disappear: who was told keeps access.
import { and, eq, inArray, isNull, not, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import {
  accountDomainBlocks,
  accounts,
  blocks,
  mentions,
  users,
  type AccountRow,
} from "../../db/schema/index.ts";
import { newId } from "../../lib/ids.ts";
import { findMentions } from "../../lib/text-to-html.ts";

export interface MentionedAccount {
  id: string;
  username: string;
  /** Null for local accounts. */
  domain: string | null;
  url: string | null;
  uri: string | null;
}

export const acctOf = (a: { username: string; domain: string | null }) =>
  a.domain === null ? a.username : `${a.username}@${a.domain}`;

const keyOf = (username: string, domain: string | null) =>
  `${username.toLowerCase()}@${(domain ?? "").toLowerCase()}`;

/**
 * The accounts `text` mentions and the text rewritten with their `acct`
 * (ProcessMentionsService#scan_text!), without those the author blocks.
 */
export async function resolveMentions(
  tx: DbOrTx,
  text: string,
  author: Pick<AccountRow, "id">,
  localDomains: readonly string[],
): Promise<{ text: string; accounts: MentionedAccount[] }> {
  const found = findMentions(text, localDomains);
  if (found.length === 0) return { text, accounts: [] };
  const pairs = [...new Map(found.map((m) => [keyOf(m.username, m.domain), m])).values()];
  const rows = await tx
    .select({
      id: accounts.id,
      username: accounts.username,
      domain: accounts.domain,
      url: accounts.url,
      uri: accounts.uri,
    })
    .from(accounts)
    .leftJoin(users, eq(users.accountId, accounts.id))
    .where(
      and(
        sql`(lower(${accounts.username}), coalesce(lower(${accounts.domain}), '')) IN (${sql.join(
          pairs.map((m) => sql`(${m.username.toLowerCase()}, ${(m.domain ?? "").toLowerCase()})`),
          sql`, `,
        )})`,
        isNull(accounts.suspendedAt),
        // Unconfirmed and unapproved local users cannot be mentioned.
        sql`(${accounts.domain} IS NOT NULL OR (${users.confirmedAt} IS NOT NULL AND ${users.approved}))`,
      ),
    );
  const byKey = new Map(rows.map((r) => [keyOf(r.username, r.domain), r]));

  // Rewrite from the end so that earlier positions stay right.
  let rewritten = text;
  for (const m of [...found].reverse()) {
    const account = byKey.get(keyOf(m.username, m.domain));
    if (!account) continue;
    rewritten = `${rewritten.slice(0, m.start)}@${acctOf(account)}${rewritten.slice(m.end)}`;
  }

  const candidates = [...new Map(found.map((m) => [keyOf(m.username, m.domain), m])).keys()]
    .map((k) => byKey.get(k))
    .filter((a) => a !== undefined);
  if (candidates.length === 0) return { text: rewritten, accounts: [] };
  const blocked = new Set(
    (
      await tx
        .select({ id: blocks.targetAccountId })
        .from(blocks)
        .where(
          and(
            eq(blocks.accountId, author.id),
            inArray(
              blocks.targetAccountId,
              candidates.map((a) => a.id),
            ),
          ),
        )
    ).map((r) => r.id),
  );
  const domains = [...new Set(candidates.map((a) => a.domain).filter((d) => d !== null))];
  const blockedDomains = new Set(
    domains.length === 0
      ? []
      : (
          await tx
            .select({ domain: accountDomainBlocks.domain })
            .from(accountDomainBlocks)
            .where(
              and(
                eq(accountDomainBlocks.accountId, author.id),
                inArray(accountDomainBlocks.domain, domains),
              ),
            )
        ).map((r) => r.domain),
  );
  return {
    text: rewritten,
    accounts: candidates.filter(
      (a) => !blocked.has(a.id) && !(a.domain !== null && blockedDomains.has(a.domain)),
    ),
  };
}

/**
 * Makes the status's active mentions those of `mentioned`: new ones are
 * made (or made active again), the others turn silent. Returns the accounts
 * mentioned for the first time, to be notified.
 */
export async function syncMentions(
  tx: DbOrTx,
  statusId: string,
  mentioned: MentionedAccount[],
): Promise<MentionedAccount[]> {
  const existing = await tx
    .select({ accountId: mentions.accountId })
    .from(mentions)
    .where(eq(mentions.statusId, statusId));
  const had = new Set(existing.map((m) => m.accountId));
  const ids = mentioned.map((a) => a.id);
  if (mentioned.length > 0) {
    await tx
      .insert(mentions)
      .values(mentioned.map((a) => ({ id: newId(), statusId, accountId: a.id })))
      .onConflictDoUpdate({
        target: [mentions.statusId, mentions.accountId],
        set: { silent: false },
      });
  }
  await tx
    .update(mentions)
    .set({ silent: true })
    .where(
      and(
        eq(mentions.statusId, statusId),
        eq(mentions.silent, false),
        ids.length > 0 ? not(inArray(mentions.accountId, ids)) : undefined,
      ),
    );
  return mentioned.filter((a) => !had.has(a.id));
}
