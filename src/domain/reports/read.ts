// Reading reports for display (the Report entity of POST /api/v1/reports and
// of `admin.report` notifications).
import { inArray } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { reports, type ReportRow } from "../../db/schema/index.ts";
import { isId } from "../../lib/ids.ts";

/** The reports of `ids` that exist, in one query, in no particular order. */
export async function loadReports(db: Db, ids: readonly string[]): Promise<ReportRow[]> {
  const wanted = [...new Set(ids.filter(isId))];
  if (wanted.length === 0) return [];
  return db.select().from(reports).where(inArray(reports.id, wanted));
}
