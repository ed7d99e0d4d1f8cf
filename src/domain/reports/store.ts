// Storing a report, whoever files it (file-report.ts for local accounts,
// remote-reports.ts for Flags from other servers), as the end of Mastodon's
// ReportService#call: the row, the staff told (`admin.report`,
// notifications/reports.ts), and `report.created` for federation to send the
// Flag where the report is forwarded (src/federation/outbox/reports.ts).
import type { DbOrTx } from "../../db/database.ts";
import { reports, type ReportCategory, type ReportRow } from "../../db/schema/index.ts";
import { newId } from "../../lib/ids.ts";
import { emit } from "../events/emit.ts";
import { notifyStaffOfReport } from "../notifications/reports.ts";

export interface NewReport {
  /** The reporter. */
  accountId: string;
  targetAccountId: string;
  statusIds: string[];
  ruleIds: string[] | null;
  comment: string;
  category: ReportCategory;
  /** Whether the target's own server gets the Flag. */
  forwarded: boolean;
  /** Every domain that gets the Flag (the target's, when forwarded, first). */
  forwardToDomains: string[];
  uri: string | null;
  applicationId: string | null;
}

/** Stores `report` and tells the staff and federation, in the caller's transaction. */
export async function storeReport(tx: DbOrTx, report: NewReport): Promise<ReportRow> {
  const [row] = await tx
    .insert(reports)
    .values({ id: newId(), ...report })
    .returning();
  await notifyStaffOfReport(tx, row!);
  await emit(tx, {
    type: "report.created",
    reportId: row!.id,
    accountId: row!.accountId,
    targetAccountId: row!.targetAccountId,
    forward: row!.forwardToDomains.length > 0,
  });
  return row!;
}
