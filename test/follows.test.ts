// Following, unfollowing, removing followers, and the followers and
// following lists (https://docs.joinmastodon.org/methods/accounts/#follow).
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  accountPins,
  accounts,
  blocks,
  followRequests,
  follows,
  listAccounts,
  lists,
  notifications,
} from "../src/db/schema/index.ts";
import { newId } from "../src/lib/ids.ts";
import {
  follow,
  makeRemoteAccount,
  makeUser,
  postStatus,
  tokenFor,
  type TestUser,
} from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const db = t.database.db;

const post = (path: string, user: { token: string }, json: unknown = {}) =>
  t.json(path, { method: "POST", token: user.token, json });

async function counts(id: string) {
  const [row] = await db
    .select({ followers: accounts.followersCount, following: accounts.followingCount })
    .from(accounts)
    .where(eq(accounts.id, id));
  return row!;
}

async function notificationsOf(id: string) {
  return db
    .select({ type: notifications.type, from: notifications.fromAccountId })
    .from(notifications)
    .where(eq(notifications.accountId, id));
}

async function relationship(viewer: TestUser, id: string) {
  const { body } = await t.json(`/api/v1/accounts/relationships?id[]=${id}`, {
    token: viewer.token,
  });
  return body[0];
}

describe("POST /api/v1/accounts/:id/follow", () => {
  it("follows an unlocked local account at once, counts it and notifies", async () => {
    const a = await makeUser(t);
    const b = await makeUser(t);
    const { status, body } = await post(`/api/v1/accounts/${b.account.id}/follow`, a);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: b.account.id,
      following: true,
      showing_reblogs: true,
      notifying: false,
      languages: null,
      requested: false,
      followed_by: false,
    });
    expect(await counts(a.account.id)).toEqual({ followers: 0, following: 1 });
    expect(await counts(b.account.id)).toEqual({ followers: 1, following: 0 });
    expect(await notificationsOf(b.account.id)).toEqual([{ type: "follow", from: a.account.id }]);
    // The other side sees it too.
    expect(await relationship(b, a.account.id)).toMatchObject({
      following: false,
      followed_by: true,
    });
    // The account entity carries the counters.
    const shown = await t.json(`/api/v1/accounts/${b.account.id}`);
    expect(shown.body.followers_count).toBe(1);
  });

  it("is idempotent and changes only the options given", async () => {
    const a = await makeUser(t);
    const b = await makeUser(t);
    await follow(t, a, b.account.id, { reblogs: false, notify: true, languages: ["en", "fr"] });
    expect(await relationship(a, b.account.id)).toMatchObject({
      following: true,
      showing_reblogs: false,
      notifying: true,
      languages: ["en", "fr"],
    });
    const again = await post(`/api/v1/accounts/${b.account.id}/follow`, a, { notify: false });
    expect(again.body).toMatchObject({
      following: true,
      showing_reblogs: false,
      notifying: false,
      languages: ["en", "fr"],
    });
    const form = await t.json(`/api/v1/accounts/${b.account.id}/follow`, {
      method: "POST",
      token: a.token,
      form: [
        ["reblogs", "true"],
        ["languages[]", "de"],
      ],
    });
    expect(form.body).toMatchObject({ showing_reblogs: true, notifying: false, languages: ["de"] });
    expect(await counts(b.account.id)).toEqual({ followers: 1, following: 0 });
    expect(await notificationsOf(b.account.id)).toHaveLength(1);
  });

  it("reads options from the query string and multipart bodies", async () => {
    const a = await makeUser(t);
    const b = await makeUser(t);
    const query = await t.json(`/api/v1/accounts/${b.account.id}/follow?reblogs=false`, {
      method: "POST",
      token: a.token,
    });
    expect(query.body).toMatchObject({ following: true, showing_reblogs: false });
    const multipart = new FormData();
    multipart.append("notify", "1");
    const multi = await t.json(`/api/v1/accounts/${b.account.id}/follow`, {
      method: "POST",
      token: a.token,
      multipart,
    });
    expect(multi.body).toMatchObject({ following: true, showing_reblogs: false, notifying: true });
  });

  it("asks a locked account, which is notified of the request", async () => {
    const a = await makeUser(t);
    const locked = await makeUser(t);
    await db.update(accounts).set({ locked: true }).where(eq(accounts.id, locked.account.id));
    const { body } = await post(`/api/v1/accounts/${locked.account.id}/follow`, a, {
      reblogs: false,
    });
    expect(body).toMatchObject({ following: false, requested: true, showing_reblogs: false });
    expect(await relationship(locked, a.account.id)).toMatchObject({ requested_by: true });
    expect(await counts(locked.account.id)).toEqual({ followers: 0, following: 0 });
    expect(await notificationsOf(locked.account.id)).toEqual([
      { type: "follow_request", from: a.account.id },
    ]);
    // Asking again changes the request's options, not the number of requests.
    const again = await post(`/api/v1/accounts/${locked.account.id}/follow`, a, { reblogs: true });
    expect(again.body).toMatchObject({ requested: true, showing_reblogs: true });
    expect(await notificationsOf(locked.account.id)).toHaveLength(1);
  });

  it("asks remote accounts, and silenced followers ask everyone", async () => {
    const a = await makeUser(t);
    const remote = await makeRemoteAccount(t);
    const asked = await post(`/api/v1/accounts/${remote.id}/follow`, a);
    expect(asked.body).toMatchObject({ following: false, requested: true });
    const quiet = await makeUser(t);
    await db
      .update(accounts)
      .set({ silencedAt: new Date() })
      .where(eq(accounts.id, quiet.account.id));
    const b = await makeUser(t);
    const fromSilenced = await post(`/api/v1/accounts/${b.account.id}/follow`, quiet);
    expect(fromSilenced.body).toMatchObject({ following: false, requested: true });
  });

  it("is 404 for oneself and unknown, unconfirmed or suspended accounts", async () => {
    const a = await makeUser(t);
    const unconfirmed = await makeUser(t, { confirmed: false });
    const suspended = await makeUser(t);
    await db
      .update(accounts)
      .set({ suspendedAt: new Date() })
      .where(eq(accounts.id, suspended.account.id));
    for (const id of [a.account.id, "1", unconfirmed.account.id, suspended.account.id]) {
      const res = await post(`/api/v1/accounts/${id}/follow`, a);
      expect(res).toMatchObject({ status: 404, body: { error: "Record not found" } });
    }
    expect(
      (await t.request("/api/v1/accounts/abc/follow", { method: "POST", token: a.token })).status,
    ).toBe(404);
  });

  it("is 403 when either blocks the other, the target moved, or its domain is blocked", async () => {
    const a = await makeUser(t);
    const b = await makeUser(t);
    const c = await makeUser(t);
    await db
      .insert(blocks)
      .values({ id: newId(), accountId: b.account.id, targetAccountId: a.account.id });
    await db
      .insert(blocks)
      .values({ id: newId(), accountId: a.account.id, targetAccountId: c.account.id });
    const moved = await makeUser(t);
    await db
      .update(accounts)
      .set({ movedToAccountId: b.account.id })
      .where(eq(accounts.id, moved.account.id));
    const remote = await makeRemoteAccount(t, { domain: "blocked.example" });
    await post("/api/v1/domain_blocks", a, { domain: "blocked.example" });
    for (const id of [b.account.id, c.account.id, moved.account.id, remote.id]) {
      const res = await post(`/api/v1/accounts/${id}/follow`, a);
      expect(res).toMatchObject({ status: 403, body: { error: "This action is not allowed" } });
    }
    expect(await counts(a.account.id)).toEqual({ followers: 0, following: 0 });
  });

  it("refuses bad languages and checks the token as Mastodon", async () => {
    const a = await makeUser(t);
    const b = await makeUser(t);
    const path = `/api/v1/accounts/${b.account.id}/follow`;
    // Only the languages Mastodon lists, exactly as it spells them.
    for (const languages of [["english"], [""], "x y", ["xx"], ["en", "en-GB"], ["pt-br"]]) {
      const res = await post(path, a, { languages });
      expect(res).toMatchObject({
        status: 422,
        body: { error: "Validation failed: Languages is invalid" },
      });
    }
    const listed = await post(path, a, { languages: ["pt-BR", "zh-TW", "kab"] });
    expect(listed).toMatchObject({ status: 200, body: { languages: ["pt-BR", "zh-TW", "kab"] } });
    expect((await post(path, a, { reblogs: { a: 1 } })).status).toBe(422);
    const bad = await t.json(path, {
      method: "POST",
      token: a.token,
      body: "{",
      headers: { "content-type": "application/json" },
    });
    expect(bad).toMatchObject({ status: 400 });
    expect((await t.json(path, { method: "POST" })).status).toBe(401);
    const read = await tokenFor(t, a.user.id, ["read"]);
    expect(await t.json(path, { method: "POST", token: read })).toMatchObject({
      status: 403,
      body: { error: "This action is outside the authorized scopes" },
    });
    const app = await tokenFor(t, null, ["write", "follow"]);
    expect(await t.json(path, { method: "POST", token: app })).toMatchObject({
      status: 422,
      body: { error: "This method requires an authenticated user" },
    });
    for (const scope of ["write:follows", "write", "follow"]) {
      const token = await tokenFor(t, a.user.id, [scope]);
      expect((await t.json(path, { method: "POST", token })).status).toBe(200);
    }
  });
});

describe("POST /api/v1/accounts/:id/unfollow", () => {
  it("ends the follow with its counters, notification, endorsement and list places", async () => {
    const a = await makeUser(t);
    const b = await makeUser(t);
    await follow(t, a, b.account.id);
    await post(`/api/v1/accounts/${b.account.id}/endorse`, a);
    const [follow_] = await db.select().from(follows).where(eq(follows.accountId, a.account.id));
    const listId = newId();
    await db.insert(lists).values({ id: listId, accountId: a.account.id, title: "L" });
    await db
      .insert(listAccounts)
      .values({ id: newId(), listId, accountId: b.account.id, followId: follow_!.id });

    const { status, body } = await post(`/api/v1/accounts/${b.account.id}/unfollow`, a);
    expect(status).toBe(200);
    expect(body).toMatchObject({ following: false, endorsed: false, showing_reblogs: false });
    expect(await counts(a.account.id)).toEqual({ followers: 0, following: 0 });
    expect(await counts(b.account.id)).toEqual({ followers: 0, following: 0 });
    expect(await notificationsOf(b.account.id)).toEqual([]);
    expect(
      await db.select().from(accountPins).where(eq(accountPins.accountId, a.account.id)),
    ).toEqual([]);
    expect(await db.select().from(listAccounts).where(eq(listAccounts.listId, listId))).toEqual([]);
    // Again: nothing to undo, counters stay at zero.
    expect((await post(`/api/v1/accounts/${b.account.id}/unfollow`, a)).status).toBe(200);
    expect(await counts(b.account.id)).toEqual({ followers: 0, following: 0 });
  });

  it("withdraws a pending request and its notification", async () => {
    const a = await makeUser(t);
    const locked = await makeUser(t);
    await db.update(accounts).set({ locked: true }).where(eq(accounts.id, locked.account.id));
    await follow(t, a, locked.account.id);
    const { body } = await post(`/api/v1/accounts/${locked.account.id}/unfollow`, a);
    expect(body).toMatchObject({ following: false, requested: false });
    expect(
      await db.select().from(followRequests).where(eq(followRequests.accountId, a.account.id)),
    ).toEqual([]);
    expect(await notificationsOf(locked.account.id)).toEqual([]);
  });

  it("needs write:follows and a known account", async () => {
    const a = await makeUser(t);
    expect((await post("/api/v1/accounts/1/unfollow", a)).status).toBe(404);
    const token = await tokenFor(t, a.user.id, ["write:blocks"]);
    expect(
      (await t.json(`/api/v1/accounts/${a.account.id}/unfollow`, { method: "POST", token })).status,
    ).toBe(403);
  });
});

describe("POST /api/v1/accounts/:id/remove_from_followers", () => {
  it("makes a follower stop following", async () => {
    const a = await makeUser(t);
    const b = await makeUser(t);
    await follow(t, b, a.account.id);
    const { status, body } = await post(
      `/api/v1/accounts/${b.account.id}/remove_from_followers`,
      a,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: b.account.id, followed_by: false, following: false });
    expect(await counts(a.account.id)).toEqual({ followers: 0, following: 0 });
    expect(await counts(b.account.id)).toEqual({ followers: 0, following: 0 });
    expect((await post(`/api/v1/accounts/${b.account.id}/remove_from_followers`, a)).status).toBe(
      200,
    );
  });
});

describe("GET /api/v1/accounts/:id/followers and /following", () => {
  it("lists newest follow first with Link headers, paginated by follow id", async () => {
    const owner = await makeUser(t);
    const fans: TestUser[] = [];
    for (let i = 0; i < 3; i++) {
      const fan = await makeUser(t);
      await follow(t, fan, owner.account.id);
      await follow(t, owner, fan.account.id);
      fans.push(fan);
    }
    const page1 = await t.json(`/api/v1/accounts/${owner.account.id}/followers?limit=2`);
    expect(page1.status).toBe(200);
    expect(page1.body.map((a: { id: string }) => a.id)).toEqual([
      fans[2]!.account.id,
      fans[1]!.account.id,
    ]);
    const link = page1.res.headers.get("link")!;
    const next = /<([^>]+)>; rel="next"/.exec(link)![1]!;
    const followIds = await db
      .select({ id: follows.id })
      .from(follows)
      .where(eq(follows.targetAccountId, owner.account.id));
    const sorted = followIds.map((f) => f.id).sort((x, y) => (BigInt(x) < BigInt(y) ? 1 : -1));
    expect(next).toContain(`max_id=${sorted[1]}`);
    expect(link).toContain(`min_id=${sorted[0]}`);
    const page2 = await t.json(next.replace("https://herd.test", ""));
    expect(page2.body.map((a: { id: string }) => a.id)).toEqual([fans[0]!.account.id]);
    expect(page2.res.headers.get("link")).not.toContain('rel="next"');

    const following = await t.json(`/api/v1/accounts/${owner.account.id}/following`);
    expect(following.body.map((a: { id: string }) => a.id)).toEqual(
      [...fans].reverse().map((f) => f.account.id),
    );
    const newer = await t.json(
      `/api/v1/accounts/${owner.account.id}/followers?min_id=${sorted[2]}&limit=1`,
    );
    expect(newer.body.map((a: { id: string }) => a.id)).toEqual([fans[1]!.account.id]);
  });

  it("hides collections from others but not from the owner", async () => {
    const owner = await makeUser(t);
    const fan = await makeUser(t);
    await follow(t, fan, owner.account.id);
    await db
      .update(accounts)
      .set({ hideCollections: true })
      .where(eq(accounts.id, owner.account.id));
    for (const path of ["followers", "following"]) {
      expect((await t.json(`/api/v1/accounts/${owner.account.id}/${path}`)).body).toEqual([]);
      expect(
        (await t.json(`/api/v1/accounts/${owner.account.id}/${path}`, { token: fan.token })).body,
      ).toEqual([]);
    }
    const own = await t.json(`/api/v1/accounts/${owner.account.id}/followers`, {
      token: owner.token,
    });
    expect(own.body.map((a: { id: string }) => a.id)).toEqual([fan.account.id]);
  });

  it("hides blocked and muted accounts, and everything from a viewer the owner blocks", async () => {
    const owner = await makeUser(t);
    const viewer = await makeUser(t);
    const blocked = await makeUser(t);
    const muted = await makeUser(t);
    const shown = await makeUser(t);
    for (const u of [blocked, muted, shown]) await follow(t, u, owner.account.id);
    await post(`/api/v1/accounts/${blocked.account.id}/block`, viewer);
    await post(`/api/v1/accounts/${muted.account.id}/mute`, viewer);
    const seen = await t.json(`/api/v1/accounts/${owner.account.id}/followers`, {
      token: viewer.token,
    });
    expect(seen.body.map((a: { id: string }) => a.id)).toEqual([shown.account.id]);
    // The owner sees everyone; a visitor too.
    const all = await t.json(`/api/v1/accounts/${owner.account.id}/followers`);
    expect(all.body).toHaveLength(3);
    await post(`/api/v1/accounts/${viewer.account.id}/block`, owner);
    const none = await t.json(`/api/v1/accounts/${owner.account.id}/followers`, {
      token: viewer.token,
    });
    expect(none.body).toEqual([]);
  });

  it("answers nothing for a suspended account, 404 for an unknown one", async () => {
    const owner = await makeUser(t);
    const fan = await makeUser(t);
    await follow(t, fan, owner.account.id);
    await db
      .update(accounts)
      .set({ suspendedAt: new Date() })
      .where(eq(accounts.id, owner.account.id));
    expect((await t.json(`/api/v1/accounts/${owner.account.id}/followers`)).body).toEqual([]);
    expect((await t.json("/api/v1/accounts/1/followers")).status).toBe(404);
    const write = await tokenFor(t, fan.user.id, ["write"]);
    expect(
      (await t.json(`/api/v1/accounts/${fan.account.id}/following`, { token: write })).status,
    ).toBe(403);
  });
});

describe("home feed", () => {
  it("gets the followed account's statuses, and loses them on unfollow", async () => {
    const a = await makeUser(t);
    const b = await makeUser(t);
    const status = await postStatus(t, b, "before the follow");
    await follow(t, a, b.account.id);
    await t.drainJobs();
    const home = async () =>
      (await t.json("/api/v1/timelines/home", { token: a.token })).body.map(
        (s: { id: string }) => s.id,
      );
    expect(await home()).toContain(status.id);
    await post(`/api/v1/accounts/${b.account.id}/unfollow`, a);
    await t.drainJobs();
    expect(await home()).not.toContain(status.id);
  });
});

describe("counters", () => {
  it("never go below zero", async () => {
    const a = await makeUser(t);
    const b = await makeUser(t);
    await follow(t, a, b.account.id);
    await db.update(accounts).set({ followersCount: 0 }).where(eq(accounts.id, b.account.id));
    await post(`/api/v1/accounts/${b.account.id}/unfollow`, a);
    expect(await counts(b.account.id)).toEqual({ followers: 0, following: 0 });
    const rows = await db
      .select()
      .from(follows)
      .where(and(eq(follows.accountId, a.account.id), eq(follows.targetAccountId, b.account.id)));
    expect(rows).toEqual([]);
  });
});
