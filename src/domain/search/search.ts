// GET /api/v2/search (https://docs.joinmastodon.org/methods/search/#v2), as
// Mastodon 4.3+'s SearchService:
// - with `resolve` and a query that is an http(s) URL: only the status or
//   account the URL names (resolve-url.ts, fetched from its server when
//   unknown), nothing else, and nothing when it is not of the `type` asked or
//   `offset` is set; with `resolve` and another server's `user@domain`, that
//   account is looked up by WebFinger before searching;
// - otherwise accounts (the account search of /api/v1/accounts/search),
//   hashtags (hashtags.ts) and, for a signed-in viewer only, statuses
//   (statuses.ts), or only the `type` asked; an unknown type finds nothing;
// - `offset` only counts when a `type` is given;
// - a visitor's query shorter than three characters finds no accounts
//   (AccountSearchService::MIN_QUERY_LENGTH: no exact match without `@`).
// Accounts that block the viewer or that the viewer blocks are left out
// unless named by their full handle, and their statuses never appear.
import type { Db } from "../../db/database.ts";
import { isId } from "../../lib/ids.ts";
import { loadAccount, searchAccounts, type AccountWithUser } from "../accounts/read.ts";
import type { Resolver } from "../federation-port.ts";
import { notFound } from "../errors.ts";
import { tagInfo, tagViews, type TagView } from "../graph/tag-views.ts";
import { searchHashtags } from "./hashtags.ts";
import { normalizeQuery, parseQuery } from "./query-syntax.ts";
import { resolveUrl } from "./resolve-url.ts";
import { statusFilters } from "./status-filters.ts";
import { searchStatusIds } from "./statuses.ts";

export interface SearchRequest {
  q: string;
  /** `accounts`, `hashtags`, `statuses`, or undefined for all three. */
  type?: string;
  limit: number;
  offset: number;
  resolve: boolean;
  following: boolean;
  excludeUnreviewed: boolean;
  /** Statuses by this account only (a 404 when it does not exist). */
  accountId?: string;
  minId?: string;
  maxId?: string;
  /** The signed-in viewer, or null. */
  viewerId: string | null;
  localDomains: readonly string[];
  /** Fetches unknown remote accounts and URLs (with `resolve`); none: known ones only. */
  resolver?: Resolver | null;
}

export interface SearchResults {
  accounts: AccountWithUser[];
  /** Ids of statuses the viewer may see, newest first. */
  statusIds: string[];
  /** With whether the viewer follows and features each. */
  hashtags: TagView[];
}

/** AccountSearchService::MIN_QUERY_LENGTH. */
const MIN_QUERY_LENGTH = 3;

export async function search(db: Db, r: SearchRequest): Promise<SearchResults> {
  const results: SearchResults = { accounts: [], statusIds: [], hashtags: [] };
  const q = normalizeQuery(r.q);
  const offset = r.type ? r.offset : 0;
  if (q === "" || r.limit <= 0) return results;
  const wants = (type: string) => !r.type || r.type === type;

  if (r.resolve && /^https?:\/\//.test(q)) {
    if (offset > 0 || r.viewerId === null) return results;
    const found = await resolveUrl(db, q, r.viewerId, r.localDomains, r.resolver);
    if (found && wants(found.type)) {
      if (found.type === "accounts") results.accounts = [found.account];
      else results.statusIds = [found.statusId];
    }
    return results;
  }

  // AccountSearchService with resolve: a full handle of another server is
  // looked up by WebFinger first, so that the search then finds it.
  const handle = /^@?([^@\s]+)@([^@\s]+)$/.exec(q);
  if (r.resolve && r.resolver && r.viewerId !== null && wants("accounts") && handle) {
    const domain = handle[2]!.toLowerCase();
    if (!r.localDomains.some((d) => d.toLowerCase() === domain)) {
      await r.resolver.resolveAccount(handle[1]!, domain);
    }
  }
  if (
    wants("accounts") &&
    (r.viewerId !== null || q.replace(/^@/, "").length >= MIN_QUERY_LENGTH)
  ) {
    results.accounts = await searchAccounts(db, {
      q,
      limit: r.limit,
      offset,
      localDomains: r.localDomains,
      followingOnly: r.following && r.viewerId !== null,
      viewerId: r.viewerId,
      hideBlocked: true,
    });
  }
  if (wants("statuses") && r.viewerId !== null) {
    results.statusIds = await searchStatuses(db, { ...r, q, offset, viewerId: r.viewerId });
  }
  if (wants("hashtags")) {
    const found = await searchHashtags(db, {
      q,
      limit: r.limit,
      offset,
      excludeUnreviewed: r.excludeUnreviewed,
    });
    results.hashtags = await tagViews(db, r.viewerId, found.map(tagInfo));
  }
  return results;
}

/** StatusesSearchService: `account_id` becomes a `from:` operator, `min_id` and `max_id` bounds. */
async function searchStatuses(db: Db, r: SearchRequest & { viewerId: string }): Promise<string[]> {
  const fromIds: string[] = [];
  if (r.accountId !== undefined) {
    const account = isId(r.accountId) ? await loadAccount(db, r.accountId) : null;
    if (!account) throw notFound();
    fromIds.push(account.id);
  }
  const ctx = { db, viewerId: r.viewerId, localDomains: r.localDomains };
  const filters = await statusFilters(ctx, parseQuery(r.q), fromIds);
  return searchStatusIds(db, {
    viewerId: r.viewerId,
    filters,
    limit: r.limit,
    offset: r.offset,
    minId: r.minId !== undefined && isId(r.minId) ? r.minId : null,
    maxId: r.maxId !== undefined && isId(r.maxId) ? r.maxId : null,
  });
}
