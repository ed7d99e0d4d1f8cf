// Timelines (https://docs.joinmastodon.org/methods/timelines/), as Mastodon's
// Api::V1::Timelines::{Home,Public,Tag,List}Controller: a page of statuses,
// newest first, and a Link header (next: older, prev: newer) built from the
// page's first and last status and the parameters each controller keeps
// (PERMITTED_PARAMS), whenever the page is not empty.
import type { Context, Hono } from "hono";
import { findLinkCard, linkTimelineIds } from "../../domain/cards/link-timeline.ts";
import { getSettings } from "../../domain/instance/settings.ts";
import {
  homePageOrder,
  homePageQuery,
  homePageValues,
  listTimelineIds,
  publicTimelineIds,
  tagTimelineIds,
} from "../../domain/timelines/read.ts";
import { optionalUser, requireToken, requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { ApiError, notFoundError } from "../../http/errors.ts";
import { pageQuery } from "../../http/pagination.ts";
import { params } from "../../http/params.ts";
import { cachedPageJson } from "../entities/page-cache.ts";
import { renderStatusesJson, type RenderedStatuses } from "../entities/status-json.ts";
import { newestFirst } from "../../domain/timelines/page.ts";
import { pageColumns } from "../entities/status-versions.ts";
import type { Db } from "../../db/database.ts";
import { jsonText } from "../../http/json-text.ts";
import { idsParam, truthy, urlsOf } from "./accounts-common.ts";
import { publicIfUnauthenticated } from "../../http/cache-control.ts";

/**
 * A query parameter as URLSearchParams writes it (application/x-www-form-urlencoded):
 * what encodeURIComponent leaves but that encoding does not (`!'()~`) escaped,
 * and spaces as `+`.
 */
function formEncode(value: string): string {
  if (/^[\w.*-]*$/.test(value)) return value; // ids, numbers, booleans: as they are
  // A lone surrogate becomes U+FFFD, as URLSearchParams makes it (encodeURIComponent would throw).
  return encodeURIComponent(value.toWellFormed())
    .replace(/[!'()~]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}

/**
 * The Link header of a page of `ids` (newest first), keeping the request's
 * `permitted` parameters, with the query sorted as Rails' to_query does.
 * Null for an empty page. Built as text: a URL object per link cost a home
 * page from the cache of rendered pages a twentieth of its time.
 */
export function pageLinks(
  c: Context<HerdEnv>,
  path: string,
  permitted: readonly string[],
  links: { next?: [string, string] | null; prev?: [string, string] | null },
): string | null {
  const kept: [string, string][] = [];
  for (const name of permitted) {
    const given = c.req.query(name);
    if (given !== undefined) kept.push([name, given]);
  }
  const base = `${urlsOf(c).base}${path}`;
  const make = ([key, value]: [string, string]) => {
    const pairs = kept.filter(([name]) => name !== key);
    pairs.push([key, value]);
    // Stable, by code unit, as URLSearchParams.sort().
    pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return `${base}?${pairs.map(([k, v]) => `${formEncode(k)}=${formEncode(v)}`).join("&")}`;
  };
  const parts: string[] = [];
  if (links.next) parts.push(`<${make(links.next)}>; rel="next"`);
  if (links.prev) parts.push(`<${make(links.prev)}>; rel="prev"`);
  return parts.length > 0 ? parts.join(", ") : null;
}

/** Answers a page of statuses, with its Link header (Api::V1::Timelines::BaseController). */
async function respondWithStatuses(
  c: Context<HerdEnv>,
  ids: string[],
  viewerId: string | null,
  path: string,
  permitted: readonly string[],
  cacheable = false,
) {
  const { db } = c.get("deps").database;
  return respondWithPage(
    c,
    await renderStatusesJson(db, ids, viewerId, urlsOf(c)),
    path,
    permitted,
    cacheable,
  );
}

/**
 * The Link header last made for a page, by path and kept parameters: a page from the
 * cache of rendered pages is the same object for every request that reads it.
 */
const linksOfPages = new WeakMap<RenderedStatuses, { key: string; link: string | null }>();

/**
 * Answers a rendered page of statuses, with its Link header; `cacheable`:
 * Mastodon's cache_if_unauthenticated! (src/http/cache-control.ts).
 */
function respondWithPage(
  c: Context<HerdEnv>,
  page: RenderedStatuses,
  path: string,
  permitted: readonly string[],
  cacheable = false,
) {
  // Given to jsonText only when there are any: one plain object either way.
  let headers: Record<string, string> | undefined;
  const cache = cacheable ? publicIfUnauthenticated(c) : undefined;
  if (cache) headers = { "Cache-Control": cache };
  const first = page.ids[0];
  const last = page.ids[page.ids.length - 1];
  if (first && last) {
    // What the header is made of besides the page (not the whole query,
    // which may hold an access token).
    const key = JSON.stringify([path, ...permitted.map((name) => c.req.query(name) ?? null)]);
    const made = linksOfPages.get(page);
    let link: string | null;
    if (made?.key === key) {
      link = made.link;
    } else {
      link = pageLinks(c, path, permitted, { next: ["max_id", last], prev: ["min_id", first] });
      linksOfPages.set(page, { key, link });
    }
    if (link) headers = { ...headers, Link: link };
  }
  return jsonText(c, page.json, 200, headers);
}

/** The home timeline's statements, by the order they read in (homePageQuery). */
const HOME_PAGE = {
  asc: { name: "herd_home_shown_asc", query: (db: Db) => homePageQuery(db, "asc", pageColumns()) },
  desc: {
    name: "herd_home_shown_desc",
    query: (db: Db) => homePageQuery(db, "desc", pageColumns()),
  },
};

const USER_REQUIRED = "This method requires an authenticated user";

/**
 * Who reads a public or hashtag timeline: a token, when sent, must hold
 * `read:statuses`; without the timeline_preview setting a signed-in user is
 * required (Mastodon's authorize_if_got_token! and require_user! if require_auth?).
 */
async function publicReader(c: Context<HerdEnv>): Promise<string | null> {
  const state = c.get("token");
  if (state.kind !== "none") requireToken(c, "read", "read:statuses");
  const { timeline_preview } = await getSettings(c.get("deps").database.db);
  if (!timeline_preview) {
    if (state.kind === "none") throw new ApiError(422, USER_REQUIRED);
    requireUser(c);
  }
  return optionalUser(c, "read", "read:statuses")?.account.id ?? null;
}

/** Hashtag names of `any[]`, `all[]` or `none[]`. */
function tagNames(value: unknown): string[] {
  return idsParam(value).filter((v) => v !== "");
}

export function registerTimelinesRoutes(app: Hono<HerdEnv>): void {
  // https://docs.joinmastodon.org/methods/timelines/#home
  app.get("/api/v1/timelines/home", async (c) => {
    const { account } = requireUser(c, "read", "read:statuses");
    const q = pageQuery(await params(c), 20, 40);
    // The page's ids (homeTimelineIds's rule) and their rendering in one
    // round trip, or none when this process has the page already.
    const page = await cachedPageJson(
      c.get("deps"),
      HOME_PAGE[homePageOrder(q)],
      homePageValues(account.id, q),
      account.id,
      urlsOf(c),
      { key: q.minId !== null ? "reversed" : "", ids: (ids) => newestFirst(ids, q) },
    );
    return respondWithPage(c, page, "/api/v1/timelines/home", ["local", "limit"]);
  });

  // https://docs.joinmastodon.org/methods/timelines/#public
  app.get("/api/v1/timelines/public", async (c) => {
    const viewerId = await publicReader(c);
    const p = await params(c);
    const ids = await publicTimelineIds(
      c.get("deps").database.db,
      viewerId,
      { local: truthy(p.local), remote: truthy(p.remote), onlyMedia: truthy(p.only_media) },
      pageQuery(p, 20, 40),
    );
    return respondWithStatuses(
      c,
      ids,
      viewerId,
      "/api/v1/timelines/public",
      ["local", "remote", "limit", "only_media"],
      true,
    );
  });

  // https://docs.joinmastodon.org/methods/timelines/#tag
  app.get("/api/v1/timelines/tag/:hashtag", async (c) => {
    const viewerId = await publicReader(c);
    const p = await params(c);
    const hashtag = c.req.param("hashtag");
    const ids = await tagTimelineIds(
      c.get("deps").database.db,
      viewerId,
      hashtag,
      {
        any: tagNames(p.any),
        all: tagNames(p.all),
        none: tagNames(p.none),
        local: truthy(p.local),
        remote: truthy(p.remote),
        onlyMedia: truthy(p.only_media),
      },
      pageQuery(p, 20, 40),
    );
    const path = `/api/v1/timelines/tag/${encodeURIComponent(hashtag)}`;
    return respondWithStatuses(c, ids, viewerId, path, ["local", "limit", "only_media"], true);
  });

  // https://docs.joinmastodon.org/methods/timelines/#link: the statuses
  // carrying the preview card of `url`. Mastodon requires the link to be
  // trending; Herd has no trends, so any link with a card has one
  // (src/domain/cards/link-timeline.ts).
  app.get("/api/v1/timelines/link", async (c) => {
    if (c.get("token").kind !== "none") requireToken(c, "read", "read:statuses");
    const viewerId = optionalUser(c, "read", "read:statuses")?.account.id ?? null;
    const p = await params(c);
    const url = typeof p.url === "string" ? p.url : "";
    const { db } = c.get("deps").database;
    const cardId = url === "" ? null : await findLinkCard(db, url);
    if (cardId === null) throw notFoundError();
    const ids = await linkTimelineIds(db, viewerId, cardId, pageQuery(p, 20, 40));
    return respondWithStatuses(c, ids, viewerId, "/api/v1/timelines/link", ["url", "limit"], true);
  });

  // https://docs.joinmastodon.org/methods/timelines/#list
  app.get("/api/v1/timelines/list/:id", async (c) => {
    const { account } = requireUser(c, "read", "read:lists");
    const id = c.req.param("id");
    const q = pageQuery(await params(c), 20, 40);
    const ids = await listTimelineIds(c.get("deps").database.db, account.id, id, q);
    const path = `/api/v1/timelines/list/${encodeURIComponent(id)}`;
    return respondWithStatuses(c, ids, account.id, path, ["limit"]);
  });
}
