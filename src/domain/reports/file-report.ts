// POST /api/v1/reports (https://docs.joinmastodon.org/methods/reports/#post),
// as Mastodon's Api::V1::ReportsController, ReportService and Report's
// validations:
// - the reported account must exist (and be shown to others) and not be
//   suspended, else 404;
// - every status attached must be the target's and visible to the reporter
//   (AccountStatusesFilter + find, src/domain/statuses/visibility.ts), else
//   404 for the whole report; duplicates count once;
// - the category is `violation` whenever rules are cited, else the one given
//   or `other`; a violation must cite rules in force, each once ("Rule ids
//   does not reference valid rules"); the comment is at most 1,000 characters;
// - `forward` for a remote target sends a Flag to the servers of
//   `forward_to_domains[]` (default: the target's own): the target's server
//   when listed (`forwarded`), and those of the accounts the reported
//   statuses reply to (ReportService#forward_to_replied_to!).
// Mastodon deletes statuses softly and lets a report attach a deleted one;
// Herd's visibility rule hides deleted statuses, so those are a 404 here.
// Mastodon's `reports` rate limit (400 a day per account) is not applied.
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { statuses, type ReportCategory, type ReportRow } from "../../db/schema/index.ts";
import { isId } from "../../lib/ids.ts";
import { loadAccount } from "../accounts/read.ts";
import { notFound, unprocessable } from "../errors.ts";
import { statusVisibleTo } from "../statuses/visibility.ts";
import { storeReport } from "./store.ts";

/** Report::COMMENT_SIZE_LIMIT (local reports only). */
export const REPORT_COMMENT_LIMIT = 1000;

export const REPORT_CATEGORIES: readonly ReportCategory[] = ["other", "spam", "legal", "violation"];

export interface ReportInput {
  accountId: string | undefined;
  statusIds: readonly string[];
  comment: string | undefined;
  category: string | undefined;
  ruleIds: readonly string[];
  forward: boolean;
  /** forward_to_domains[]; undefined when not given (the target's domain then). */
  forwardToDomains: readonly string[] | undefined;
}

export interface Reporter {
  accountId: string;
  applicationId: string | null;
}

/** TagManager#normalize_domain: the host as a URL has it (lower case, punycode), or null. */
export function normalizeDomain(domain: string): string | null {
  const trimmed = domain.trim().replace(/\/$/, "");
  if (trimmed === "" || /[/?#@\s]/.test(trimmed)) return null;
  try {
    return new URL(`https://${trimmed}`).host;
  } catch {
    return null;
  }
}

/** The statuses of `targetId` among `ids` that `reporterId` may see; a 404 when one is not. */
async function reportedStatusIds(
  db: Db,
  reporterId: string,
  targetId: string,
  ids: readonly string[],
): Promise<string[]> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return [];
  if (!wanted.every(isId)) throw notFound();
  const rows = await db
    .select({ id: statuses.id })
    .from(statuses)
    .where(
      and(
        inArray(statuses.id, wanted),
        eq(statuses.accountId, targetId),
        statusVisibleTo(reporterId),
      ),
    );
  if (rows.length !== wanted.length) throw notFound();
  return wanted;
}

/** Whether `ids` are rules in force, each named once (Report#validate_rule_ids). */
async function validRules(db: Db, ids: readonly string[]): Promise<boolean> {
  if (ids.length === 0 || !ids.every(isId)) return false;
  const result = await db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM rules
    WHERE id IN (${sql.join(
      ids.map((id) => sql`${id}::bigint`),
      sql`, `,
    )}) AND deleted_at IS NULL`);
  return result.rows[0]?.n === ids.length;
}

/** The remote domains (lower case) of the accounts the statuses `ids` reply to. */
async function repliedToDomains(db: Db, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const result = await db.execute<{ domain: string }>(sql`SELECT DISTINCT lower(a.domain) AS domain
    FROM statuses s JOIN accounts a ON a.id = s.in_reply_to_account_id
    WHERE s.id IN (${sql.join(
      ids.map((id) => sql`${id}::bigint`),
      sql`, `,
    )}) AND a.domain IS NOT NULL`);
  return result.rows.map((r) => r.domain);
}

/** `reporter` reports an account; returns the stored report. */
export async function fileReport(
  db: Db,
  reporter: Reporter,
  input: ReportInput,
): Promise<ReportRow> {
  const target =
    input.accountId !== undefined && isId(input.accountId)
      ? await loadAccount(db, input.accountId, { visibleOnly: true })
      : null;
  if (!target || target.suspendedAt) throw notFound();
  const statusIds = await reportedStatusIds(db, reporter.accountId, target.id, input.statusIds);

  const ruleIds = input.ruleIds.length > 0 ? [...input.ruleIds] : null;
  const given = input.category?.trim() ? input.category : "other";
  const category = ruleIds ? "violation" : given;
  const errors: string[] = [];
  if (!(REPORT_CATEGORIES as readonly string[]).includes(category)) {
    errors.push("Category is not included in the list");
  }
  const comment = input.comment ?? "";
  if ([...comment].length > REPORT_COMMENT_LIMIT) {
    errors.push(`Comment is too long (maximum is ${REPORT_COMMENT_LIMIT} characters)`);
  }
  if (category === "violation" && !(await validRules(db, ruleIds ?? []))) {
    errors.push("Rule ids does not reference valid rules");
  }
  if (errors.length > 0) throw unprocessable(`Validation failed: ${errors.join(", ")}`);

  let forwarded = false;
  const forwardToDomains: string[] = [];
  if (input.forward && target.domain !== null) {
    const targetDomain = target.domain.toLowerCase();
    const chosen = new Set(
      (input.forwardToDomains ?? [targetDomain])
        .map(normalizeDomain)
        .filter((d): d is string => d !== null),
    );
    forwarded = chosen.has(targetDomain);
    if (forwarded) forwardToDomains.push(targetDomain);
    for (const domain of await repliedToDomains(db, statusIds)) {
      // The target's server has it already (or was not to have it).
      if (domain !== targetDomain && chosen.has(domain)) forwardToDomains.push(domain);
    }
  }

  return db.transaction((tx) =>
    storeReport(tx, {
      accountId: reporter.accountId,
      targetAccountId: target.id,
      statusIds,
      ruleIds: category === "violation" ? ruleIds : null,
      comment,
      category: category as ReportCategory,
      forwarded,
      forwardToDomains,
      uri: null,
      applicationId: reporter.applicationId,
    }),
  );
}
