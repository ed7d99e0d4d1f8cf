// `admin.report` notifications: everyone who may manage reports hears of a
// new report, as Mastodon's ReportService#notify_staff!
// (User.those_who_can(:manage_reports), LocalNotificationWorker with the
// report as activity), unless the target already has an unresolved report
// (Report#unresolved_siblings?): one pending case is enough to look at. The
// notification comes from the reporter; a staff member's own report does not
// notify them (notify()'s rules).
// https://docs.joinmastodon.org/entities/Notification/#report
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import type { ReportRow } from "../../db/schema/index.ts";
import { can, PERMISSIONS, ROLES } from "../accounts/roles.ts";
import { notify } from "./notify.ts";

/** Notifies the staff who manage reports of `report`, in the caller's transaction. */
export async function notifyStaffOfReport(
  tx: DbOrTx,
  report: Pick<ReportRow, "id" | "accountId" | "targetAccountId">,
): Promise<void> {
  const roleIds = ROLES.filter((r) => can(r, PERMISSIONS.manageReports)).map((r) => r.id);
  if (roleIds.length === 0) return;
  const siblings = await tx.execute(sql`SELECT 1 FROM reports
    WHERE target_account_id = ${report.targetAccountId}::bigint AND id <> ${report.id}::bigint
      AND action_taken_at IS NULL LIMIT 1`);
  if (siblings.rows.length > 0) return;
  const staff = await tx.execute<{ account_id: string }>(sql`
    SELECT u.account_id FROM users u
    WHERE u.role_id IN (${sql.join(
      roleIds.map((id) => sql`${id}`),
      sql`, `,
    )})
    ORDER BY u.id`);
  for (const { account_id } of staff.rows) {
    await notify(tx, {
      accountId: account_id,
      fromAccountId: report.accountId,
      type: "admin.report",
      reportId: report.id,
    });
  }
}
