// Hashtags (https://docs.joinmastodon.org/methods/tags/), as Mastodon's
// Api::V1::TagsController: showing a tag is public (the viewer's flags when
// signed in); following and featuring need a user. A name that is not a
// hashtag is 404; a valid one nobody used yet is shown unsaved (empty id)
// until followed or featured.
import type { Context, Hono } from "hono";
import { featureHashtag, unfeatureHashtag } from "../../domain/graph/featured-tags.ts";
import { followTag, showTag, unfollowTag } from "../../domain/graph/tag-follows.ts";
import type { TagView } from "../../domain/graph/tag-views.ts";
import type { Db } from "../../db/database.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { params } from "../../http/params.ts";
import { serializeTag } from "../entities/tag.ts";
import { authorizeIfGotToken, urlsOf } from "./accounts-common.ts";
import { cacheIfUnauthenticated } from "../../http/cache-control.ts";

type Action = (db: Db, accountId: string, name: string) => Promise<TagView>;

const tagName = (c: Context<HerdEnv>) => c.req.param("name") ?? "";

export function registerTagsRoutes(app: Hono<HerdEnv>): void {
  // https://docs.joinmastodon.org/methods/tags/#get
  app.get("/api/v1/tags/:name", async (c) => {
    const auth = authorizeIfGotToken(c);
    const viewer = auth?.user && auth.account ? auth.account.id : null;
    const tag = await showTag(c.get("deps").database.db, viewer, tagName(c));
    cacheIfUnauthenticated(c);
    return c.json(serializeTag(tag, urlsOf(c), viewer !== null));
  });

  const actions: [string, string[], Action][] = [
    // https://docs.joinmastodon.org/methods/tags/#follow, #unfollow
    ["follow", ["follow", "write", "write:follows"], followTag],
    ["unfollow", ["follow", "write", "write:follows"], unfollowTag],
    // https://docs.joinmastodon.org/methods/tags/#feature, #unfeature
    ["feature", ["write", "write:accounts"], featureHashtag],
    ["unfeature", ["write", "write:accounts"], unfeatureHashtag],
  ];
  for (const [path, scopes, run] of actions) {
    app.post(`/api/v1/tags/:name/${path}`, async (c) => {
      const { account } = requireUser(c, ...scopes);
      await params(c);
      const tag = await run(c.get("deps").database.db, account.id, tagName(c));
      return c.json(serializeTag(tag, urlsOf(c), true));
    });
  }
}
