// POST /api/v1/reports (https://docs.joinmastodon.org/methods/reports/#post),
// as Mastodon's Api::V1::ReportsController: a user token with
// `write:reports`; the rules are the domain's (src/domain/reports/file-report.ts).
import type { Hono } from "hono";
import { fileReport } from "../../domain/reports/file-report.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { notFoundError } from "../../http/errors.ts";
import { params } from "../../http/params.ts";
import { renderReports } from "../entities/report.ts";
import { idsParam, scalar, truthy, urlsOf } from "./accounts-common.ts";

export function registerReportsRoutes(app: Hono<HerdEnv>): void {
  // https://docs.joinmastodon.org/methods/reports/#post
  app.post("/api/v1/reports", async (c) => {
    const { account, application } = requireUser(c, "write", "write:reports");
    const p = await params(c);
    const db = c.get("deps").database.db;
    const report = await fileReport(
      db,
      { accountId: account.id, applicationId: application?.id ?? null },
      {
        accountId: scalar(p.account_id),
        statusIds: idsParam(p.status_ids),
        comment: scalar(p.comment),
        category: scalar(p.category),
        ruleIds: idsParam(p.rule_ids),
        forward: truthy(p.forward),
        forwardToDomains:
          p.forward_to_domains === undefined ? undefined : idsParam(p.forward_to_domains),
      },
    );
    const entity = (await renderReports(db, [report], urlsOf(c))).get(report.id);
    if (!entity) throw notFoundError();
    return c.json(entity);
  });
}
