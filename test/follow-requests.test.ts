// Follow requests to locked accounts (https://docs.joinmastodon.org/methods/follow_requests/).
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  accounts,
  followRequests,
  follows,
  listAccounts,
  lists,
  notifications,
} from "../src/db/schema/index.ts";
import { newId } from "../src/lib/ids.ts";
import { follow, makeUser, tokenFor, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const db = t.database.db;

const post = (path: string, user: { token: string }, json: unknown = {}) =>
  t.json(path, { method: "POST", token: user.token, json });

async function lockedUser(): Promise<TestUser> {
  const user = await makeUser(t);
  await db.update(accounts).set({ locked: true }).where(eq(accounts.id, user.account.id));
  return user;
}

async function notificationsOf(id: string) {
  return db
    .select({ type: notifications.type, from: notifications.fromAccountId })
    .from(notifications)
    .where(eq(notifications.accountId, id));
}

async function counts(id: string) {
  const [row] = await db
    .select({ followers: accounts.followersCount, following: accounts.followingCount })
    .from(accounts)
    .where(eq(accounts.id, id));
  return row!;
}

describe("GET /api/v1/follow_requests", () => {
  it("lists who asks, newest request first, paginated by request id", async () => {
    const owner = await lockedUser();
    const askers: TestUser[] = [];
    for (let i = 0; i < 3; i++) {
      const u = await makeUser(t);
      await follow(t, u, owner.account.id);
      askers.push(u);
    }
    const suspended = await makeUser(t);
    await follow(t, suspended, owner.account.id);
    await db
      .update(accounts)
      .set({ suspendedAt: new Date() })
      .where(eq(accounts.id, suspended.account.id));

    const page1 = await t.json("/api/v1/follow_requests?limit=2", { token: owner.token });
    expect(page1.status).toBe(200);
    expect(page1.body.map((a: { id: string }) => a.id)).toEqual([
      askers[2]!.account.id,
      askers[1]!.account.id,
    ]);
    const link = page1.res.headers.get("link")!;
    const ids = (
      await db
        .select({ id: followRequests.id, from: followRequests.accountId })
        .from(followRequests)
        .where(eq(followRequests.targetAccountId, owner.account.id))
    ).filter((r) => r.from !== suspended.account.id);
    const requestOf = (u: TestUser) => ids.find((r) => r.from === u.account.id)!.id;
    expect(link).toContain(`max_id=${requestOf(askers[1]!)}>; rel="next"`);
    expect(link).toContain(`min_id=${requestOf(askers[2]!)}>; rel="prev"`);
    const page2 = await t.json(`/api/v1/follow_requests?limit=2&max_id=${requestOf(askers[1]!)}`, {
      token: owner.token,
    });
    expect(page2.body.map((a: { id: string }) => a.id)).toEqual([askers[0]!.account.id]);
    expect(page2.res.headers.get("link")).not.toContain("next");
  });

  it("needs a user token with read:follows or follow", async () => {
    const user = await makeUser(t);
    expect((await t.json("/api/v1/follow_requests")).status).toBe(401);
    for (const scope of ["read:follows", "follow", "read"]) {
      const token = await tokenFor(t, user.user.id, [scope]);
      expect((await t.json("/api/v1/follow_requests", { token })).status).toBe(200);
    }
    const wrong = await tokenFor(t, user.user.id, ["read:accounts"]);
    expect((await t.json("/api/v1/follow_requests", { token: wrong })).status).toBe(403);
    const app = await tokenFor(t, null, ["read"]);
    expect((await t.json("/api/v1/follow_requests", { token: app })).status).toBe(422);
  });
});

describe("POST /api/v1/follow_requests/:id/authorize", () => {
  it("makes the follow with the options asked for, and swaps the notification", async () => {
    const owner = await lockedUser();
    const asker = await makeUser(t);
    await follow(t, asker, owner.account.id, { reblogs: false, notify: true, languages: ["en"] });
    const [request] = await db
      .select()
      .from(followRequests)
      .where(eq(followRequests.accountId, asker.account.id));
    const listId = newId();
    await db.insert(lists).values({ id: listId, accountId: asker.account.id, title: "L" });
    await db.insert(listAccounts).values({
      id: newId(),
      listId,
      accountId: owner.account.id,
      followRequestId: request!.id,
    });
    expect(await notificationsOf(owner.account.id)).toEqual([
      { type: "follow_request", from: asker.account.id },
    ]);

    const { status, body } = await post(
      `/api/v1/follow_requests/${asker.account.id}/authorize`,
      owner,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: asker.account.id, followed_by: true, requested_by: false });
    expect(await counts(owner.account.id)).toEqual({ followers: 1, following: 0 });
    expect(await counts(asker.account.id)).toEqual({ followers: 0, following: 1 });
    expect(await notificationsOf(owner.account.id)).toEqual([
      { type: "follow", from: asker.account.id },
    ]);
    expect(await notificationsOf(asker.account.id)).toEqual([]);
    const [made] = await db.select().from(follows).where(eq(follows.accountId, asker.account.id));
    expect(made).toMatchObject({ showReblogs: false, notify: true, languages: ["en"] });
    const [membership] = await db
      .select()
      .from(listAccounts)
      .where(eq(listAccounts.listId, listId));
    expect(membership).toMatchObject({ followId: made!.id, followRequestId: null });
    const seen = await t.json(`/api/v1/accounts/relationships?id[]=${owner.account.id}`, {
      token: asker.token,
    });
    expect(seen.body[0]).toMatchObject({
      following: true,
      requested: false,
      showing_reblogs: false,
      notifying: true,
      languages: ["en"],
    });
    // Nothing left to accept.
    const again = await post(`/api/v1/follow_requests/${asker.account.id}/authorize`, owner);
    expect(again).toMatchObject({ status: 404, body: { error: "Record not found" } });
  });

  it("is 404 for unknown accounts and accounts that did not ask", async () => {
    const owner = await lockedUser();
    const stranger = await makeUser(t);
    for (const path of ["authorize", "reject"]) {
      expect((await post(`/api/v1/follow_requests/1/${path}`, owner)).status).toBe(404);
      expect(
        (await post(`/api/v1/follow_requests/${stranger.account.id}/${path}`, owner)).status,
      ).toBe(404);
    }
  });

  it("needs write:follows or follow", async () => {
    const owner = await lockedUser();
    const asker = await makeUser(t);
    await follow(t, asker, owner.account.id);
    const path = `/api/v1/follow_requests/${asker.account.id}/authorize`;
    expect((await t.json(path, { method: "POST" })).status).toBe(401);
    const read = await tokenFor(t, owner.user.id, ["read"]);
    expect((await t.json(path, { method: "POST", token: read })).status).toBe(403);
    const app = await tokenFor(t, null, ["write"]);
    expect((await t.json(path, { method: "POST", token: app })).status).toBe(422);
    const granular = await tokenFor(t, owner.user.id, ["write:follows"]);
    expect((await t.json(path, { method: "POST", token: granular, form: {} })).status).toBe(200);
  });
});

describe("POST /api/v1/follow_requests/:id/reject", () => {
  it("drops the request and its notification, and no follow is made", async () => {
    const owner = await lockedUser();
    const asker = await makeUser(t);
    await follow(t, asker, owner.account.id);
    const { status, body } = await post(
      `/api/v1/follow_requests/${asker.account.id}/reject`,
      owner,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ followed_by: false, requested_by: false, following: false });
    expect(await notificationsOf(owner.account.id)).toEqual([]);
    expect(await counts(owner.account.id)).toEqual({ followers: 0, following: 0 });
    const asked = await t.json(`/api/v1/accounts/relationships?id[]=${owner.account.id}`, {
      token: asker.token,
    });
    expect(asked.body[0]).toMatchObject({ requested: false, following: false });
  });
});
