// GET /api/v1/followed_tags (https://docs.joinmastodon.org/methods/followed_tags/),
// as Mastodon's Api::V1::FollowedTagsController: the tags the viewer follows,
// newest follow first, paginated by the follow's id (100 by default, 200 at most).
import type { Hono } from "hono";
import { followedTags } from "../../domain/graph/tag-follows.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { pageQuery } from "../../http/pagination.ts";
import { params } from "../../http/params.ts";
import { serializeTag } from "../entities/tag.ts";
import { urlsOf } from "./accounts-common.ts";
import { setPageLinks } from "./statuses-interactions.ts";

/** Api::V1::FollowedTagsController::TAGS_LIMIT. */
const TAGS_LIMIT = 100;

export function registerFollowedTagsRoutes(app: Hono<HerdEnv>): void {
  app.get("/api/v1/followed_tags", async (c) => {
    const { account } = requireUser(c, "follow", "read", "read:follows");
    const q = pageQuery(await params(c), TAGS_LIMIT, TAGS_LIMIT * 2);
    const page = await followedTags(c.get("deps").database.db, account.id, q);
    const urls = urlsOf(c);
    setPageLinks(c, page);
    return c.json(page.items.map((i) => serializeTag(i.tag, urls, true)));
  });
}
