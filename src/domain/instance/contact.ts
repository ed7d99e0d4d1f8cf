// The contact account named by the `site_contact_username` setting: a local
// username (`alice`, `@alice`, `alice@this.domain`) or a remote one
// (`bob@other.example`), as Mastodon's InstancePresenter::ContactPresenter reads it.
import { sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { accounts, users, type AccountRow } from "../../db/schema/index.ts";

export type ContactAccount = AccountRow & { roleId: number | null };

export async function findContactAccount(
  db: Db,
  setting: string,
  localDomains: readonly string[],
): Promise<ContactAccount | null> {
  const [username = "", rawDomain] = setting.trim().replace(/^@/, "").split("@", 2);
  if (username === "") return null;
  const domain =
    rawDomain === undefined || localDomains.includes(rawDomain.toLowerCase()) ? null : rawDomain;
  const rows = await db
    .select({ account: accounts, roleId: users.roleId })
    .from(accounts)
    .leftJoin(users, sql`${users.accountId} = ${accounts.id}`)
    .where(
      domain === null
        ? sql`lower(${accounts.username}) = lower(${username}) AND ${accounts.domain} IS NULL`
        : sql`lower(${accounts.username}) = lower(${username}) AND lower(${accounts.domain}) = lower(${domain})`,
    )
    .limit(1);
  const row = rows[0];
  return row ? { ...row.account, roleId: row.roleId ?? null } : null;
}
