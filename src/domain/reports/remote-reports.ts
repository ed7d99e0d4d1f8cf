// Reports from other servers (a Flag activity), as Mastodon's
// ActivityPub::Activity::Flag and ReportService for a remote reporter:
// - nothing from a server whose instance block rejects reports
//   (DomainBlock.reject_reports?: the rule of the domain or its nearest parent);
// - one report per local, unsuspended account named, with the statuses
//   named that are that account's;
// - the reporter is the Flag's actor (often its server's instance actor):
//   reports are anonymised, so statuses are attached if they may have reached
//   that server (ReportService#reported_status_ids for a remote reporter):
//   public and unlisted ones, private ones when the target has followers
//   there, and any that mentions an account there; others are left out
//   rather than dropping the report. This is which evidence a report keeps,
//   not who may see a status (visibility.ts), so it lives here;
// - no comment length limit (Report validates local comments only), and
//   nothing is forwarded further.
import { sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import type { ReportRow } from "../../db/schema/index.ts";
import { idArray } from "../../lib/pg-arrays.ts";
import { isId } from "../../lib/ids.ts";
import { domainBlockRule } from "../instance/domain-block-rules.ts";
import { storeReport } from "./store.ts";

/** What a Flag names, resolved to local rows by federation. */
export interface IncomingFlag {
  /** Local accounts named by the Flag. */
  targetAccountIds: readonly string[];
  /** Local statuses named by the Flag. */
  statusIds: readonly string[];
  comment: string;
  /** The Flag's id, when it is the sender's. */
  uri: string | null;
}

/** The statuses of `targetId` among `ids` that may have reached servers of `domain`. */
async function attachableStatusIds(
  db: Db,
  domain: string,
  targetId: string,
  ids: readonly string[],
): Promise<string[]> {
  if (ids.length === 0) return [];
  const result = await db.execute<{ id: string }>(sql`SELECT s.id FROM statuses s
    WHERE s.id = ANY(${idArray(ids)}::bigint[]) AND s.account_id = ${targetId}::bigint AND (
      s.visibility IN ('public', 'unlisted')
      OR (s.visibility = 'private' AND EXISTS (SELECT 1 FROM follows f
        JOIN accounts fa ON fa.id = f.account_id
        WHERE f.target_account_id = s.account_id AND lower(fa.domain) = lower(${domain})))
      OR EXISTS (SELECT 1 FROM mentions m JOIN accounts ma ON ma.id = m.account_id
        WHERE m.status_id = s.id AND lower(ma.domain) = lower(${domain})))
    ORDER BY s.id`);
  return result.rows.map((r) => String(r.id));
}

/**
 * Files the reports of a Flag sent by remote account `reporter` (of
 * `reporter.domain`); returns them (none when the Flag concerns no one here).
 */
export async function receiveFlag(
  db: Db,
  reporter: { id: string; domain: string },
  flag: IncomingFlag,
): Promise<ReportRow[]> {
  const targetIds = [...new Set(flag.targetAccountIds.filter(isId))];
  if (targetIds.length === 0) return [];
  if ((await domainBlockRule(db, reporter.domain))?.rejectReports) return [];
  const statusIds = [...new Set(flag.statusIds.filter(isId))];
  const targets = await db.execute<{ id: string }>(sql`SELECT a.id FROM accounts a
    WHERE a.id = ANY(${idArray(targetIds)}::bigint[]) AND a.domain IS NULL
      AND a.suspended_at IS NULL
    ORDER BY a.id`);
  const out: ReportRow[] = [];
  for (const { id } of targets.rows) {
    const targetId = String(id);
    const attached = await attachableStatusIds(db, reporter.domain, targetId, statusIds);
    out.push(
      await db.transaction((tx) =>
        storeReport(tx, {
          accountId: reporter.id,
          targetAccountId: targetId,
          statusIds: attached,
          ruleIds: null,
          comment: flag.comment,
          category: "other",
          forwarded: false,
          forwardToDomains: [],
          uri: flag.uri,
          applicationId: null,
        }),
      ),
    );
  }
  return out;
}
