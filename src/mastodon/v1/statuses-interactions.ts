// What a viewer does to a status: favourite, boost, bookmark, pin, mute its
// conversation, and who favourited or boosted it
// (https://docs.joinmastodon.org/methods/statuses/), as Mastodon's
// Api::V1::Statuses::* controllers. Each action answers with the Status as
// the viewer now sees it.
import type { Context, Hono } from "hono";
import type { Db } from "../../db/database.ts";
import { bookmarkStatus, unbookmarkStatus } from "../../domain/statuses/interactions/bookmark.ts";
import {
  muteConversation,
  unmuteConversation,
} from "../../domain/statuses/interactions/conversation-mute.ts";
import {
  favouriteStatus,
  unfavouriteStatus,
} from "../../domain/statuses/interactions/favourite.ts";
import {
  favouritedBy,
  rebloggedBy,
  type Interaction,
} from "../../domain/statuses/interactions/interacted-by.ts";
import type { Page } from "../../domain/statuses/interactions/page.ts";
import { pinStatus, unpinStatus } from "../../domain/statuses/interactions/pin.ts";
import { visibleStatusIds } from "../../domain/statuses/read.ts";
import { reblogStatus, unreblogStatus } from "../../domain/statuses/interactions/reblog.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { notFoundError } from "../../http/errors.ts";
import { linkHeader, pageQuery, type PageQuery } from "../../http/pagination.ts";
import { params } from "../../http/params.ts";
import { loadAccountViews } from "../entities/account-loader.ts";
import { serializeAccount } from "../entities/account.ts";
import { renderStatus } from "../entities/status.ts";
import { authorizeIfGotToken, scalar, urlsOf } from "./accounts-common.ts";
import { cacheIfUnauthenticated } from "../../http/cache-control.ts";

/** Api::BaseController::DEFAULT_ACCOUNTS_LIMIT, and twice that at most. */
const ACCOUNTS_LIMIT = 40;

type Action = (db: Db, accountId: string, id: string) => Promise<string>;

/**
 * The Status `id` as the viewer sees it, or a 404 when it is gone or no
 * longer visible to the viewer. Mastodon answers an undo (unfavourite,
 * unbookmark, unreblog) with the status even after the viewer lost access
 * (blocked, or unfollowed a private author); Herd still carries out the undo
 * but never shows a status to someone its policy hides it from.
 */
async function answerStatus(c: Context<HerdEnv>, id: string, viewerId: string) {
  const db = c.get("deps").database.db;
  const [visible] = await visibleStatusIds(db, [id], viewerId);
  const status = visible ? await renderStatus(db, id, viewerId, urlsOf(c)) : null;
  if (!status) throw notFoundError();
  return c.json(status);
}

/** The request URL on Herd's own base, for Link headers. */
export function requestUrl(c: Context<HerdEnv>): string {
  const url = new URL(c.req.url);
  return `${urlsOf(c).base}${url.pathname}${url.search}`;
}

/** Sets Mastodon's Link header for a page (next only when the page is full). */
export function setPageLinks(c: Context<HerdEnv>, page: Page<unknown>): void {
  const link = linkHeader(requestUrl(c), page.cursors, { next: page.full });
  if (link) c.header("Link", link);
}

export function registerStatusInteractionRoutes(app: Hono<HerdEnv>): void {
  const action = (path: string, scopes: string[], run: Action) => {
    app.post(`/api/v1/statuses/:id/${path}`, async (c) => {
      const { account } = requireUser(c, ...scopes);
      await params(c); // a malformed body is a 400, as Rails reading params
      const shown = await run(c.get("deps").database.db, account.id, c.req.param("id"));
      return answerStatus(c, shown, account.id);
    });
  };

  // https://docs.joinmastodon.org/methods/statuses/#favourite, #unfavourite
  action("favourite", ["write", "write:favourites"], favouriteStatus);
  action("unfavourite", ["write", "write:favourites"], unfavouriteStatus);
  // https://docs.joinmastodon.org/methods/statuses/#bookmark, #unbookmark
  action("bookmark", ["write", "write:bookmarks"], bookmarkStatus);
  action("unbookmark", ["write", "write:bookmarks"], unbookmarkStatus);
  // https://docs.joinmastodon.org/methods/statuses/#pin, #unpin
  action("pin", ["write", "write:accounts"], pinStatus);
  action("unpin", ["write", "write:accounts"], unpinStatus);
  // https://docs.joinmastodon.org/methods/statuses/#mute, #unmute
  action("mute", ["write", "write:mutes"], muteConversation);
  action("unmute", ["write", "write:mutes"], unmuteConversation);
  // https://docs.joinmastodon.org/methods/statuses/#unreblog
  action("unreblog", ["write", "write:statuses"], unreblogStatus);

  // https://docs.joinmastodon.org/methods/statuses/#boost
  app.post("/api/v1/statuses/:id/reblog", async (c) => {
    const auth = requireUser(c, "write", "write:statuses");
    const p = await params(c);
    const boostId = await reblogStatus(
      c.get("deps").database.db,
      urlsOf(c),
      { account: auth.account, user: auth.user },
      c.req.param("id"),
      { visibility: scalar(p.visibility), jobs: c.get("deps").jobs },
    );
    return answerStatus(c, boostId, auth.account.id);
  });

  // https://docs.joinmastodon.org/methods/statuses/#favourited_by, #reblogged_by
  const accountsOf = (
    path: string,
    load: (db: Db, viewerId: string | null, id: string, q: PageQuery) => Promise<Page<Interaction>>,
  ) => {
    app.get(`/api/v1/statuses/:id/${path}`, async (c) => {
      const auth = authorizeIfGotToken(c, "read", "read:accounts");
      const viewerId = auth?.account?.id ?? null;
      const q = pageQuery(await params(c), ACCOUNTS_LIMIT, ACCOUNTS_LIMIT * 2);
      const db = c.get("deps").database.db;
      const page = await load(db, viewerId, c.req.param("id"), q);
      const views = await loadAccountViews(
        db,
        page.items.map((i) => i.accountId),
      );
      const urls = urlsOf(c);
      setPageLinks(c, page);
      cacheIfUnauthenticated(c);
      return c.json(views.map((a) => serializeAccount(a, urls)));
    });
  };
  accountsOf("favourited_by", favouritedBy);
  accountsOf("reblogged_by", rebloggedBy);
}
