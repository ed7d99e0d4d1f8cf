// Report (https://docs.joinmastodon.org/entities/Report/), as Mastodon's
// REST::ReportSerializer: ids as strings, `rule_ids` null unless rules are
// cited, `action_taken` from `action_taken_at`, the target as a full Account.
// A page of reports loads its target accounts in one go.
import type { Db } from "../../db/database.ts";
import type { ReportCategory, ReportRow } from "../../db/schema/index.ts";
import type { Urls } from "../../urls.ts";
import { loadAccountViews } from "./account-loader.ts";
import { serializeAccount, type Account } from "./account.ts";

export interface Report {
  id: string;
  action_taken: boolean;
  action_taken_at: string | null;
  category: ReportCategory;
  comment: string;
  forwarded: boolean;
  created_at: string;
  status_ids: string[] | null;
  rule_ids: string[] | null;
  target_account: Account;
}

export function serializeReport(report: ReportRow, target: Account): Report {
  return {
    id: report.id,
    action_taken: report.actionTakenAt !== null,
    action_taken_at: report.actionTakenAt?.toISOString() ?? null,
    category: report.category,
    comment: report.comment,
    forwarded: report.forwarded,
    created_at: report.createdAt.toISOString(),
    status_ids: report.statusIds.map(String),
    rule_ids: report.ruleIds ? report.ruleIds.map(String) : null,
    target_account: target,
  };
}

/** `reports` as entities, by report id (one whose target cannot be loaded is left out). */
export async function renderReports(
  db: Db,
  reports: readonly ReportRow[],
  urls: Urls,
): Promise<Map<string, Report>> {
  const views = await loadAccountViews(db, [...new Set(reports.map((r) => r.targetAccountId))]);
  const accountById = new Map(views.map((a) => [a.id, serializeAccount(a, urls)]));
  const out = new Map<string, Report>();
  for (const report of reports) {
    const target = accountById.get(report.targetAccountId);
    if (target) out.set(report.id, serializeReport(report, target));
  }
  return out;
}
