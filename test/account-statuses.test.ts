// GET /api/v1/accounts/:id/statuses (https://docs.joinmastodon.org/methods/accounts/#statuses).
import { describe, expect, it } from "vitest";
import { blocks, follows, mutes, statusPins } from "../src/db/schema/index.ts";
import { newId } from "../src/lib/ids.ts";
import { makeUser, postStatus, tokenFor, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const db = t.database.db;

const list = async (account: TestUser, query = "", token?: string) => {
  const res = await t.json(`/api/v1/accounts/${account.account.id}/statuses${query}`, { token });
  expect(res.status).toBe(200);
  return res;
};
const ids = (body: { id: string }[]) => body.map((s) => s.id);
const relate = (table: typeof follows | typeof blocks, from: TestUser, to: TestUser) =>
  db
    .insert(table)
    .values({ id: newId(), accountId: from.account.id, targetAccountId: to.account.id });

describe("GET /api/v1/accounts/:id/statuses", () => {
  it("lists an account's statuses newest first, boosts included", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const theirs = await postStatus(t, bob, "bob's");
    const one = await postStatus(t, alice, "one");
    const boost = await t.json(`/api/v1/statuses/${theirs.id}/reblog`, {
      method: "POST",
      token: alice.token,
    });
    const two = await postStatus(t, alice, "two");
    const { body } = await list(alice);
    expect(ids(body)).toEqual([two.id, boost.body.id, one.id]);
    expect(body[1].reblog.id).toBe(theirs.id);
  });

  it("filters replies (keeping self-replies), boosts, tags and media", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const other = await postStatus(t, bob, "bob");
    const root = await postStatus(t, alice, "root #Topic");
    const self = await postStatus(t, alice, { status: "thread", in_reply_to_id: root.id });
    const toBob = await postStatus(t, alice, { status: "hey", in_reply_to_id: other.id });
    const boost = await t.json(`/api/v1/statuses/${other.id}/reblog`, {
      method: "POST",
      token: alice.token,
    });
    expect(ids((await list(alice)).body)).toEqual([boost.body.id, toBob.id, self.id, root.id]);
    expect(ids((await list(alice, "?exclude_replies=true")).body)).toEqual([
      boost.body.id,
      self.id,
      root.id,
    ]);
    expect(ids((await list(alice, "?exclude_reblogs=1")).body)).toEqual([
      toBob.id,
      self.id,
      root.id,
    ]);
    expect(ids((await list(alice, "?tagged=TOPIC")).body)).toEqual([root.id]);
    expect(ids((await list(alice, "?tagged=nothing")).body)).toEqual([]);
    expect((await list(alice, "?only_media=true")).body).toEqual([]);
    expect(ids((await list(alice, "?exclude_replies=false")).body)).toHaveLength(4);
  });

  it("lists pinned statuses, latest pin first", async () => {
    const alice = await makeUser(t);
    const a = await postStatus(t, alice, "a");
    const b = await postStatus(t, alice, "b");
    await postStatus(t, alice, "c");
    await db
      .insert(statusPins)
      .values({ id: newId(), accountId: alice.account.id, statusId: b.id });
    await db
      .insert(statusPins)
      .values({ id: newId(), accountId: alice.account.id, statusId: a.id });
    const { body } = await list(alice, "?pinned=true", alice.token);
    expect(ids(body)).toEqual([a.id, b.id]);
    expect(body[0].pinned).toBe(true);
  });

  it("paginates with max_id, since_id, min_id and limit, with a Link header", async () => {
    const alice = await makeUser(t);
    const posted = [];
    for (let i = 0; i < 5; i++) posted.push(await postStatus(t, alice, String(i)));
    const [s0, s1, s2, s3, s4] = posted.map((s) => s.id as string);
    const first = await list(alice, "?limit=2");
    expect(ids(first.body)).toEqual([s4, s3]);
    const base = `https://herd.test/api/v1/accounts/${alice.account.id}/statuses`;
    expect(first.res.headers.get("link")).toBe(
      `<${base}?limit=2&max_id=${s3}>; rel="next", <${base}?limit=2&min_id=${s4}>; rel="prev"`,
    );
    expect(ids((await list(alice, `?limit=2&max_id=${s3}`)).body)).toEqual([s2, s1]);
    expect(ids((await list(alice, `?limit=2&min_id=${s0}`)).body)).toEqual([s2, s1]);
    expect(ids((await list(alice, `?limit=2&since_id=${s0}`)).body)).toEqual([s4, s3]);
    const last = await list(alice, `?limit=2&max_id=${s1}`);
    expect(ids(last.body)).toEqual([s0]);
    expect(last.res.headers.get("link")).toBe(`<${base}?limit=2&min_id=${s0}>; rel="prev"`);
    expect((await list(alice, `?max_id=${s0}`)).res.headers.get("link")).toBeNull();
    // The limit is capped at 40; nonsense means the default.
    expect((await list(alice, "?limit=abc")).body).toHaveLength(5);
  });

  it("shows the viewer what the viewer may see", async () => {
    const alice = await makeUser(t);
    const follower = await makeUser(t);
    const stranger = await makeUser(t);
    await relate(follows, follower, alice);
    const pub = await postStatus(t, alice, { status: "pub", visibility: "public" });
    const unl = await postStatus(t, alice, { status: "unl", visibility: "unlisted" });
    const priv = await postStatus(t, alice, { status: "priv", visibility: "private" });
    const dm = await postStatus(t, alice, {
      status: `@${stranger.account.username} dm`,
      visibility: "direct",
    });
    expect(ids((await list(alice)).body)).toEqual([unl.id, pub.id]);
    expect(ids((await list(alice, "", follower.token)).body)).toEqual([priv.id, unl.id, pub.id]);
    expect(ids((await list(alice, "", stranger.token)).body)).toEqual([dm.id, unl.id, pub.id]);
    expect(ids((await list(alice, "", alice.token)).body)).toEqual([
      dm.id,
      priv.id,
      unl.id,
      pub.id,
    ]);
    // An account that blocks the viewer shows nothing, not even mentions.
    await relate(blocks, alice, stranger);
    expect((await list(alice, "", stranger.token)).body).toEqual([]);
  });

  it("shows a muted account's own posts but not boosts of muted accounts", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const viewer = await makeUser(t);
    const bobs = await postStatus(t, bob, "bob");
    await t.json(`/api/v1/statuses/${bobs.id}/reblog`, { method: "POST", token: alice.token });
    const own = await postStatus(t, alice, "own");
    await db
      .insert(mutes)
      .values({ id: newId(), accountId: viewer.account.id, targetAccountId: bob.account.id });
    expect(ids((await list(alice, "", viewer.token)).body)).toEqual([own.id]);
    await db
      .insert(mutes)
      .values({ id: newId(), accountId: viewer.account.id, targetAccountId: alice.account.id });
    expect(ids((await list(alice, "", viewer.token)).body)).toEqual([own.id]);
  });

  it("answers 404 for unknown accounts and checks a token when sent", async () => {
    expect(await t.json("/api/v1/accounts/1/statuses")).toMatchObject({
      status: 404,
      body: { error: "Record not found" },
    });
    const alice = await makeUser(t);
    const write = await tokenFor(t, alice.user.id, ["write"]);
    expect(
      (await t.json(`/api/v1/accounts/${alice.account.id}/statuses`, { token: write })).status,
    ).toBe(403);
    const granular = await tokenFor(t, alice.user.id, ["read:statuses"]);
    expect(
      (await t.json(`/api/v1/accounts/${alice.account.id}/statuses`, { token: granular })).status,
    ).toBe(200);
  });
});
