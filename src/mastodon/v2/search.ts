// GET /api/v2/search (https://docs.joinmastodon.org/methods/search/#v2), as
// Mastodon's Api::V2::SearchController: public, a token when sent must hold
// `read` or `read:search`; `q` is required; paging (`offset`) and `resolve`
// need a signed-in user; negative `limit` or `offset` are refused; `limit`
// defaults to 20 and is capped at 40. The search itself is
// src/domain/search/search.ts; the answer is the Search entity
// (https://docs.joinmastodon.org/entities/Search/).
import type { Hono } from "hono";
import { search } from "../../domain/search/search.ts";
import type { HerdEnv } from "../../http/env.ts";
import { ApiError } from "../../http/errors.ts";
import { params } from "../../http/params.ts";
import { serializeAccount } from "../entities/account.ts";
import { renderStatuses } from "../entities/status.ts";
import { serializeTag } from "../entities/tag.ts";
import {
  authorizeIfGotToken,
  localDomains,
  scalar,
  truthy,
  urlsOf,
} from "../v1/accounts-common.ts";

/** Api::V2::SearchController::RESULTS_LIMIT. */
const RESULTS_LIMIT = 20;

/** Ruby's String#to_i: the leading integer, else 0. */
function toInteger(value: string | undefined): number {
  const n = Number.parseInt((value ?? "").trim(), 10);
  return Number.isNaN(n) ? 0 : n;
}

const present = (value: string | undefined) => value !== undefined && value.trim() !== "";

export function registerSearchRoutes(app: Hono<HerdEnv>): void {
  app.get("/api/v2/search", async (c) => {
    const auth = authorizeIfGotToken(c, "read", "read:search");
    const viewerId = auth?.user && auth.account ? auth.account.id : null;
    const p = await params(c);
    const q = scalar(p.q);
    // params.require(:q): ActionController::ParameterMissing, a 400.
    if (!present(q))
      throw new ApiError(400, "param is missing or the value is empty or invalid: q");
    const offset = scalar(p.offset);
    const limit = scalar(p.limit);
    if (viewerId === null) {
      if (present(offset)) {
        throw new ApiError(
          401,
          "Search queries pagination is not supported without authentication",
        );
      }
      if (truthy(p.resolve)) {
        throw new ApiError(
          401,
          "Search queries that resolve remote resources are not supported without authentication",
        );
      }
    }
    if (toInteger(limit) < 0 || toInteger(offset) < 0) {
      throw new ApiError(400, "Pagination values for `offset` and `limit` must be positive");
    }
    const deps = c.get("deps");
    const { db } = deps.database;
    const type = scalar(p.type);
    const found = await search(db, {
      q: q!,
      type: present(type) ? type : undefined,
      // limit_param: the default when blank, else |limit| up to twice the default.
      limit: present(limit)
        ? Math.min(Math.abs(toInteger(limit)), RESULTS_LIMIT * 2)
        : RESULTS_LIMIT,
      offset: toInteger(offset),
      resolve: truthy(p.resolve),
      following: truthy(p.following),
      excludeUnreviewed: truthy(p.exclude_unreviewed),
      accountId: present(scalar(p.account_id)) ? scalar(p.account_id) : undefined,
      minId: present(scalar(p.min_id)) ? scalar(p.min_id) : undefined,
      maxId: present(scalar(p.max_id)) ? scalar(p.max_id) : undefined,
      viewerId,
      localDomains: localDomains(deps),
      resolver: deps.resolver ?? null,
    });
    const urls = urlsOf(c);
    return c.json({
      accounts: found.accounts.map((a) => serializeAccount(a, urls)),
      statuses: await renderStatuses(db, found.statusIds, viewerId, urls),
      hashtags: found.hashtags.map((t) => serializeTag(t, urls, viewerId !== null)),
    });
  });
}
