// Domains a user blocks (https://docs.joinmastodon.org/methods/domain_blocks/).
import { eq, or } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accounts, followRequests, follows, notifications } from "../src/db/schema/index.ts";
import { newId } from "../src/lib/ids.ts";
import { makeRemoteAccount, makeUser, tokenFor } from "./kit/fixtures.ts";
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

describe("POST /api/v1/domain_blocks", () => {
  it("blocks a domain, normalised, and lists it", async () => {
    const me = await makeUser(t);
    const { status, body } = await post("/api/v1/domain_blocks", me, { domain: "  Spam.Example " });
    expect(status).toBe(200);
    expect(body).toEqual({});
    await t.json("/api/v1/domain_blocks", {
      method: "POST",
      token: me.token,
      form: { domain: "münchen.example" },
    });
    await t.json("/api/v1/domain_blocks?domain=spam.example", { method: "POST", token: me.token });
    const list = await t.json("/api/v1/domain_blocks", { token: me.token });
    expect(list.body).toEqual(["xn--mnchen-3ya.example", "spam.example"]);
  });

  it("ends follows with the domain's accounts both ways and clears their notifications", async () => {
    const me = await makeUser(t);
    const theirs = await makeRemoteAccount(t, { domain: "far.example" });
    const fan = await makeRemoteAccount(t, { domain: "far.example" });
    const asker = await makeRemoteAccount(t, { domain: "far.example" });
    const elsewhere = await makeRemoteAccount(t, { domain: "near.example" });
    // Remote follows are made directly (Herd does not federate yet).
    await db.insert(follows).values([
      { id: newId(), accountId: me.account.id, targetAccountId: theirs.id },
      { id: newId(), accountId: fan.id, targetAccountId: me.account.id },
      { id: newId(), accountId: me.account.id, targetAccountId: elsewhere.id },
    ]);
    await db
      .update(accounts)
      .set({ followingCount: 2, followersCount: 1 })
      .where(eq(accounts.id, me.account.id));
    await db.update(accounts).set({ followersCount: 1 }).where(eq(accounts.id, theirs.id));
    await db.update(accounts).set({ followingCount: 1 }).where(eq(accounts.id, fan.id));
    await db
      .insert(followRequests)
      .values({ id: newId(), accountId: asker.id, targetAccountId: me.account.id });
    await db.insert(notifications).values([
      { id: newId(), accountId: me.account.id, fromAccountId: fan.id, type: "follow" },
      { id: newId(), accountId: me.account.id, fromAccountId: elsewhere.id, type: "mention" },
    ]);

    expect((await post("/api/v1/domain_blocks", me, { domain: "far.example" })).status).toBe(200);
    const left = await db
      .select({ from: follows.accountId, to: follows.targetAccountId })
      .from(follows)
      .where(or(eq(follows.accountId, me.account.id), eq(follows.targetAccountId, me.account.id)));
    expect(left).toEqual([{ from: me.account.id, to: elsewhere.id }]);
    expect(await counts(me.account.id)).toEqual({ followers: 0, following: 1 });
    expect(await counts(theirs.id)).toEqual({ followers: 0, following: 0 });
    expect(await counts(fan.id)).toEqual({ followers: 0, following: 0 });
    expect(
      await db
        .select()
        .from(followRequests)
        .where(eq(followRequests.targetAccountId, me.account.id)),
    ).toEqual([]);
    const notes = await db
      .select({ from: notifications.fromAccountId })
      .from(notifications)
      .where(eq(notifications.accountId, me.account.id));
    expect(notes).toEqual([{ from: elsewhere.id }]);
    const rel = await t.json(
      `/api/v1/accounts/relationships?id[]=${theirs.id}&id[]=${elsewhere.id}`,
      {
        token: me.token,
      },
    );
    expect(rel.body.map((r: { domain_blocking: boolean }) => r.domain_blocking)).toEqual([
      true,
      false,
    ]);
    // Following the domain's accounts is refused from now on.
    expect((await post(`/api/v1/accounts/${theirs.id}/follow`, me)).status).toBe(403);
  });

  it("refuses a blank or malformed domain", async () => {
    const me = await makeUser(t);
    for (const [domain, error] of [
      ["", "Validation failed: Domain can't be blank"],
      [undefined, "Validation failed: Domain can't be blank"],
      [["a.example"], "Validation failed: Domain can't be blank"],
      ["not a domain", "Validation failed: Domain is not a valid domain name"],
      ["https://x.example/path", "Validation failed: Domain is not a valid domain name"],
      ["a".repeat(300), "Validation failed: Domain is not a valid domain name"],
    ] as const) {
      for (const method of ["POST", "DELETE"]) {
        const res = await t.json("/api/v1/domain_blocks", {
          method,
          token: me.token,
          json: { domain },
        });
        expect(res).toMatchObject({ status: 422, body: { error } });
      }
    }
    const bad = await t.json("/api/v1/domain_blocks", {
      method: "POST",
      token: me.token,
      body: "{",
      headers: { "content-type": "application/json" },
    });
    expect(bad.status).toBe(400);
  });
});

describe("DELETE /api/v1/domain_blocks", () => {
  it("unblocks, and succeeds for a domain not blocked", async () => {
    const me = await makeUser(t);
    await post("/api/v1/domain_blocks", me, { domain: "one.example" });
    await post("/api/v1/domain_blocks", me, { domain: "two.example" });
    const res = await t.json("/api/v1/domain_blocks", {
      method: "DELETE",
      token: me.token,
      json: { domain: "ONE.example" },
    });
    expect(res).toMatchObject({ status: 200, body: {} });
    const query = await t.json("/api/v1/domain_blocks?domain=never.example", {
      method: "DELETE",
      token: me.token,
    });
    expect(query.status).toBe(200);
    expect((await t.json("/api/v1/domain_blocks", { token: me.token })).body).toEqual([
      "two.example",
    ]);
  });
});

describe("GET /api/v1/domain_blocks", () => {
  it("pages by block id, 100 by default and 200 at most", async () => {
    const me = await makeUser(t);
    for (const d of ["a.example", "b.example", "c.example"]) {
      await post("/api/v1/domain_blocks", me, { domain: d });
    }
    const page = await t.json("/api/v1/domain_blocks?limit=2", { token: me.token });
    expect(page.body).toEqual(["c.example", "b.example"]);
    const next = /<([^>]+)>; rel="next"/.exec(page.res.headers.get("link")!)![1]!;
    expect((await t.json(next.replace("https://herd.test", ""), { token: me.token })).body).toEqual(
      ["a.example"],
    );
    const all = await t.json("/api/v1/domain_blocks?limit=500", { token: me.token });
    expect(all.body).toHaveLength(3);
    expect(all.res.headers.get("link")).not.toContain("next");
  });

  it("checks tokens and scopes as Mastodon", async () => {
    const me = await makeUser(t);
    expect((await t.json("/api/v1/domain_blocks")).status).toBe(401);
    const read = await tokenFor(t, me.user.id, ["read:blocks"]);
    expect((await t.json("/api/v1/domain_blocks", { token: read })).status).toBe(200);
    expect(
      (
        await t.json("/api/v1/domain_blocks", {
          method: "POST",
          token: read,
          json: { domain: "x.example" },
        })
      ).status,
    ).toBe(403);
    const write = await tokenFor(t, me.user.id, ["write:blocks"]);
    expect(
      (
        await t.json("/api/v1/domain_blocks", {
          method: "POST",
          token: write,
          json: { domain: "x.example" },
        })
      ).status,
    ).toBe(200);
    const legacy = await tokenFor(t, me.user.id, ["follow"]);
    expect((await t.json("/api/v1/domain_blocks", { token: legacy })).status).toBe(200);
    const wrong = await tokenFor(t, me.user.id, ["read:mutes"]);
    expect(await t.json("/api/v1/domain_blocks", { token: wrong })).toMatchObject({
      status: 403,
      body: { error: "This action is outside the authorized scopes" },
    });
    const app = await tokenFor(t, null, ["read", "write"]);
    expect((await t.json("/api/v1/domain_blocks", { token: app })).status).toBe(422);
  });
});
