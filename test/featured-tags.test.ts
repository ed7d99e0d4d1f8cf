// Hashtags featured on profiles (https://docs.joinmastodon.org/methods/featured_tags/,
// methods/accounts/#featured_tags).
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  accounts,
  featuredTags,
  statuses,
  statusesTags,
  type Visibility,
} from "../src/db/schema/index.ts";
import { findOrCreateTag } from "../src/domain/graph/hashtags.ts";
import { newId } from "../src/lib/ids.ts";
import { makeUser, postStatus, tokenFor, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const db = t.database.db;

const post = (path: string, user: { token: string }, json: unknown = {}) =>
  t.json(path, { method: "POST", token: user.token, json });

/** A status by `user` tagged with `tagNames`, written directly. */
async function tagged(
  user: TestUser,
  tagNames: string[],
  options: { visibility?: Visibility; at?: Date; deleted?: boolean } = {},
) {
  const id = newId(options.at ?? new Date());
  await db.insert(statuses).values({
    id,
    accountId: user.account.id,
    text: tagNames.map((n) => `#${n}`).join(" "),
    visibility: options.visibility ?? "public",
    createdAt: options.at ?? new Date(),
    deletedAt: options.deleted ? new Date() : null,
  });
  for (const name of tagNames) {
    const tag = await findOrCreateTag(db, name);
    await db.insert(statusesTags).values({ statusId: id, tagId: tag.id });
  }
  return id;
}

describe("POST /api/v1/featured_tags", () => {
  it("features a hashtag with its use by the account", async () => {
    const me = await makeUser(t);
    await tagged(me, ["Cats"], { at: new Date("2024-05-01T10:00:00Z") });
    await tagged(me, ["cats"], { visibility: "unlisted", at: new Date("2024-06-02T23:30:00Z") });
    await tagged(me, ["cats"], { visibility: "private" });
    await tagged(me, ["cats"], { deleted: true });
    const other = await makeUser(t);
    await tagged(other, ["cats"]);

    const { status, body } = await post("/api/v1/featured_tags", me, { name: "#Cats" });
    expect(status).toBe(200);
    expect(body).toEqual({
      id: expect.stringMatching(/^\d+$/),
      name: "Cats",
      url: `https://herd.test/@${me.account.username}/tagged/cats`,
      statuses_count: "2",
      last_status_at: "2024-06-02",
    });
    // Featuring it again answers the same one.
    const again = await t.json("/api/v1/featured_tags", {
      method: "POST",
      token: me.token,
      form: { name: "CATS" },
    });
    expect(again.body.id).toBe(body.id);
    const list = await t.json("/api/v1/featured_tags", { token: me.token });
    expect(list.body).toEqual([body]);
    // The stored counters start from the same count (FeaturedTag#reset_data).
    const [row] = await db.select().from(featuredTags).where(eq(featuredTags.id, body.id));
    expect(row).toMatchObject({ statusesCount: 2, lastStatusAt: new Date("2024-06-02T23:30:00Z") });
  });

  it("counts statuses posted after the tag was featured", async () => {
    const me = await makeUser(t);
    const { body } = await post("/api/v1/featured_tags", me, { name: "news" });
    expect(body.statuses_count).toBe("0");
    const posted = await postStatus(t, me, "Today's #News");
    await postStatus(t, me, { status: "#news for followers", visibility: "private" });
    const list = await t.json(`/api/v1/accounts/${me.account.id}/featured_tags`);
    expect(list.body).toEqual([
      expect.objectContaining({
        name: "news",
        statuses_count: "1",
        last_status_at: String(posted.created_at).slice(0, 10),
      }),
    ]);
  });

  it("features a tag nobody used yet, with no statuses", async () => {
    const me = await makeUser(t);
    const { body } = await post("/api/v1/featured_tags", me, { name: "brandnew" });
    expect(body).toMatchObject({ name: "brandnew", statuses_count: "0", last_status_at: null });
  });

  it("refuses blank and invalid names, and more than 10 tags", async () => {
    const me = await makeUser(t);
    for (const [name, error] of [
      ["", "Validation failed: Name can't be blank"],
      ["#", "Validation failed: Name can't be blank"],
      [undefined, "Validation failed: Name can't be blank"],
      ["123", "Validation failed: Name is invalid"],
      ["two words", "Validation failed: Name is invalid"],
      ["a-b", "Validation failed: Name is invalid"],
    ] as const) {
      expect(await post("/api/v1/featured_tags", me, { name })).toMatchObject({
        status: 422,
        body: { error },
      });
    }
    for (let i = 0; i < 10; i++) {
      expect((await post("/api/v1/featured_tags", me, { name: `tag${i}x` })).status).toBe(200);
    }
    expect(await post("/api/v1/featured_tags", me, { name: "eleventh" })).toMatchObject({
      status: 422,
      body: {
        error: "Validation failed: You have already featured the maximum number of hashtags",
      },
    });
    // An already featured one is still answered.
    expect((await post("/api/v1/featured_tags", me, { name: "tag3x" })).status).toBe(200);
  });

  it("needs write:accounts", async () => {
    const me = await makeUser(t);
    expect(
      (await t.json("/api/v1/featured_tags", { method: "POST", json: { name: "x" } })).status,
    ).toBe(401);
    const read = await tokenFor(t, me.user.id, ["read"]);
    expect(
      (await t.json("/api/v1/featured_tags", { method: "POST", token: read, json: { name: "x" } }))
        .status,
    ).toBe(403);
    const app = await tokenFor(t, null, ["write"]);
    expect(
      (await t.json("/api/v1/featured_tags", { method: "POST", token: app, json: { name: "x" } }))
        .status,
    ).toBe(422);
  });
});

describe("DELETE /api/v1/featured_tags/:id", () => {
  it("unfeatures one's own featured tag only", async () => {
    const me = await makeUser(t);
    const other = await makeUser(t);
    const { body } = await post("/api/v1/featured_tags", me, { name: "dogs" });
    const theirs = await t.json(`/api/v1/featured_tags/${body.id}`, {
      method: "DELETE",
      token: other.token,
    });
    expect(theirs).toMatchObject({ status: 404, body: { error: "Record not found" } });
    expect(
      (await t.json("/api/v1/featured_tags/abc", { method: "DELETE", token: me.token })).status,
    ).toBe(404);
    const mine = await t.json(`/api/v1/featured_tags/${body.id}`, {
      method: "DELETE",
      token: me.token,
    });
    expect(mine).toMatchObject({ status: 200, body: {} });
    expect((await t.json("/api/v1/featured_tags", { token: me.token })).body).toEqual([]);
  });
});

describe("GET /api/v1/accounts/:id/featured_tags", () => {
  it("is public, most used first, and empty for suspended accounts", async () => {
    const me = await makeUser(t);
    await tagged(me, ["often"]);
    await tagged(me, ["often"]);
    await tagged(me, ["seldom"]);
    await post("/api/v1/featured_tags", me, { name: "seldom" });
    await post("/api/v1/featured_tags", me, { name: "often" });
    const { status, body } = await t.json(`/api/v1/accounts/${me.account.id}/featured_tags`);
    expect(status).toBe(200);
    expect(
      body.map((f: { name: string; statuses_count: string }) => [f.name, f.statuses_count]),
    ).toEqual([
      ["often", "2"],
      ["seldom", "1"],
    ]);
    expect((await t.json("/api/v1/accounts/1/featured_tags")).status).toBe(404);
    await db
      .update(accounts)
      .set({ suspendedAt: new Date() })
      .where(eq(accounts.id, me.account.id));
    expect((await t.json(`/api/v1/accounts/${me.account.id}/featured_tags`)).body).toEqual([]);
  });
});

describe("GET /api/v1/featured_tags/suggestions", () => {
  it("suggests the tags most used lately that are not featured", async () => {
    const me = await makeUser(t);
    await tagged(me, ["alpha", "beta"]);
    await tagged(me, ["beta"]);
    await tagged(me, ["gamma"]);
    await post("/api/v1/featured_tags", me, { name: "gamma" });
    const { status, body } = await t.json("/api/v1/featured_tags/suggestions", { token: me.token });
    expect(status).toBe(200);
    expect(body.map((tag: { name: string }) => tag.name)).toEqual(["beta", "alpha"]);
    expect(body[0]).toMatchObject({
      url: "https://herd.test/tags/beta",
      history: [],
      following: false,
      featuring: false,
    });
    const wrong = await tokenFor(t, me.user.id, ["read:follows"]);
    expect((await t.json("/api/v1/featured_tags/suggestions", { token: wrong })).status).toBe(403);
    expect((await t.json("/api/v1/featured_tags")).status).toBe(401);
  });
});

describe("GET /api/v1/featured_tags", () => {
  it("lists one's featured tags for a user token with read:accounts", async () => {
    const me = await makeUser(t);
    await post("/api/v1/featured_tags", me, { name: "listed" });
    const right = await tokenFor(t, me.user.id, ["read:accounts"]);
    const { status, body } = await t.json("/api/v1/featured_tags", { token: right });
    expect(status).toBe(200);
    expect(body.map((tag: { name: string }) => tag.name)).toEqual(["listed"]);
    expect(await t.json("/api/v1/featured_tags")).toMatchObject({
      status: 401,
      body: { error: "The access token is invalid" },
    });
    const wrong = await tokenFor(t, me.user.id, ["read:follows"]);
    expect(await t.json("/api/v1/featured_tags", { token: wrong })).toMatchObject({
      status: 403,
      body: { error: "This action is outside the authorized scopes" },
    });
    const app = await tokenFor(t, null, ["read"]);
    expect(await t.json("/api/v1/featured_tags", { token: app })).toMatchObject({
      status: 422,
      body: { error: "This method requires an authenticated user" },
    });
  });
});
