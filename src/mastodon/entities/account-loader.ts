// Loads what serializeAccount needs for a page of accounts in a fixed number
// of queries (accounts joined with their users, then moved-to accounts if any).
import type { Db } from "../../db/database.ts";
import { loadAccounts } from "../../domain/accounts/read.ts";
import type { AccountView } from "./account.ts";

/**
 * The accounts of `ids` that exist, in the order of `ids`. `visibleOnly`
 * leaves out local accounts whose user is unconfirmed or unapproved.
 */
export async function loadAccountViews(
  db: Db,
  ids: readonly string[],
  options: { visibleOnly?: boolean } = {},
): Promise<AccountView[]> {
  return loadAccounts(db, ids, options);
}
