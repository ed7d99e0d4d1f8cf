// `admin.sign_up` notifications: everyone who may manage users hears of a new
// account, as Mastodon's BootstrapTimelineService#notify_staff!
// (User.those_who_can(:manage_users)). As there, this happens when the user
// becomes active (User#prepare_new_user!), not when it registers: at its first
// confirmation if it is approved, else when it is approved if it is confirmed
// (src/domain/accounts/confirmation.ts, moderation.ts), or at once for an
// account an admin creates confirmed and approved (admin-accounts.ts).
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import { can, PERMISSIONS, ROLES } from "../accounts/roles.ts";
import { notify } from "./notify.ts";

/** Notifies the staff who manage users that `accountId` became active, in the caller's transaction. */
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
