// GET /api/v1/accounts/:id/statuses (https://docs.joinmastodon.org/methods/accounts/#statuses),
// as Mastodon's Api::V1::Accounts::StatusesController: public (a token, when
// sent, needs a read scope), 404 for an unknown account, 20 statuses a page
// by default and 40 at most, with a Link header (`next` only after a full page).
import type { Hono } from "hono";
import { loadAccount } from "../../domain/accounts/read.ts";
import { accountStatuses } from "../../domain/statuses/account-statuses.ts";
import type { HerdEnv } from "../../http/env.ts";
import { notFoundError } from "../../http/errors.ts";
import { linkHeader, pageQuery } from "../../http/pagination.ts";
import { params } from "../../http/params.ts";
import { jsonText } from "../../http/json-text.ts";
import { renderStatusesJson } from "../entities/status-json.ts";
import { authorizeIfGotToken, scalar, truthy, urlsOf } from "./accounts-common.ts";
import { cacheIfUnauthenticated } from "../../http/cache-control.ts";

/** Api::BaseController::DEFAULT_STATUSES_LIMIT; limit_param allows twice as many. */
const DEFAULT_STATUSES_LIMIT = 20;

export function registerAccountStatusesRoutes(app: Hono<HerdEnv>): void {
  app.get("/api/v1/accounts/:id{[0-9]+}/statuses", async (c) => {
    const auth = authorizeIfGotToken(c, "read", "read:statuses");
    const viewerId = auth?.account?.id ?? null;
    const db = c.get("deps").database.db;
    const account = await loadAccount(db, c.req.param("id"));
    if (!account) throw notFoundError();
    const p = await params(c);
    const tagged = scalar(p.tagged);
    const page = await accountStatuses(db, account.id, viewerId, {
      pinned: truthy(p.pinned),
      onlyMedia: truthy(p.only_media),
      excludeReplies: truthy(p.exclude_replies),
      excludeReblogs: truthy(p.exclude_reblogs),
      tagged: tagged === undefined || tagged === "" ? null : tagged,
      page: pageQuery(p, DEFAULT_STATUSES_LIMIT, DEFAULT_STATUSES_LIMIT * 2),
    });
    const urls = urlsOf(c);
    const url = new URL(c.req.url);
    const link = linkHeader(`${urls.base}${url.pathname}${url.search}`, page.cursors, {
      next: page.full,
    });
    if (link) c.header("Link", link);
    cacheIfUnauthenticated(c);
    // Through the cache of rendered statuses (status-json.ts).
    return jsonText(c, (await renderStatusesJson(db, page.items, viewerId, urls)).json);
  });
}
