// `admin.sign_up` notifications: everyone who may manage users hears of a new
// account, as Mastodon's BootstrapTimelineService#notify_staff!
// (User.those_who_can(:manage_users)).
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import { can, PERMISSIONS, ROLES } from "../accounts/roles.ts";
import { notify } from "./notify.ts";

/** Notifies the staff who manage users that `accountId` signed up, in the caller's transaction. */
export async function notifyStaffOfSignUp(tx: DbOrTx, accountId: string): Promise<void> {
  const roleIds = ROLES.filter((r) => can(r, PERMISSIONS.manageUsers)).map((r) => r.id);
  if (roleIds.length === 0) return;
  const staff = await tx.execute<{ account_id: string }>(sql`
    SELECT u.account_id FROM users u
    WHERE u.role_id IN (${sql.join(
      roleIds.map((id) => sql`${id}`),
      sql`, `,
    )}) AND u.account_id <> ${accountId}::bigint
    ORDER BY u.id`);
  for (const { account_id } of staff.rows) {
    await notify(tx, { accountId: account_id, fromAccountId: accountId, type: "admin.sign_up" });
  }
}
