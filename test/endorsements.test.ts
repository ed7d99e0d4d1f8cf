// Featuring accounts on a profile (https://docs.joinmastodon.org/methods/endorsements/,
// methods/accounts/#endorse, #pin, #endorsements).
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accounts } from "../src/db/schema/index.ts";
import { follow, makeUser, tokenFor, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const db = t.database.db;

const post = (path: string, user: { token: string }, json: unknown = {}) =>
  t.json(path, { method: "POST", token: user.token, json });

const ids = (body: { id: string }[]) => body.map((a) => a.id);

describe("POST /api/v1/accounts/:id/endorse (and pin)", () => {
  it("features an account one follows, idempotently", async () => {
    const me = await makeUser(t);
    const other = await makeUser(t);
    await follow(t, me, other.account.id);
    const { status, body } = await post(`/api/v1/accounts/${other.account.id}/endorse`, me);
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: other.account.id, endorsed: true, following: true });
    expect((await post(`/api/v1/accounts/${other.account.id}/pin`, me)).body.endorsed).toBe(true);
    expect(ids((await t.json("/api/v1/endorsements", { token: me.token })).body)).toEqual([
      other.account.id,
    ]);
    const un = await post(`/api/v1/accounts/${other.account.id}/unpin`, me);
    expect(un.body).toMatchObject({ endorsed: false, following: true });
    await post(`/api/v1/accounts/${other.account.id}/pin`, me);
    expect((await post(`/api/v1/accounts/${other.account.id}/unendorse`, me)).body.endorsed).toBe(
      false,
    );
    expect((await t.json("/api/v1/endorsements", { token: me.token })).body).toEqual([]);
  });

  it("refuses accounts one does not follow, oneself included", async () => {
    const me = await makeUser(t);
    const other = await makeUser(t);
    for (const id of [other.account.id, me.account.id]) {
      expect(await post(`/api/v1/accounts/${id}/endorse`, me)).toMatchObject({
        status: 422,
        body: {
          error: "Validation failed: You must be already following the person you want to endorse",
        },
      });
    }
    expect((await post("/api/v1/accounts/1/pin", me)).status).toBe(404);
  });

  it("needs write:accounts", async () => {
    const me = await makeUser(t);
    const other = await makeUser(t);
    await follow(t, me, other.account.id);
    const path = `/api/v1/accounts/${other.account.id}/endorse`;
    expect((await t.json(path, { method: "POST" })).status).toBe(401);
    const wrong = await tokenFor(t, me.user.id, ["write:follows", "follow"]);
    expect((await t.json(path, { method: "POST", token: wrong })).status).toBe(403);
    const app = await tokenFor(t, null, ["write"]);
    expect((await t.json(path, { method: "POST", token: app })).status).toBe(422);
    const right = await tokenFor(t, me.user.id, ["write:accounts"]);
    expect((await t.json(path, { method: "POST", token: right })).status).toBe(200);
  });
});

describe("GET /api/v1/endorsements and /api/v1/accounts/:id/endorsements", () => {
  it("list featured accounts newest first, paginated, without suspended ones", async () => {
    const me = await makeUser(t);
    const featured: TestUser[] = [];
    for (let i = 0; i < 3; i++) {
      const u = await makeUser(t);
      await follow(t, me, u.account.id);
      await post(`/api/v1/accounts/${u.account.id}/endorse`, me);
      featured.push(u);
    }
    const own = await t.json("/api/v1/endorsements?limit=2", { token: me.token });
    expect(ids(own.body)).toEqual([featured[2]!.account.id, featured[1]!.account.id]);
    const next = /<([^>]+)>; rel="next"/.exec(own.res.headers.get("link")!)![1]!;
    expect(next).toMatch(/^https:\/\/herd\.test\/api\/v1\/endorsements\?limit=2&max_id=\d+$/);
    expect(
      ids((await t.json(next.replace("https://herd.test", ""), { token: me.token })).body),
    ).toEqual([featured[0]!.account.id]);

    // Public, for anyone.
    const pub = await t.json(`/api/v1/accounts/${me.account.id}/endorsements`);
    expect(pub.status).toBe(200);
    expect(ids(pub.body)).toEqual([...featured].reverse().map((u) => u.account.id));

    await db
      .update(accounts)
      .set({ suspendedAt: new Date() })
      .where(eq(accounts.id, featured[1]!.account.id));
    expect(ids((await t.json("/api/v1/endorsements", { token: me.token })).body)).toEqual([
      featured[2]!.account.id,
      featured[0]!.account.id,
    ]);
    await db
      .update(accounts)
      .set({ suspendedAt: new Date() })
      .where(eq(accounts.id, me.account.id));
    expect((await t.json(`/api/v1/accounts/${me.account.id}/endorsements`)).body).toEqual([]);
    expect((await t.json("/api/v1/accounts/1/endorsements")).status).toBe(404);
  });

  it("unfollowing drops the endorsement; scopes as Mastodon", async () => {
    const me = await makeUser(t);
    const other = await makeUser(t);
    await follow(t, me, other.account.id);
    await post(`/api/v1/accounts/${other.account.id}/endorse`, me);
    await post(`/api/v1/accounts/${other.account.id}/unfollow`, me);
    expect((await t.json("/api/v1/endorsements", { token: me.token })).body).toEqual([]);
    expect((await t.json("/api/v1/endorsements")).status).toBe(401);
    const wrong = await tokenFor(t, me.user.id, ["read:follows"]);
    expect((await t.json("/api/v1/endorsements", { token: wrong })).status).toBe(403);
    expect(
      (await t.json(`/api/v1/accounts/${me.account.id}/endorsements`, { token: wrong })).status,
    ).toBe(403);
    const right = await tokenFor(t, me.user.id, ["read:accounts"]);
    expect((await t.json("/api/v1/endorsements", { token: right })).status).toBe(200);
    const app = await tokenFor(t, null, ["read"]);
    expect(await t.json("/api/v1/endorsements", { token: app })).toMatchObject({
      status: 422,
      body: { error: "This method requires an authenticated user" },
    });
  });
});
