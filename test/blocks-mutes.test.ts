// Blocking and muting accounts (https://docs.joinmastodon.org/methods/accounts/#block,
// #mute, methods/blocks/, methods/mutes/).
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  accounts,
  followRequests,
  follows,
  homeFeedEntries,
  listAccounts,
  lists,
  mutes,
  notifications,
  statuses,
} from "../src/db/schema/index.ts";
import { newId } from "../src/lib/ids.ts";
import { follow, makeUser, tokenFor, type TestUser } from "./kit/fixtures.ts";
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

/** A status by `author` sitting in `reader`'s home feed. */
async function inHomeFeed(reader: TestUser, author: TestUser): Promise<string> {
  const id = newId();
  await db
    .insert(statuses)
    .values({ id, accountId: author.account.id, text: "hi", content: "<p>hi</p>" });
  await db
    .insert(homeFeedEntries)
    .values({ accountId: reader.account.id, statusId: id, reblogOfId: id });
  return id;
}

async function homeFeed(reader: TestUser) {
  const rows = await db
    .select({ id: homeFeedEntries.statusId })
    .from(homeFeedEntries)
    .where(eq(homeFeedEntries.accountId, reader.account.id));
  return rows.map((r) => r.id);
}

async function notificationsOf(id: string) {
  return db
    .select({ type: notifications.type, from: notifications.fromAccountId })
    .from(notifications)
    .where(eq(notifications.accountId, id));
}

describe("POST /api/v1/accounts/:id/block", () => {
  it("ends follows and requests both ways and clears feeds, lists and notifications", async () => {
    const a = await makeUser(t);
    const b = await makeUser(t);
    await follow(t, a, b.account.id);
    await follow(t, b, a.account.id);
    await db.update(accounts).set({ locked: true }).where(eq(accounts.id, a.account.id));
    const status = await inHomeFeed(a, b);
    const kept = await inHomeFeed(a, a);
    const [f] = await db.select().from(follows).where(eq(follows.accountId, a.account.id));
    const listId = newId();
    await db.insert(lists).values({ id: listId, accountId: a.account.id, title: "L" });
    await db
      .insert(listAccounts)
      .values({ id: newId(), listId, accountId: b.account.id, followId: f!.id });
    expect(await notificationsOf(a.account.id)).toEqual([{ type: "follow", from: b.account.id }]);

    const { status: code, body } = await post(`/api/v1/accounts/${b.account.id}/block`, a);
    expect(code).toBe(200);
    expect(body).toMatchObject({
      id: b.account.id,
      blocking: true,
      blocked_by: false,
      following: false,
      followed_by: false,
    });
    expect(await counts(a.account.id)).toEqual({ followers: 0, following: 0 });
    expect(await counts(b.account.id)).toEqual({ followers: 0, following: 0 });
    expect(await homeFeed(a)).toEqual([kept]);
    expect(await homeFeed(a)).not.toContain(status);
    expect(await db.select().from(listAccounts).where(eq(listAccounts.listId, listId))).toEqual([]);
    expect(await notificationsOf(a.account.id)).toEqual([]);
    expect(await notificationsOf(b.account.id)).toEqual([]);
    const seen = await t.json(`/api/v1/accounts/relationships?id[]=${a.account.id}`, {
      token: b.token,
    });
    expect(seen.body[0]).toMatchObject({ blocked_by: true, blocking: false });
    // Blocked accounts cannot follow the blocker, or ask to.
    const refused = await post(`/api/v1/accounts/${a.account.id}/follow`, b);
    expect(refused).toMatchObject({ status: 403, body: { error: "This action is not allowed" } });
    expect(
      await db.select().from(followRequests).where(eq(followRequests.accountId, b.account.id)),
    ).toEqual([]);
    // Idempotent.
    expect((await post(`/api/v1/accounts/${b.account.id}/block`, a)).body.blocking).toBe(true);
  });

  it("drops pending follow requests both ways", async () => {
    const a = await makeUser(t);
    const b = await makeUser(t);
    for (const u of [a, b]) {
      await db.update(accounts).set({ locked: true }).where(eq(accounts.id, u.account.id));
    }
    await follow(t, a, b.account.id);
    await follow(t, b, a.account.id);
    const { body } = await post(`/api/v1/accounts/${b.account.id}/block`, a);
    expect(body).toMatchObject({ requested: false, requested_by: false, blocking: true });
    const left = await db
      .select()
      .from(followRequests)
      .where(eq(followRequests.targetAccountId, a.account.id));
    expect(left).toEqual([]);
    expect(await notificationsOf(b.account.id)).toEqual([]);
  });

  it("does nothing to oneself and is 404 for unknown accounts", async () => {
    const a = await makeUser(t);
    const self = await post(`/api/v1/accounts/${a.account.id}/block`, a);
    expect(self).toMatchObject({ status: 200, body: { blocking: false } });
    expect((await post("/api/v1/accounts/1/block", a)).status).toBe(404);
  });

  it("needs write:blocks or follow", async () => {
    const a = await makeUser(t);
    const b = await makeUser(t);
    const path = `/api/v1/accounts/${b.account.id}/block`;
    expect((await t.json(path, { method: "POST" })).status).toBe(401);
    const wrong = await tokenFor(t, a.user.id, ["write:mutes"]);
    expect((await t.json(path, { method: "POST", token: wrong })).status).toBe(403);
    const app = await tokenFor(t, null, ["write"]);
    expect((await t.json(path, { method: "POST", token: app })).status).toBe(422);
    for (const scope of ["write:blocks", "follow", "write"]) {
      const token = await tokenFor(t, a.user.id, [scope]);
      expect((await t.json(path, { method: "POST", token })).status).toBe(200);
    }
  });
});

describe("POST /api/v1/accounts/:id/unblock and GET /api/v1/blocks", () => {
  it("lists blocks newest first, paginated by block id, and unblocks", async () => {
    const a = await makeUser(t);
    const targets: TestUser[] = [];
    for (let i = 0; i < 3; i++) {
      const u = await makeUser(t);
      await post(`/api/v1/accounts/${u.account.id}/block`, a);
      targets.push(u);
    }
    const suspended = await makeUser(t);
    await post(`/api/v1/accounts/${suspended.account.id}/block`, a);
    await db
      .update(accounts)
      .set({ suspendedAt: new Date() })
      .where(eq(accounts.id, suspended.account.id));

    const page = await t.json("/api/v1/blocks?limit=2", { token: a.token });
    expect(page.body.map((x: { id: string }) => x.id)).toEqual([
      targets[2]!.account.id,
      targets[1]!.account.id,
    ]);
    const next = /<([^>]+)>; rel="next"/.exec(page.res.headers.get("link")!)![1]!;
    const rest = await t.json(next.replace("https://herd.test", ""), { token: a.token });
    expect(rest.body.map((x: { id: string }) => x.id)).toEqual([targets[0]!.account.id]);

    const { body } = await post(`/api/v1/accounts/${targets[0]!.account.id}/unblock`, a);
    expect(body).toMatchObject({ blocking: false });
    const after = await t.json("/api/v1/blocks", { token: a.token });
    expect(after.body).toHaveLength(2);
    const read = await tokenFor(t, a.user.id, ["read:blocks"]);
    expect((await t.json("/api/v1/blocks", { token: read })).status).toBe(200);
    const legacy = await tokenFor(t, a.user.id, ["follow"]);
    expect((await t.json("/api/v1/blocks", { token: legacy })).status).toBe(200);
    const wrong = await tokenFor(t, a.user.id, ["read:mutes"]);
    expect((await t.json("/api/v1/blocks", { token: wrong })).status).toBe(403);
    expect(await t.json("/api/v1/blocks")).toMatchObject({
      status: 401,
      body: { error: "The access token is invalid" },
    });
    const app = await tokenFor(t, null, ["read", "follow"]);
    expect(await t.json("/api/v1/blocks", { token: app })).toMatchObject({
      status: 422,
      body: { error: "This method requires an authenticated user" },
    });
  });
});

describe("POST /api/v1/accounts/:id/mute", () => {
  it("mutes notifications too by default, and clears what they sent", async () => {
    const a = await makeUser(t);
    const b = await makeUser(t);
    await follow(t, a, b.account.id);
    await follow(t, b, a.account.id);
    const status = await inHomeFeed(a, b);
    const { status: code, body } = await post(`/api/v1/accounts/${b.account.id}/mute`, a);
    expect(code).toBe(200);
    expect(body).toMatchObject({
      muting: true,
      muting_notifications: true,
      muting_expires_at: null,
      following: true,
    });
    expect(await notificationsOf(a.account.id)).toEqual([]);
    expect(await homeFeed(a)).not.toContain(status);
    const [row] = await db.select().from(mutes).where(eq(mutes.accountId, a.account.id));
    expect(row).toMatchObject({ hideNotifications: true, expiresAt: null });
  });

  it("keeps notifications with notifications=false, and can be changed again", async () => {
    const a = await makeUser(t);
    const b = await makeUser(t);
    await follow(t, b, a.account.id);
    const { body } = await t.json(`/api/v1/accounts/${b.account.id}/mute`, {
      method: "POST",
      token: a.token,
      form: { notifications: "false" },
    });
    expect(body).toMatchObject({ muting: true, muting_notifications: false });
    expect(await notificationsOf(a.account.id)).toEqual([{ type: "follow", from: b.account.id }]);
    const [row] = await db.select().from(mutes).where(eq(mutes.accountId, a.account.id));
    expect(row!.hideNotifications).toBe(false);
    const again = await post(`/api/v1/accounts/${b.account.id}/mute`, a, { notifications: true });
    expect(again.body).toMatchObject({ muting_notifications: true });
    expect((await db.select().from(mutes).where(eq(mutes.accountId, a.account.id))).length).toBe(1);
  });

  it("ends by itself after `duration` seconds; 0 is for ever", async () => {
    const a = await makeUser(t);
    const b = await makeUser(t);
    const before = Date.now();
    const { body } = await t.json(`/api/v1/accounts/${b.account.id}/mute?duration=3600`, {
      method: "POST",
      token: a.token,
    });
    const ends = Date.parse(body.muting_expires_at);
    expect(ends).toBeGreaterThanOrEqual(before + 3600_000 - 1000);
    expect(ends).toBeLessThanOrEqual(Date.now() + 3600_000 + 1000);
    const list = await t.json("/api/v1/mutes", { token: a.token });
    expect(list.body[0]).toMatchObject({
      id: b.account.id,
      mute_expires_at: body.muting_expires_at,
    });
    const forever = await post(`/api/v1/accounts/${b.account.id}/mute`, a, { duration: 0 });
    expect(forever.body).toMatchObject({ muting: true, muting_expires_at: null });

    // An expired mute counts as none.
    await db
      .update(mutes)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(and(eq(mutes.accountId, a.account.id), eq(mutes.targetAccountId, b.account.id)));
    const rel = await t.json(`/api/v1/accounts/relationships?id[]=${b.account.id}`, {
      token: a.token,
    });
    expect(rel.body[0]).toMatchObject({ muting: false, muting_notifications: false });
    expect((await t.json("/api/v1/mutes", { token: a.token })).body).toEqual([]);
  });

  it("refuses a bad duration and does nothing to oneself", async () => {
    const a = await makeUser(t);
    const b = await makeUser(t);
    for (const duration of [-5, { x: 1 }, "-1"]) {
      const res = await post(`/api/v1/accounts/${b.account.id}/mute`, a, { duration });
      expect(res).toMatchObject({
        status: 422,
        body: { error: "Validation failed: duration is invalid" },
      });
    }
    const words = await post(`/api/v1/accounts/${b.account.id}/mute`, a, { duration: "abc" });
    expect(words.body).toMatchObject({ muting: true, muting_expires_at: null });
    const self = await post(`/api/v1/accounts/${a.account.id}/mute`, a);
    expect(self.body).toMatchObject({ muting: false });
    const path = `/api/v1/accounts/${b.account.id}/mute`;
    const wrong = await tokenFor(t, a.user.id, ["write:blocks"]);
    expect((await t.json(path, { method: "POST", token: wrong })).status).toBe(403);
    const right = await tokenFor(t, a.user.id, ["write:mutes"]);
    expect((await t.json(path, { method: "POST", token: right })).status).toBe(200);
  });
});

describe("POST /api/v1/accounts/:id/unmute and GET /api/v1/mutes", () => {
  it("lists MutedAccounts newest mute first and unmutes", async () => {
    const a = await makeUser(t);
    const b = await makeUser(t);
    const c = await makeUser(t);
    await post(`/api/v1/accounts/${b.account.id}/mute`, a);
    await post(`/api/v1/accounts/${c.account.id}/mute`, a, { duration: 60 });
    const { body, res } = await t.json("/api/v1/mutes?limit=1", { token: a.token });
    expect(body).toHaveLength(1);
    expect(body[0]).toMatchObject({ id: c.account.id, username: c.account.username });
    expect(typeof body[0].mute_expires_at).toBe("string");
    const next = /<([^>]+)>; rel="next"/.exec(res.headers.get("link")!)![1]!;
    const rest = await t.json(next.replace("https://herd.test", ""), { token: a.token });
    expect(rest.body).toEqual([
      expect.objectContaining({ id: b.account.id, mute_expires_at: null }),
    ]);
    const un = await post(`/api/v1/accounts/${b.account.id}/unmute`, a);
    expect(un.body).toMatchObject({ muting: false });
    expect((await t.json("/api/v1/mutes", { token: a.token })).body).toHaveLength(1);
    const wrong = await tokenFor(t, a.user.id, ["read:blocks"]);
    expect((await t.json("/api/v1/mutes", { token: wrong })).status).toBe(403);
    const right = await tokenFor(t, a.user.id, ["read:mutes"]);
    expect((await t.json("/api/v1/mutes", { token: right })).status).toBe(200);
    const legacy = await tokenFor(t, a.user.id, ["follow"]);
    expect((await t.json("/api/v1/mutes", { token: legacy })).status).toBe(200);
    expect(await t.json("/api/v1/mutes")).toMatchObject({
      status: 401,
      body: { error: "The access token is invalid" },
    });
    const app = await tokenFor(t, null, ["read", "follow"]);
    expect(await t.json("/api/v1/mutes", { token: app })).toMatchObject({
      status: 422,
      body: { error: "This method requires an authenticated user" },
    });
  });
});
