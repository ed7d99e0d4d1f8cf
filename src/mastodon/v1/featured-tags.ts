// Hashtags featured on profiles (https://docs.joinmastodon.org/methods/featured_tags/,
// methods/accounts/#featured_tags), as Mastodon's Api::V1::FeaturedTagsController,
// FeaturedTags::SuggestionsController and Accounts::FeaturedTagsController.
import type { Hono } from "hono";
import { loadAccount } from "../../domain/accounts/read.ts";
import {
  featureTagNamed,
  listFeaturedTags,
  suggestedTags,
  unfeatureTag,
} from "../../domain/graph/featured-tags.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { notFoundError } from "../../http/errors.ts";
import { params } from "../../http/params.ts";
import { isId } from "../../lib/ids.ts";
import { serializeFeaturedTag } from "../entities/featured-tag.ts";
import { serializeTag } from "../entities/tag.ts";
import { scalar, urlsOf } from "./accounts-common.ts";

export function registerFeaturedTagsRoutes(app: Hono<HerdEnv>): void {
  // https://docs.joinmastodon.org/methods/featured_tags/#get
  app.get("/api/v1/featured_tags", async (c) => {
    const { account } = requireUser(c, "read", "read:accounts");
    const list = await listFeaturedTags(c.get("deps").database.db, account.id);
    const urls = urlsOf(c);
    return c.json(list.map((t) => serializeFeaturedTag(t, account, urls)));
  });

  // https://docs.joinmastodon.org/methods/featured_tags/#suggestions
  app.get("/api/v1/featured_tags/suggestions", async (c) => {
    const { account } = requireUser(c, "read", "read:accounts");
    const list = await suggestedTags(c.get("deps").database.db, account.id);
    const urls = urlsOf(c);
    return c.json(list.map((t) => serializeTag(t, urls, true)));
  });

  // https://docs.joinmastodon.org/methods/featured_tags/#feature
  app.post("/api/v1/featured_tags", async (c) => {
    const { account } = requireUser(c, "write", "write:accounts");
    const name = scalar((await params(c)).name) ?? "";
    const featured = await featureTagNamed(c.get("deps").database.db, account.id, name);
    return c.json(serializeFeaturedTag(featured, account, urlsOf(c)));
  });

  // https://docs.joinmastodon.org/methods/featured_tags/#unfeature
  app.delete("/api/v1/featured_tags/:id", async (c) => {
    const { account } = requireUser(c, "write", "write:accounts");
    await params(c);
    const id = c.req.param("id");
    if (!isId(id)) throw notFoundError();
    await unfeatureTag(c.get("deps").database.db, account.id, id);
    return c.json({});
  });

  // https://docs.joinmastodon.org/methods/accounts/#featured_tags: public,
  // without a scope check, nothing for a suspended account.
  app.get("/api/v1/accounts/:id{[0-9]+}/featured_tags", async (c) => {
    const db = c.get("deps").database.db;
    const owner = await loadAccount(db, c.req.param("id"));
    if (!owner) throw notFoundError();
    const list = owner.suspendedAt ? [] : await listFeaturedTags(db, owner.id);
    const urls = urlsOf(c);
    return c.json(list.map((t) => serializeFeaturedTag(t, owner, urls)));
  });
}
