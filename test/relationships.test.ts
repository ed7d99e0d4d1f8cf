// Relationships, familiar followers and private notes
// (https://docs.joinmastodon.org/methods/accounts/#relationships, #familiar_followers, #note).
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accountNotes, accounts } from "../src/db/schema/index.ts";
import { loadRelationships } from "../src/domain/graph/relationships.ts";
import { follow, makeRemoteAccount, makeUser, tokenFor } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const db = t.database.db;

const post = (path: string, user: { token: string }, json: unknown = {}) =>
  t.json(path, { method: "POST", token: user.token, json });

describe("GET /api/v1/accounts/relationships", () => {
  it("answers every field of each relationship, in the order asked", async () => {
    const me = await makeUser(t);
    const friend = await makeUser(t);
    const locked = await makeUser(t);
    await db.update(accounts).set({ locked: true }).where(eq(accounts.id, locked.account.id));
    const fan = await makeUser(t);
    const remote = await makeRemoteAccount(t, { domain: "far.example" });
    const asker = await makeUser(t);

    await follow(t, me, friend.account.id, { reblogs: false, notify: true, languages: ["en"] });
    await follow(t, friend, me.account.id);
    await db.update(accounts).set({ locked: true }).where(eq(accounts.id, me.account.id));
    await post(`/api/v1/accounts/${friend.account.id}/endorse`, me);
    await post(`/api/v1/accounts/${friend.account.id}/note`, me, { comment: "met at a café" });
    await post(`/api/v1/accounts/${friend.account.id}/mute`, me, {
      notifications: false,
      duration: 600,
    });
    await follow(t, me, locked.account.id, { notify: true });
    await post(`/api/v1/accounts/${me.account.id}/block`, fan);
    await post(`/api/v1/accounts/${fan.account.id}/block`, me);
    await post("/api/v1/domain_blocks", me, { domain: "far.example" });
    await follow(t, asker, me.account.id);

    const ids = [friend.account.id, locked.account.id, fan.account.id, remote.id, asker.account.id];
    const { status, body } = await t.json(
      `/api/v1/accounts/relationships?${ids.map((id) => `id[]=${id}`).join("&")}`,
      { token: me.token },
    );
    expect(status).toBe(200);
    const none = {
      following: false,
      showing_reblogs: false,
      notifying: false,
      languages: null,
      followed_by: false,
      blocking: false,
      blocked_by: false,
      muting: false,
      muting_notifications: false,
      muting_expires_at: null,
      requested: false,
      requested_by: false,
      domain_blocking: false,
      endorsed: false,
      note: "",
    };
    expect(body).toEqual([
      {
        ...none,
        id: friend.account.id,
        following: true,
        showing_reblogs: false,
        notifying: true,
        languages: ["en"],
        followed_by: true,
        muting: true,
        muting_notifications: false,
        muting_expires_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        endorsed: true,
        note: "met at a café",
      },
      {
        ...none,
        id: locked.account.id,
        requested: true,
        showing_reblogs: true,
        notifying: true,
      },
      { ...none, id: fan.account.id, blocking: true, blocked_by: true },
      { ...none, id: remote.id, domain_blocking: true },
      { ...none, id: asker.account.id, requested_by: true },
    ]);
  });

  it("leaves out suspended accounts unless with_suspended", async () => {
    const me = await makeUser(t);
    const gone = await makeUser(t);
    await db
      .update(accounts)
      .set({ suspendedAt: new Date() })
      .where(eq(accounts.id, gone.account.id));
    const path = `/api/v1/accounts/relationships?id[]=${gone.account.id}&id[]=1`;
    expect((await t.json(path, { token: me.token })).body).toEqual([]);
    const withSuspended = await t.json(`${path}&with_suspended=true`, { token: me.token });
    expect(withSuspended.body.map((r: { id: string }) => r.id)).toEqual([gone.account.id]);
  });

  it("reads the relationships of a whole list in one query", async () => {
    const me = await makeUser(t);
    const others = await Promise.all(Array.from({ length: 8 }, () => makeUser(t)));
    for (const o of others.slice(0, 4)) await follow(t, me, o.account.id);
    const pool = t.database.pool;
    const original = pool.query.bind(pool);
    let queries = 0;
    (pool as any).query = (...args: unknown[]) => {
      queries++;
      return (original as any)(...args);
    };
    try {
      const views = await loadRelationships(
        db,
        me.account.id,
        others.map((o) => o.account.id),
      );
      expect(views.map((v) => v.following !== null)).toEqual([
        true,
        true,
        true,
        true,
        false,
        false,
        false,
        false,
      ]);
    } finally {
      (pool as any).query = original;
    }
    expect(queries).toBe(1);
  });

  it("needs a user token with read:follows", async () => {
    const me = await makeUser(t);
    const path = `/api/v1/accounts/relationships?id=${me.account.id}`;
    expect((await t.json(path)).status).toBe(401);
    const wrong = await tokenFor(t, me.user.id, ["read:accounts"]);
    expect((await t.json(path, { token: wrong })).status).toBe(403);
    const right = await tokenFor(t, me.user.id, ["read:follows"]);
    expect((await t.json(path, { token: right })).body).toHaveLength(1);
  });
});

describe("GET /api/v1/accounts/familiar_followers", () => {
  it("answers the accounts one follows who follow each account", async () => {
    const me = await makeUser(t);
    const target = await makeUser(t);
    const other = await makeUser(t);
    const friend1 = await makeUser(t);
    const friend2 = await makeUser(t);
    const hidden = await makeUser(t);
    const stranger = await makeUser(t);
    for (const f of [friend1, friend2, hidden]) {
      await follow(t, me, f.account.id);
      await follow(t, f, target.account.id);
    }
    await follow(t, stranger, target.account.id);
    await follow(t, friend1, other.account.id);
    await db
      .update(accounts)
      .set({ hideCollections: true })
      .where(eq(accounts.id, hidden.account.id));

    const { status, body } = await t.json(
      `/api/v1/accounts/familiar_followers?id[]=${target.account.id}&id[]=${other.account.id}&id[]=1`,
      { token: me.token },
    );
    expect(status).toBe(200);
    expect(body).toHaveLength(2);
    expect(body[0].id).toBe(target.account.id);
    expect(body[0].accounts.map((a: { id: string }) => a.id)).toEqual([
      friend2.account.id,
      friend1.account.id,
    ]);
    expect(body[0].accounts[0]).toMatchObject({ username: friend2.account.username });
    expect(body[1]).toMatchObject({ id: other.account.id });
    expect(body[1].accounts.map((a: { id: string }) => a.id)).toEqual([friend1.account.id]);

    // An account hiding its collections shows no familiar followers.
    await db
      .update(accounts)
      .set({ hideCollections: true })
      .where(eq(accounts.id, target.account.id));
    const hiddenTarget = await t.json(
      `/api/v1/accounts/familiar_followers?id=${target.account.id}`,
      { token: me.token },
    );
    expect(hiddenTarget.body).toEqual([{ id: target.account.id, accounts: [] }]);
  });
});

describe("POST /api/v1/accounts/:id/note", () => {
  it("sets, replaces and (when blank) removes the note", async () => {
    const me = await makeUser(t);
    const other = await makeUser(t);
    const path = `/api/v1/accounts/${other.account.id}/note`;
    const set = await post(path, me, { comment: "first" });
    expect(set).toMatchObject({ status: 200, body: { id: other.account.id, note: "first" } });
    const form = await t.json(path, {
      method: "POST",
      token: me.token,
      form: { comment: "second" },
    });
    expect(form.body.note).toBe("second");
    expect(
      (await db.select().from(accountNotes).where(eq(accountNotes.accountId, me.account.id)))
        .length,
    ).toBe(1);
    // Only its author sees it.
    const theirs = await t.json(`/api/v1/accounts/relationships?id=${me.account.id}`, {
      token: other.token,
    });
    expect(theirs.body[0].note).toBe("");
    const cleared = await post(path, me, { comment: "   " });
    expect(cleared.body.note).toBe("");
    await post(path, me, { comment: "again" });
    expect((await post(path, me)).body.note).toBe("");
    expect(
      await db.select().from(accountNotes).where(eq(accountNotes.accountId, me.account.id)),
    ).toEqual([]);
  });

  it("refuses notes over 2,000 characters and checks scope and account", async () => {
    const me = await makeUser(t);
    const other = await makeUser(t);
    const path = `/api/v1/accounts/${other.account.id}/note`;
    expect(await post(path, me, { comment: "x".repeat(2001) })).toMatchObject({
      status: 422,
      body: { error: "Validation failed: Comment is too long (maximum is 2000 characters)" },
    });
    expect((await post(path, me, { comment: "é".repeat(2000) })).status).toBe(200);
    expect((await post(path, me, { comment: ["a"] })).status).toBe(422);
    expect((await post("/api/v1/accounts/1/note", me, { comment: "x" })).status).toBe(404);
    const wrong = await tokenFor(t, me.user.id, ["write:follows"]);
    expect((await t.json(path, { method: "POST", token: wrong })).status).toBe(403);
    const right = await tokenFor(t, me.user.id, ["write:accounts"]);
    expect((await t.json(path, { method: "POST", token: right })).status).toBe(200);
  });
});
