// GET /api/v2/search (https://docs.joinmastodon.org/methods/search/#v2):
// parameters and authentication as Mastodon's Api::V2::SearchController,
// accounts, hashtags, full-text search of statuses with Mastodon's search
// operators, and resolving URLs of this server. Who may find which status is
// the privacy matrix's (test/privacy-search.test.ts).
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { statuses, tags } from "../src/db/schema/index.ts";
import { SEARCH_DOCUMENT } from "../src/domain/search/statuses.ts";
import { insertStatus, remoteAccount } from "./kit/direct-statuses.ts";
import { follow, makeRemoteAccount, makeUser, postStatus, tokenFor } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const db = t.database.db;

type Params = Record<string, string>;

const search = (params: Params, token?: string) =>
  t.json(`/api/v2/search?${new URLSearchParams(params)}`, { token });

/** The body of a search that must answer 200. */
async function found(params: Params, token?: string) {
  const res = await search(params, token);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { accounts: any[]; statuses: any[]; hashtags: any[] };
}

const ids = (list: { id: string }[]) => list.map((x) => x.id);
const EMPTY = { accounts: [], statuses: [], hashtags: [] };

async function indexable(user: { token: string }) {
  const res = await t.json("/api/v1/accounts/update_credentials", {
    method: "PATCH",
    token: user.token,
    json: { indexable: true },
  });
  expect(res.status).toBe(200);
}

describe("parameters and authentication", () => {
  it("needs q", async () => {
    const me = await makeUser(t);
    for (const path of ["/api/v2/search", "/api/v2/search?q=", "/api/v2/search?q=%20"]) {
      const { status, body } = await t.json(path, { token: me.token });
      expect(status).toBe(400);
      expect(body).toEqual({ error: "param is missing or the value is empty or invalid: q" });
    }
    expect((await t.json("/api/v2/search?q[]=a", { token: me.token })).status).toBe(400);
  });

  it("keeps paging and resolving for signed-in users", async () => {
    const appToken = await tokenFor(t, null, ["read"]);
    const paged = await search({ q: "herd", offset: "20" });
    expect(paged.status).toBe(401);
    expect(paged.body).toEqual({
      error: "Search queries pagination is not supported without authentication",
    });
    const resolved = await search({ q: "herd", resolve: "1" }, appToken);
    expect(resolved.status).toBe(401);
    expect(resolved.body).toEqual({
      error:
        "Search queries that resolve remote resources are not supported without authentication",
    });
    expect((await search({ q: "herd", resolve: "false" })).status).toBe(200);
    const me = await makeUser(t);
    expect((await search({ q: "herd", resolve: "true", offset: "5" }, me.token)).body).toEqual(
      EMPTY,
    );
  });

  it("checks the scope of a token when one is sent; an unknown token is no token", async () => {
    const me = await makeUser(t);
    const profileOnly = await tokenFor(t, me.user.id, ["profile"]);
    const wrong = await search({ q: "herd" }, profileOnly);
    expect(wrong.status).toBe(403);
    expect(wrong.body).toEqual({ error: "This action is outside the authorized scopes" });
    const granular = await tokenFor(t, me.user.id, ["read:search"]);
    expect((await search({ q: "herd" }, granular)).status).toBe(200);
    expect((await search({ q: "herd" }, "not-a-token")).status).toBe(200);
  });

  it("refuses negative paging and caps the limit at 40", async () => {
    const me = await makeUser(t);
    const negative: Params[] = [{ limit: "-1" }, { offset: "-3", type: "hashtags" }];
    for (const params of negative) {
      const res = await search({ q: "herd", ...params }, me.token);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: "Pagination values for `offset` and `limit` must be positive",
      });
    }
    const names = Array.from({ length: 45 }, (_, i) => `#capped${String(i).padStart(2, "0")}`);
    await postStatus(t, me, { status: names.join(" ") });
    expect((await found({ q: "capped", type: "hashtags" })).hashtags).toHaveLength(20);
    expect((await found({ q: "capped", limit: "100" })).hashtags).toHaveLength(40);
    expect((await found({ q: "capped", limit: "5" })).hashtags).toHaveLength(5);
    expect(await found({ q: "capped", limit: "0" })).toEqual(EMPTY);
    // offset only counts with a type.
    const all = ids(
      (await found({ q: "capped", type: "hashtags", limit: "40" }, me.token)).hashtags,
    );
    const page = await found({ q: "capped", type: "hashtags", limit: "5", offset: "5" }, me.token);
    expect(ids(page.hashtags)).toEqual(all.slice(5, 10));
    const untyped = await found({ q: "capped", limit: "5", offset: "5" }, me.token);
    expect(ids(untyped.hashtags)).toEqual(all.slice(0, 5));
    // An unknown type finds nothing.
    expect(await found({ q: "capped", type: "groups" }, me.token)).toEqual(EMPTY);
  });
});

describe("accounts", () => {
  it("finds accounts by username or display name prefix, as the account search", async () => {
    const zelda = await makeUser(t, { username: "zelda_hyrule" });
    await t.json("/api/v1/accounts/update_credentials", {
      method: "PATCH",
      token: zelda.token,
      json: { display_name: "Princess Zelda" },
    });
    const me = await makeUser(t);
    const byName = await found({ q: "zelda_hy", type: "accounts" }, me.token);
    expect(ids(byName.accounts)).toEqual([zelda.account.id]);
    expect(byName.accounts[0]).toMatchObject({ username: "zelda_hyrule", acct: "zelda_hyrule" });
    expect(ids((await found({ q: "princess" }, me.token)).accounts)).toContain(zelda.account.id);
    for (const q of ["@zelda_hyrule", "zelda_hyrule@herd.test", "@ZELDA_HYRULE@herd.test"]) {
      expect(ids((await found({ q }, me.token)).accounts), q).toEqual([zelda.account.id]);
    }
    // Hashtag or status searches leave accounts alone.
    expect((await found({ q: "zelda_hy", type: "hashtags" }, me.token)).accounts).toEqual([]);
  });

  it("needs three characters from a visitor, and `following` keeps followed accounts", async () => {
    const a = await makeUser(t, { username: "qx_followed" });
    const b = await makeUser(t, { username: "qx_other" });
    const me = await makeUser(t);
    await follow(t, me, a.account.id);
    expect((await found({ q: "qx" })).accounts).toEqual([]);
    expect(ids((await found({ q: "qx" }, me.token)).accounts).sort()).toEqual(
      [a.account.id, b.account.id].sort(),
    );
    expect(ids((await found({ q: "qx_" })).accounts)).toHaveLength(2);
    const following = await found({ q: "qx_", following: "true" }, me.token);
    expect(ids(following.accounts)).toEqual([a.account.id]);
  });

  it("leaves out unconfirmed users and accounts in a block unless named by full handle", async () => {
    await makeUser(t, { username: "bk_unconfirmed", confirmed: false });
    const blocker = await makeUser(t, { username: "bk_blocker" });
    const blocked = await makeUser(t, { username: "bk_blocked" });
    const me = await makeUser(t, { username: "bk_me" });
    await t.json(`/api/v1/accounts/${me.account.id}/block`, {
      method: "POST",
      token: blocker.token,
    });
    await t.json(`/api/v1/accounts/${blocked.account.id}/block`, {
      method: "POST",
      token: me.token,
    });
    const usernames = (body: { accounts: { username: string }[] }) =>
      body.accounts.map((a) => a.username).sort();
    expect(usernames(await found({ q: "bk_" }, me.token))).toEqual(["bk_me"]);
    expect(usernames(await found({ q: "bk_" }, (await makeUser(t)).token))).toEqual([
      "bk_blocked",
      "bk_blocker",
      "bk_me",
    ]);
    expect(usernames(await found({ q: "bk_blocker@herd.test" }, me.token))).toEqual(["bk_blocker"]);
    expect(usernames(await found({ q: "bk_blocked@herd.test" }, me.token))).toEqual(["bk_blocked"]);
  });
});

describe("hashtags", () => {
  it("finds tags by normalised prefix, the exact match first, with the viewer's flags", async () => {
    const me = await makeUser(t);
    await postStatus(t, me, { status: "#Gardening #gardenparty #garden #gardens" });
    await t.json("/api/v1/tags/garden/follow", { method: "POST", token: me.token });
    const signedIn = await found({ q: "#GARDEN" }, me.token);
    expect(signedIn.hashtags.map((h) => h.name)).toEqual([
      "garden",
      "gardens",
      "Gardening",
      "gardenparty",
    ]);
    expect(signedIn.hashtags[0]).toEqual({
      id: expect.any(String),
      name: "garden",
      url: "https://herd.test/tags/garden",
      history: [],
      following: true,
      featuring: false,
    });
    expect(signedIn.hashtags[1].following).toBe(false);
    const visitor = await found({ q: "gärden" });
    expect(visitor.hashtags).toHaveLength(4);
    expect(visitor.hashtags[0]).not.toHaveProperty("following");
    expect((await found({ q: "!!!" })).hashtags).toEqual([]);
    expect((await found({ q: "garden_" })).hashtags).toEqual([]);
  });

  it("leaves out unlistable tags, and unreviewed ones but the exact match on request", async () => {
    const me = await makeUser(t);
    await postStatus(t, me, { status: "#orchid #orchids #orchidaceae #orchidhidden" });
    await db.update(tags).set({ listable: false }).where(eq(tags.name, "orchidhidden"));
    await db.update(tags).set({ trendable: true }).where(eq(tags.name, "orchidaceae"));
    const names = async (params: Params) =>
      (await found({ q: "orchid", ...params })).hashtags.map((h) => h.name);
    expect(await names({})).toEqual(["orchid", "orchids", "orchidaceae"]);
    expect(await names({ exclude_unreviewed: "true" })).toEqual(["orchid", "orchidaceae"]);
  });
});

describe("statuses", () => {
  it("needs a signed-in user", async () => {
    const me = await makeUser(t);
    await indexable(me);
    await postStatus(t, me, "a visitor cannot find this aardvark");
    expect((await found({ q: "aardvark" })).statuses).toEqual([]);
    const appToken = await tokenFor(t, null, ["read"]);
    expect((await found({ q: "aardvark" }, appToken)).statuses).toEqual([]);
    expect((await found({ q: "aardvark" }, me.token)).statuses).toHaveLength(1);
  });

  it("finds the viewer's library and the public statuses of indexable accounts", async () => {
    const me = await makeUser(t);
    const shy = await makeUser(t);
    const open = await makeUser(t);
    await indexable(open);
    const mine = await postStatus(t, me, { status: "my own wombat", visibility: "private" });
    const shyPublic = await postStatus(t, shy, "a shy wombat");
    const shyFavourited = await postStatus(t, shy, "a favourite wombat");
    const shyBookmarked = await postStatus(t, shy, "a bookmarked wombat");
    const shyBoosted = await postStatus(t, shy, "a boosted wombat");
    const shyMention = await postStatus(t, shy, {
      status: `@${me.account.username} a wombat for you`,
      visibility: "direct",
    });
    const openPublic = await postStatus(t, open, "an open wombat");
    await postStatus(t, open, { status: "an unlisted wombat", visibility: "unlisted" });
    const post = (path: string) => t.json(path, { method: "POST", token: me.token });
    await post(`/api/v1/statuses/${shyFavourited.id}/favourite`);
    await post(`/api/v1/statuses/${shyBookmarked.id}/bookmark`);
    await post(`/api/v1/statuses/${shyBoosted.id}/reblog`);
    const body = await found({ q: "wombat", type: "statuses" }, me.token);
    // Newest first; the boost is found as the status it boosts.
    expect(ids(body.statuses)).toEqual([
      openPublic.id,
      shyMention.id,
      shyBoosted.id,
      shyBookmarked.id,
      shyFavourited.id,
      mine.id,
    ]);
    expect(body.statuses[2]).toMatchObject({ reblogged: true, content: expect.any(String) });
    expect(ids(body.statuses)).not.toContain(shyPublic.id);
    // in:library and in:public keep one of the two.
    expect(ids((await found({ q: "wombat in:public" }, me.token)).statuses)).toEqual([
      openPublic.id,
    ]);
    expect(ids((await found({ q: "wombat in:library" }, me.token)).statuses)).toEqual(
      ids(body.statuses).slice(1),
    );
    // A deleted status is gone.
    await t.json(`/api/v1/statuses/${mine.id}`, { method: "DELETE", token: me.token });
    expect(ids((await found({ q: "wombat" }, me.token)).statuses)).not.toContain(mine.id);
  });

  it("understands words, phrases, exclusions, hashtags and the content warning", async () => {
    const me = await makeUser(t);
    const a = await postStatus(t, me, "The quick brown fox jumps #Foxes");
    const b = await postStatus(t, me, "A brown quick fox sleeps");
    const c = await postStatus(t, me, { status: "nothing here", spoiler_text: "fox warning" });
    const find = async (q: string) =>
      ids((await found({ q, type: "statuses" }, me.token)).statuses);
    expect(await find("fox")).toEqual([c.id, b.id, a.id]);
    expect(await find("FOX brown")).toEqual([b.id, a.id]);
    expect(await find('"quick brown"')).toEqual([a.id]);
    expect(await find("“quick brown”")).toEqual([a.id]);
    expect(await find("fox -sleeps")).toEqual([c.id, a.id]);
    expect(await find('fox -"brown quick"')).toEqual([c.id, a.id]);
    expect(await find("fox #foxes")).toEqual([a.id]);
    expect(await find("fox -#foxes")).toEqual([c.id, b.id]);
    expect(await find("#nosuchtag")).toEqual([]);
    // A word without letters or digits asks for nothing.
    expect(await find("fox !!!")).toEqual([c.id, b.id, a.id]);
    expect(await find("!!!")).toEqual([]);
    expect(await find('fox "unclosed')).toEqual([]);
  });

  it("filters with from:, is:, has:, language: and the date operators", async () => {
    const me = await makeUser(t, { username: "op_me" });
    const friend = await makeUser(t, { username: "op_friend" });
    await indexable(friend);
    const root = await postStatus(t, friend, { status: "otter root", language: "de" });
    const reply = await postStatus(t, me, {
      status: "otter reply",
      in_reply_to_id: root.id,
      sensitive: true,
      language: "en",
    });
    const find = async (q: string) => ids((await found({ q }, me.token)).statuses);
    expect(await find("otter")).toEqual([reply.id, root.id]);
    expect(await find("otter from:op_friend")).toEqual([root.id]);
    expect(await find("otter from:@op_friend@herd.test")).toEqual([root.id]);
    expect(await find("otter from:me")).toEqual([reply.id]);
    expect(await find("otter -from:me")).toEqual([root.id]);
    expect(await find("otter from:nobody")).toEqual([]);
    expect(await find("from:op_friend")).toEqual([root.id]);
    expect(await find("otter is:reply")).toEqual([reply.id]);
    expect(await find("otter -is:reply")).toEqual([root.id]);
    expect(await find("otter is:sensitive")).toEqual([reply.id]);
    expect(await find("otter -is:sensitive")).toEqual([root.id]);
    expect(await find("otter has:media")).toEqual([]);
    expect(await find("otter has:poll")).toEqual([]);
    expect(await find("otter -has:media")).toEqual([reply.id, root.id]);
    expect(await find("otter language:de")).toEqual([root.id]);
    expect(await find("otter language:DE-at")).toEqual([root.id]);
    expect(await find("otter -language:de")).toEqual([reply.id]);
    expect(await find("otter unknown:prefix")).toEqual([]);

    const at = Date.parse(reply.created_at);
    const day = reply.created_at.slice(0, 10);
    const shift = (days: number) =>
      new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
    expect(await find(`otter from:me during:${day}`)).toEqual([reply.id]);
    expect(await find(`otter from:me -during:${day}`)).toEqual([]);
    expect(await find(`otter from:me before:${day}`)).toEqual([]);
    expect(await find(`otter from:me before:${shift(1)}`)).toEqual([reply.id]);
    expect(await find(`otter from:me after:${shift(-1)}`)).toEqual([reply.id]);
    expect(await find(`otter from:me after:${day}`)).toEqual([]);
    expect(await find(`otter from:me before:${at + 1}`)).toEqual([reply.id]);
    expect(await find(`otter from:me after:${at + 1}`)).toEqual([]);
    expect(await find(`otter from:me after:${at - 1}`)).toEqual([reply.id]);
    for (const bad of ["yesterday", "2024-13-01", "2024-1-1"]) {
      const res = await search({ q: `otter before:${bad}` }, me.token);
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ error: `Invalid date ${bad}` });
    }
  });

  it("pages with limit, offset, min_id and max_id, and account_id", async () => {
    const me = await makeUser(t);
    const other = await makeUser(t);
    await indexable(other);
    const posted = [];
    for (let i = 0; i < 5; i++) posted.push((await postStatus(t, me, `beaver ${i}`)).id);
    const theirs = await postStatus(t, other, "beaver theirs");
    const newest = posted.reverse();
    const find = async (params: Params) =>
      ids((await found({ q: "beaver", type: "statuses", ...params }, me.token)).statuses);
    expect(await find({ limit: "2" })).toEqual([theirs.id, newest[0]]);
    expect(await find({ limit: "2", offset: "2" })).toEqual(newest.slice(1, 3));
    expect(await find({ max_id: newest[1]! })).toEqual(newest.slice(2));
    expect(await find({ min_id: newest[2]!, max_id: newest[0]! })).toEqual([newest[1]]);
    expect(await find({ account_id: other.account.id })).toEqual([theirs.id]);
    for (const bad of ["999999", "abc"]) {
      const res = await search({ q: "beaver", account_id: bad }, me.token);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: "Record not found" });
    }
  });

  it("searches the text of remote statuses without a source", async () => {
    const me = await makeUser(t);
    const remote = await remoteAccount(t, "remote.example");
    const status = await insertStatus(t, remote, {
      text: "a remote <b>pangolin</b>",
      local: false,
    });
    await db
      .update(statuses)
      .set({ text: "", content: "<p>a remote <b>pangolin</b></p>" })
      .where(eq(statuses.id, status.id));
    await t.json(`/api/v1/statuses/${status.id}/favourite`, { method: "POST", token: me.token });
    expect(ids((await found({ q: "pangolin" }, me.token)).statuses)).toEqual([status.id]);
    expect((await found({ q: "b" }, me.token)).statuses).toEqual([]);
  });

  it("matches statuses with the expression of the full-text index", async () => {
    // The planner uses an expression index only for the very same expression:
    // compare both as PostgreSQL prints them.
    const plan = await db.execute<{ "QUERY PLAN": string }>(
      sql`EXPLAIN SELECT id FROM statuses WHERE ${SEARCH_DOCUMENT} @@ plainto_tsquery('simple', 'x')`,
    );
    const filter = plan.rows
      .map((r) => r["QUERY PLAN"])
      .join("\n")
      .match(/(to_tsvector\(.*\)) @@/)?.[1];
    const index = await db.execute<{ def: string }>(
      sql`SELECT pg_get_indexdef('statuses_search'::regclass) AS def`,
    );
    const squash = (text: string) => text.replace(/\s+/g, " ");
    expect(filter).toBeTruthy();
    expect(squash(index.rows[0]!.def)).toContain(squash(filter!));
  });
});

describe("resolve", () => {
  it("finds a status or an account of this server by its URL", async () => {
    const me = await makeUser(t, { username: "rs_me" });
    const other = await makeUser(t, { username: "rs_other" });
    const status = await postStatus(t, other, "resolve me");
    const hidden = await postStatus(t, other, { status: "followers only", visibility: "private" });
    const resolve = (q: string, params: Params = {}) =>
      found({ q, resolve: "true", ...params }, me.token);
    expect(ids((await resolve(status.url)).statuses)).toEqual([status.id]);
    expect(ids((await resolve(status.uri)).statuses)).toEqual([status.id]);
    expect(ids((await resolve(status.url, { type: "statuses" })).statuses)).toEqual([status.id]);
    expect(await resolve(status.url, { type: "accounts" })).toEqual(EMPTY);
    expect(await resolve(status.url, { type: "statuses", offset: "1" })).toEqual(EMPTY);
    expect(await resolve(hidden.url)).toEqual(EMPTY);
    expect(await resolve("https://herd.test/@rs_other/999999")).toEqual(EMPTY);
    for (const url of [
      "https://herd.test/@rs_other",
      "https://herd.test/users/rs_other",
      "https://herd.test/@rs_other@herd.test",
      "https://herd.test/@rs_other/with_replies",
    ]) {
      expect(ids((await resolve(url)).accounts), url).toEqual([other.account.id]);
    }
    expect(await resolve("https://herd.test/about")).toEqual(EMPTY);
    // Without resolve, a URL is searched as text.
    const unresolved = await found({ q: status.url }, me.token);
    expect(unresolved.accounts).toEqual([]);
  });

  it("finds a remote account Herd knows by its URI", async () => {
    const me = await makeUser(t);
    const remote = await makeRemoteAccount(t, { username: "faraway", domain: "far.example" });
    const body = await found({ q: remote.uri!, resolve: "true" }, me.token);
    expect(ids(body.accounts)).toEqual([remote.id]);
    expect(body.accounts[0].acct).toBe("faraway@far.example");
    expect(await found({ q: "https://far.example/users/nobody", resolve: "1" }, me.token)).toEqual(
      EMPTY,
    );
  });
});
