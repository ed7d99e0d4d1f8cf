// GET /api/v1/timelines/{home,public,tag/:hashtag,list/:id}: what each shows,
// to whom, paginated with max_id/since_id/min_id and Link headers as Mastodon.
import { describe, expect, it } from "vitest";
import { homeFeedEntries } from "../src/db/schema/index.ts";
import { setSettings } from "../src/domain/instance/settings.ts";
import { createList } from "../src/domain/lists/lists.ts";
import { addListMembers } from "../src/domain/lists/members.ts";
import {
  block,
  blockDomain,
  follow,
  insertStatus,
  mute,
  remoteAccount,
} from "./kit/direct-statuses.ts";
import { makeUser, tokenFor } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const db = t.database.db;

const ids = (body: { id: string }[]) => body.map((s) => s.id);

async function user() {
  return makeUser(t);
}

describe("GET /api/v1/timelines/home", () => {
  it("needs a user token with read:statuses", async () => {
    const me = await user();
    expect((await t.json("/api/v1/timelines/home")).status).toBe(401);
    const wrongScope = await tokenFor(t, me.user.id, ["write"]);
    const res = await t.json("/api/v1/timelines/home", { token: wrongScope });
    expect(res).toMatchObject({
      status: 403,
      body: { error: "This action is outside the authorized scopes" },
    });
    const appOnly = await tokenFor(t, null, ["read"]);
    expect((await t.json("/api/v1/timelines/home", { token: appOnly })).status).toBe(422);
    const narrow = await tokenFor(t, me.user.id, ["read:statuses"]);
    expect((await t.json("/api/v1/timelines/home", { token: narrow })).status).toBe(200);
  });

  it("shows own and followed statuses newest first, with Mastodon's Link header", async () => {
    const me = await user();
    const friend = await user();
    await follow(t, me.account, friend.account);
    const posted = [];
    for (let i = 0; i < 5; i++) {
      posted.push(await insertStatus(t, i % 2 ? me.account : friend.account));
    }
    await t.drainJobs();
    const newest = posted.map((s) => s.id).reverse();

    const all = await t.json("/api/v1/timelines/home", { token: me.token });
    expect(all.status).toBe(200);
    expect(ids(all.body)).toEqual(newest);
    expect(all.body[0].account.id).toBe(friend.account.id);

    const first = await t.json("/api/v1/timelines/home?limit=2&foo=bar", { token: me.token });
    expect(ids(first.body)).toEqual(newest.slice(0, 2));
    const base = "https://herd.test/api/v1/timelines/home";
    expect(first.res.headers.get("link")).toBe(
      `<${base}?limit=2&max_id=${newest[1]}>; rel="next", <${base}?limit=2&min_id=${newest[0]}>; rel="prev"`,
    );

    const older = await t.json(`/api/v1/timelines/home?limit=2&max_id=${newest[1]}`, {
      token: me.token,
    });
    expect(ids(older.body)).toEqual(newest.slice(2, 4));

    // since_id: the newest after it; min_id: the oldest after it, shown newest first.
    const since = await t.json(`/api/v1/timelines/home?limit=2&since_id=${newest[4]}`, {
      token: me.token,
    });
    expect(ids(since.body)).toEqual(newest.slice(0, 2));
    const min = await t.json(`/api/v1/timelines/home?limit=2&min_id=${newest[4]}`, {
      token: me.token,
    });
    expect(ids(min.body)).toEqual([newest[2], newest[3]]);

    const between = await t.json(`/api/v1/timelines/home?max_id=${newest[0]}&min_id=${newest[3]}`, {
      token: me.token,
    });
    expect(ids(between.body)).toEqual([newest[1], newest[2]]);

    const empty = await t.json(`/api/v1/timelines/home?min_id=${newest[0]}`, { token: me.token });
    expect(empty.body).toEqual([]);
    expect(empty.res.headers.get("link")).toBeNull();
  });

  it("shows what followed accounts post through the API", async () => {
    const me = await user();
    const friend = await user();
    const followed = await t.json(`/api/v1/accounts/${friend.account.id}/follow`, {
      token: me.token,
      method: "POST",
    });
    expect(followed.status).toBe(200);
    const posted = await t.json("/api/v1/statuses", {
      token: friend.token,
      json: { status: "Hello, herd", visibility: "private" },
    });
    expect(posted.status).toBe(200);
    await t.drainJobs();
    const home = await t.json("/api/v1/timelines/home", { token: me.token });
    expect(home.body[0]).toMatchObject({ id: posted.body.id, visibility: "private" });
    const strangersHome = await t.json("/api/v1/timelines/home", { token: (await user()).token });
    expect(ids(strangersHome.body)).not.toContain(posted.body.id);
  });

  it("caps the limit at 40 and ignores unreadable parameters", async () => {
    const me = await user();
    for (let i = 0; i < 42; i++) await insertStatus(t, me.account);
    const capped = await t.json("/api/v1/timelines/home?limit=100", { token: me.token });
    expect(capped.body).toHaveLength(40);
    const fallback = await t.json("/api/v1/timelines/home?limit=abc&max_id=xyz&since_id=-1", {
      token: me.token,
    });
    expect(fallback.status).toBe(200);
    expect(fallback.body).toHaveLength(20);
  });

  it("never shows what the reader may not see, even from a stale feed entry", async () => {
    const me = await user();
    const stranger = await user();
    const friend = await user();
    const blocked = await user();
    const muted = await user();
    for (const a of [friend, blocked, muted]) await follow(t, me.account, a.account);
    await t.drainJobs();
    const strangersPrivate = await insertStatus(t, stranger.account, { visibility: "private" });
    const dmToOther = await insertStatus(t, stranger.account, {
      visibility: "direct",
      mentions: [friend.account],
    });
    const dmToMe = await insertStatus(t, friend.account, {
      visibility: "direct",
      mentions: [me.account],
    });
    const byBlocked = await insertStatus(t, blocked.account);
    const byMuted = await insertStatus(t, muted.account);
    const boostOfMuted = await insertStatus(t, friend.account, { reblogOf: byMuted });
    const mutedOriginal = await insertStatus(t, stranger.account);
    const boostOfStrangerByMuted = await insertStatus(t, muted.account, {
      reblogOf: mutedOriginal,
    });
    await t.drainJobs();
    // Entries that no fan-out would write, as if left from before a change.
    for (const s of [strangersPrivate, dmToOther]) {
      await db
        .insert(homeFeedEntries)
        .values({ accountId: me.account.id, statusId: s.id, reblogOfId: s.id });
    }
    await block(t, me.account, blocked.account);
    await mute(t, me.account, muted.account);
    const body = (await t.json("/api/v1/timelines/home", { token: me.token })).body;
    const shown = ids(body);
    expect(shown).toContain(dmToMe.id);
    for (const hidden of [
      strangersPrivate,
      dmToOther,
      byBlocked,
      byMuted,
      boostOfMuted,
      boostOfStrangerByMuted,
    ]) {
      expect(shown).not.toContain(hidden.id);
    }
  });
});

describe("GET /api/v1/timelines/public", () => {
  it("shows local and remote public statuses, without replies to others, boosts or unlisted", async () => {
    const a = await user();
    const b = await user();
    const remote = await remoteAccount(t, "far.example");
    const pub = await insertStatus(t, a.account);
    const unlisted = await insertStatus(t, a.account, { visibility: "unlisted" });
    const priv = await insertStatus(t, a.account, { visibility: "private" });
    const replyToOther = await insertStatus(t, b.account, { inReplyTo: pub });
    const selfReply = await insertStatus(t, a.account, { inReplyTo: pub });
    const boost = await insertStatus(t, b.account, { reblogOf: pub });
    const remotePost = await insertStatus(t, remote, { local: false });

    const all = ids((await t.json("/api/v1/timelines/public?limit=40")).body);
    expect(all).toEqual(expect.arrayContaining([pub.id, selfReply.id, remotePost.id]));
    for (const hidden of [unlisted, priv, replyToOther, boost]) {
      expect(all).not.toContain(hidden.id);
    }
    const local = ids((await t.json("/api/v1/timelines/public?local=true&limit=40")).body);
    expect(local).toContain(pub.id);
    expect(local).not.toContain(remotePost.id);
    const remoteOnly = ids((await t.json("/api/v1/timelines/public?remote=1&limit=40")).body);
    expect(remoteOnly).toEqual([remotePost.id]);
    const both = ids((await t.json("/api/v1/timelines/public?local=1&remote=1&limit=40")).body);
    expect(both).toEqual(expect.arrayContaining([pub.id, remotePost.id]));
    expect((await t.json("/api/v1/timelines/public?only_media=true")).body).toEqual([]);
  });

  it("keeps only its own parameters in the Link header", async () => {
    const a = await user();
    const s1 = await insertStatus(t, a.account);
    const s2 = await insertStatus(t, a.account);
    const res = await t.json(
      "/api/v1/timelines/public?local=true&limit=2&max_id=999999999999999999&foo=1",
    );
    expect(ids(res.body)).toEqual([s2.id, s1.id]);
    const base = "https://herd.test/api/v1/timelines/public";
    expect(res.res.headers.get("link")).toBe(
      `<${base}?limit=2&local=true&max_id=${s1.id}>; rel="next", <${base}?limit=2&local=true&min_id=${s2.id}>; rel="prev"`,
    );
  });

  it("hides what the reader blocks, mutes or domain-blocks, and authors who block them", async () => {
    const me = await user();
    const blocked = await user();
    const muted = await user();
    const blocker = await user();
    const remote = await remoteAccount(t, "shunned.example");
    const posts = [
      await insertStatus(t, blocked.account),
      await insertStatus(t, muted.account),
      await insertStatus(t, blocker.account),
      await insertStatus(t, remote, { local: false }),
    ];
    await block(t, me.account, blocked.account);
    await mute(t, me.account, muted.account);
    await block(t, blocker.account, me.account);
    await blockDomain(t, me.account, "shunned.example");
    const seen = ids((await t.json("/api/v1/timelines/public?limit=40", { token: me.token })).body);
    for (const p of posts) expect(seen).not.toContain(p.id);
    const anonymous = ids((await t.json("/api/v1/timelines/public?limit=40")).body);
    for (const p of posts) expect(anonymous).toContain(p.id);
  });

  it("checks a token when one is sent, and needs one without timeline previews", async () => {
    const me = await user();
    const wrongScope = await tokenFor(t, me.user.id, ["write"]);
    expect((await t.json("/api/v1/timelines/public", { token: wrongScope })).status).toBe(403);
    expect((await t.json("/api/v1/timelines/public", { token: "nope" })).status).toBe(401);
    await setSettings(db, { timeline_preview: false });
    try {
      expect(await t.json("/api/v1/timelines/public")).toMatchObject({
        status: 422,
        body: { error: "This method requires an authenticated user" },
      });
      expect((await t.json("/api/v1/timelines/tag/cats")).status).toBe(422);
      expect((await t.json("/api/v1/timelines/public", { token: me.token })).status).toBe(200);
      const appOnly = await tokenFor(t, null, ["read"]);
      expect((await t.json("/api/v1/timelines/public", { token: appOnly })).status).toBe(422);
    } finally {
      await setSettings(db, { timeline_preview: true });
    }
  });
});

describe("GET /api/v1/timelines/tag/:hashtag", () => {
  it("shows public statuses with the tag, narrowed by any, all and none", async () => {
    const a = await user();
    const cats = await insertStatus(t, a.account, { tags: ["cats"] });
    const catsDogs = await insertStatus(t, a.account, { tags: ["cats", "dogs"] });
    const dogs = await insertStatus(t, a.account, { tags: ["dogs"] });
    const unlistedCats = await insertStatus(t, a.account, {
      tags: ["cats"],
      visibility: "unlisted",
    });
    const replyCats = await insertStatus(t, (await user()).account, {
      tags: ["cats"],
      inReplyTo: dogs,
    });

    const tagged = ids((await t.json("/api/v1/timelines/tag/Cats")).body);
    expect(tagged).toEqual([replyCats.id, catsDogs.id, cats.id]);
    expect(tagged).not.toContain(unlistedCats.id);
    expect(ids((await t.json("/api/v1/timelines/tag/cats?any[]=dogs")).body)).toEqual([
      replyCats.id,
      dogs.id,
      catsDogs.id,
      cats.id,
    ]);
    expect(ids((await t.json("/api/v1/timelines/tag/cats?all[]=dogs")).body)).toEqual([
      catsDogs.id,
    ]);
    expect(ids((await t.json("/api/v1/timelines/tag/cats?none[]=dogs")).body)).toEqual([
      replyCats.id,
      cats.id,
    ]);
    expect(ids((await t.json("/api/v1/timelines/tag/cats?all[]=unknowntag")).body)).toHaveLength(3);
    expect((await t.json("/api/v1/timelines/tag/nosuchtag")).body).toEqual([]);
    expect((await t.json("/api/v1/timelines/tag/%E2%9C%A8")).body).toEqual([]);
  });

  it("paginates with the tag's Link header", async () => {
    const a = await user();
    const s1 = await insertStatus(t, a.account, { tags: ["paging"] });
    const s2 = await insertStatus(t, a.account, { tags: ["paging"] });
    const s3 = await insertStatus(t, a.account, { tags: ["paging"] });
    const first = await t.json("/api/v1/timelines/tag/paging?limit=2&any[]=x");
    expect(ids(first.body)).toEqual([s3.id, s2.id]);
    const base = "https://herd.test/api/v1/timelines/tag/paging";
    expect(first.res.headers.get("link")).toBe(
      `<${base}?limit=2&max_id=${s2.id}>; rel="next", <${base}?limit=2&min_id=${s3.id}>; rel="prev"`,
    );
    const next = await t.json(`/api/v1/timelines/tag/paging?limit=2&max_id=${s2.id}`);
    expect(ids(next.body)).toEqual([s1.id]);
  });
});

describe("GET /api/v1/timelines/list/:id", () => {
  it("shows the list's statuses to its owner only", async () => {
    const me = await user();
    const member = await user();
    const other = await user();
    await follow(t, me.account, member.account);
    const list = await createList(db, me.account.id, { title: "Friends" });
    await addListMembers(db, t.jobs, me.account.id, list.id, [member.account.id]);
    await t.drainJobs();
    const a = await insertStatus(t, member.account);
    const b = await insertStatus(t, member.account);
    await t.drainJobs();

    const res = await t.json(`/api/v1/timelines/list/${list.id}?limit=1`, { token: me.token });
    expect(ids(res.body)).toEqual([b.id]);
    const base = `https://herd.test/api/v1/timelines/list/${list.id}`;
    expect(res.res.headers.get("link")).toBe(
      `<${base}?limit=1&max_id=${b.id}>; rel="next", <${base}?limit=1&min_id=${b.id}>; rel="prev"`,
    );
    const next = await t.json(`/api/v1/timelines/list/${list.id}?max_id=${b.id}`, {
      token: me.token,
    });
    expect(ids(next.body)).toEqual([a.id]);

    expect((await t.json(`/api/v1/timelines/list/${list.id}`, { token: other.token })).status).toBe(
      404,
    );
    expect((await t.json("/api/v1/timelines/list/123", { token: me.token })).status).toBe(404);
    expect((await t.json("/api/v1/timelines/list/abc", { token: me.token })).status).toBe(404);
    expect((await t.json(`/api/v1/timelines/list/${list.id}`)).status).toBe(401);
    const noLists = await tokenFor(t, me.user.id, ["read:statuses"]);
    expect((await t.json(`/api/v1/timelines/list/${list.id}`, { token: noLists })).status).toBe(
      403,
    );
  });
});
