import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accounts, oauthAccessTokens } from "../src/db/schema/index.ts";
import { sha256 } from "../src/lib/tokens.ts";
import { newId } from "../src/lib/ids.ts";
import { loadAccountViews } from "../src/mastodon/entities/account-loader.ts";
import { follow, makeUser, tokenFor } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const db = t.database.db;

let n = 0;
const name = (prefix = "r") => `${prefix}${Date.now().toString(36)}${++n}`;

async function remoteAccount(username: string, domain = "remote.example") {
  const [row] = await db
    .insert(accounts)
    .values({
      id: newId(),
      username,
      domain,
      displayName: "Remote",
      uri: `https://${domain}/users/${username}`,
      url: `https://${domain}/@${username}`,
    })
    .returning();
  return row!;
}

const setAccount = (accountId: string, set: Partial<typeof accounts.$inferInsert>) =>
  db.update(accounts).set(set).where(eq(accounts.id, accountId));

describe("GET /api/v1/accounts/:id", () => {
  it("shows a local account to anyone", async () => {
    const { account } = await makeUser(t);
    const { status, body } = await t.json(`/api/v1/accounts/${account.id}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: account.id,
      username: account.username,
      acct: account.username,
      url: `https://herd.test/@${account.username}`,
      uri: `https://herd.test/users/${account.username}`,
      noindex: false,
      roles: [],
      fields: [],
      emojis: [],
    });
    expect(body).not.toHaveProperty("source");
    expect(body).not.toHaveProperty("suspended");
    expect(body).not.toHaveProperty("moved");
  });

  it("answers 404 for unknown, malformed and hidden accounts", async () => {
    for (const id of ["1", "abc", "99999999999999999999", "-1"]) {
      const res = await t.json(`/api/v1/accounts/${id}`);
      expect(res).toMatchObject({ status: 404, body: { error: "Record not found" } });
    }
    const unconfirmed = await makeUser(t, { confirmed: false });
    expect((await t.json(`/api/v1/accounts/${unconfirmed.account.id}`)).status).toBe(404);
    const pending = await makeUser(t, { approved: false });
    expect((await t.json(`/api/v1/accounts/${pending.account.id}`)).status).toBe(404);
  });

  it("renders suspended, silenced, memorial and moved accounts as Mastodon does", async () => {
    const { account } = await makeUser(t, { roleId: 2 });
    await setAccount(account.id, {
      suspendedAt: new Date(),
      displayName: "Hidden",
      note: "<p>hidden</p>",
      locked: true,
      fields: [{ name: "a", value: "b", verified_at: null }],
    });
    const { body } = await t.json(`/api/v1/accounts/${account.id}`);
    expect(body).toMatchObject({
      suspended: true,
      display_name: "",
      note: "",
      locked: false,
      fields: [],
      roles: [],
      avatar: "https://herd.test/avatars/original/missing.png",
    });

    const quiet = await makeUser(t);
    await setAccount(quiet.account.id, { silencedAt: new Date(), memorial: true });
    const silenced = await t.json(`/api/v1/accounts/${quiet.account.id}`);
    expect(silenced.body).toMatchObject({ limited: true, memorial: true });

    const target = await makeUser(t);
    const mover = await makeUser(t);
    await setAccount(mover.account.id, { movedToAccountId: target.account.id });
    const moved = await t.json(`/api/v1/accounts/${mover.account.id}`);
    expect(moved.body.moved).toMatchObject({
      id: target.account.id,
      username: target.account.username,
    });
    expect(moved.body.moved).not.toHaveProperty("moved");
  });

  it("shows highlighted roles of local accounts and no roles key on remote ones", async () => {
    const { account } = await makeUser(t, { roleId: 1 });
    expect((await t.json(`/api/v1/accounts/${account.id}`)).body.roles).toEqual([
      { id: "1", name: "Moderator", color: "" },
    ]);
    const remote = await remoteAccount(name());
    const { body } = await t.json(`/api/v1/accounts/${remote.id}`);
    expect(body.acct).toBe(`${remote.username}@remote.example`);
    expect(body.url).toBe(`https://remote.example/@${remote.username}`);
    expect(body).not.toHaveProperty("roles");
    expect(body).not.toHaveProperty("noindex");
  });

  it("checks a token's scope only when there is a usable token", async () => {
    const { account, user } = await makeUser(t);
    const path = `/api/v1/accounts/${account.id}`;
    const write = await tokenFor(t, user.id, ["write"]);
    expect(await t.json(path, { token: write })).toMatchObject({
      status: 403,
      body: { error: "This action is outside the authorized scopes" },
    });
    // A token Doorkeeper does not know is as no token.
    expect((await t.json(path, { token: "unknown" })).status).toBe(200);
    const revoked = await tokenFor(t, user.id, ["read"]);
    await db
      .update(oauthAccessTokens)
      .set({ revokedAt: new Date() })
      .where(eq(oauthAccessTokens.tokenDigest, sha256(revoked)));
    expect(await t.json(path, { token: revoked })).toMatchObject({
      status: 401,
      body: { error: "The access token was revoked" },
    });
  });
});

describe("GET /api/v1/accounts?id[]=", () => {
  it("answers the shown accounts among the ids, in order", async () => {
    const a = await makeUser(t);
    const b = await makeUser(t);
    const hidden = await makeUser(t, { confirmed: false });
    const remote = await remoteAccount(name());
    const query = [b.account.id, "1", hidden.account.id, a.account.id, remote.id, "x", a.account.id]
      .map((id) => `id[]=${id}`)
      .join("&");
    const { status, body } = await t.json(`/api/v1/accounts?${query}`);
    expect(status).toBe(200);
    expect(body.map((x: { id: string }) => x.id)).toEqual([b.account.id, a.account.id, remote.id]);
    expect((await t.json(`/api/v1/accounts?id=${a.account.id}`)).body).toHaveLength(1);
    expect((await t.json("/api/v1/accounts")).body).toEqual([]);
  });

  it("refuses more than 40 ids", async () => {
    const query = Array.from({ length: 41 }, (_, i) => `id[]=${i + 1}`).join("&");
    expect((await t.json(`/api/v1/accounts?${query}`)).status).toBe(422);
  });
});

describe("GET /api/v1/accounts/lookup", () => {
  it("finds local accounts by username, @username or username@domain, in any case", async () => {
    const { account } = await makeUser(t);
    for (const acct of [
      account.username,
      `@${account.username.toUpperCase()}`,
      `${account.username}@herd.test`,
      `${account.username}@HERD.TEST`,
    ]) {
      const res = await t.json(`/api/v1/accounts/lookup?acct=${encodeURIComponent(acct)}`);
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(account.id);
    }
  });

  it("answers 404 for unknown, hidden and unresolved remote accounts", async () => {
    const hidden = await makeUser(t, { approved: false });
    for (const acct of [
      "",
      "nobody",
      hidden.account.username,
      "someone@elsewhere.example",
      "a@b@c",
    ]) {
      expect(
        (await t.json(`/api/v1/accounts/lookup?acct=${encodeURIComponent(acct)}`)).status,
      ).toBe(404);
    }
    expect((await t.json("/api/v1/accounts/lookup")).status).toBe(404);
    // Remote accounts Herd already knows are found.
    const remote = await remoteAccount(name());
    const found = await t.json(`/api/v1/accounts/lookup?acct=${remote.username}@remote.example`);
    expect(found.body.id).toBe(remote.id);
  });
});

describe("GET /api/v1/accounts/search", () => {
  it("finds local accounts by username or display name prefix", async () => {
    const viewer = await makeUser(t);
    const prefix = name("zz");
    const exact = await makeUser(t, { username: prefix });
    const longer = await makeUser(t, { username: `${prefix}_more` });
    const byName = await makeUser(t);
    await setAccount(byName.account.id, { displayName: `${prefix.toUpperCase()} Display` });
    const suspended = await makeUser(t, { username: `${prefix}_susp` });
    await setAccount(suspended.account.id, { suspendedAt: new Date() });
    await makeUser(t, { username: `${prefix}_unconf`, confirmed: false });

    const { status, body } = await t.json(`/api/v1/accounts/search?q=${prefix}`, {
      token: viewer.token,
    });
    expect(status).toBe(200);
    const ids = body.map((a: { id: string }) => a.id);
    expect(ids[0]).toBe(exact.account.id);
    expect(new Set(ids)).toEqual(new Set([exact.account.id, longer.account.id, byName.account.id]));

    const limited = await t.json(`/api/v1/accounts/search?q=${prefix}&limit=1&offset=1`, {
      token: viewer.token,
    });
    expect(limited.body).toHaveLength(1);
    expect(limited.body[0].id).not.toBe(exact.account.id);
    const at = await t.json(`/api/v1/accounts/search?q=@${prefix}@herd.test`, {
      token: viewer.token,
    });
    expect(at.body.map((a: { id: string }) => a.id)).toContain(longer.account.id);
    expect(at.body.map((a: { id: string }) => a.id)).not.toContain(byName.account.id);
  });

  it("treats LIKE wildcards as text and answers nothing for blank q", async () => {
    const { token } = await makeUser(t);
    for (const q of ["%", "_", "", "%25"]) {
      const res = await t.json(`/api/v1/accounts/search?q=${q}`, { token });
      expect(res).toMatchObject({ status: 200, body: [] });
    }
  });

  it("keeps only the searcher and the accounts it follows with following=true", async () => {
    const prefix = name("fw");
    const viewer = await makeUser(t, { username: `${prefix}_me` });
    const followed = await makeUser(t, { username: `${prefix}_followed` });
    const follower = await makeUser(t, { username: `${prefix}_follower` });
    const stranger = await makeUser(t, { username: `${prefix}_stranger` });
    const locked = await makeUser(t, { username: `${prefix}_locked` });
    await setAccount(locked.account.id, { locked: true });
    await follow(t, viewer, followed.account.id);
    await follow(t, follower, viewer.account.id);
    await follow(t, viewer, locked.account.id); // only a request: not followed yet
    const search = async (query: string) =>
      (await t.json(`/api/v1/accounts/search?${query}`, { token: viewer.token })).body.map(
        (a: { id: string }) => a.id,
      );

    expect(new Set(await search(`q=${prefix}&following=true`))).toEqual(
      new Set([viewer.account.id, followed.account.id]),
    );
    expect(await search(`q=${stranger.account.username}&following=true`)).toEqual([]);
    expect(new Set(await search(`q=${prefix}&following=false`))).toEqual(
      new Set([
        viewer.account.id,
        followed.account.id,
        follower.account.id,
        stranger.account.id,
        locked.account.id,
      ]),
    );
    expect(await search(`q=${prefix}_f&following=1`)).toEqual([followed.account.id]);
  });

  it("needs a user token with read:accounts", async () => {
    const { user } = await makeUser(t);
    expect((await t.json("/api/v1/accounts/search?q=a")).status).toBe(401);
    const write = await tokenFor(t, user.id, ["write"]);
    expect((await t.json("/api/v1/accounts/search?q=a", { token: write })).status).toBe(403);
    const app = await tokenFor(t, null, ["read"]);
    expect((await t.json("/api/v1/accounts/search?q=a", { token: app })).status).toBe(422);
  });
});

describe("relationships and familiar followers", () => {
  it("answers an empty relationship per known account, in order", async () => {
    const viewer = await makeUser(t);
    const a = await makeUser(t);
    const b = await makeUser(t);
    const gone = await makeUser(t);
    await setAccount(gone.account.id, { suspendedAt: new Date() });
    const query = [b.account.id, "1", a.account.id, gone.account.id]
      .map((id) => `id[]=${id}`)
      .join("&");
    const { status, body } = await t.json(`/api/v1/accounts/relationships?${query}`, {
      token: viewer.token,
    });
    expect(status).toBe(200);
    expect(body).toEqual(
      [b.account.id, a.account.id].map((id) => ({
        id,
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
      })),
    );
    const all = await t.json(`/api/v1/accounts/relationships?${query}&with_suspended=true`, {
      token: viewer.token,
    });
    expect(all.body.map((r: { id: string }) => r.id)).toEqual([
      b.account.id,
      a.account.id,
      gone.account.id,
    ]);
    const single = await t.json(`/api/v1/accounts/relationships?id=${a.account.id}`, {
      token: viewer.token,
    });
    expect(single.body).toHaveLength(1);
  });

  it("answers no familiar followers per known account", async () => {
    const viewer = await makeUser(t);
    const a = await makeUser(t);
    const { body } = await t.json(
      `/api/v1/accounts/familiar_followers?id[]=${a.account.id}&id[]=1`,
      {
        token: viewer.token,
      },
    );
    expect(body).toEqual([{ id: a.account.id, accounts: [] }]);
  });

  it("need a user token with read:follows", async () => {
    const { user } = await makeUser(t);
    for (const path of [
      "/api/v1/accounts/relationships?id=1",
      "/api/v1/accounts/familiar_followers?id=1",
    ]) {
      expect((await t.json(path)).status).toBe(401);
      expect(
        (await t.json(path, { token: await tokenFor(t, user.id, ["read:accounts"]) })).status,
      ).toBe(403);
      expect((await t.json(path, { token: await tokenFor(t, user.id, ["follow"]) })).status).toBe(
        200,
      );
      expect((await t.json(path, { token: await tokenFor(t, null, ["read"]) })).status).toBe(422);
    }
  });
});

describe("account sub-resources not built yet", () => {
  it("answer empty lists for known accounts and 404 for unknown ones", async () => {
    const { account, token } = await makeUser(t);
    for (const sub of [
      "statuses",
      "followers",
      "following",
      "endorsements",
      "featured_tags",
      "lists",
      "identity_proofs",
    ]) {
      const ok = await t.json(`/api/v1/accounts/${account.id}/${sub}`, { token });
      expect(ok).toMatchObject({ status: 200, body: [] });
      const missing = await t.json(`/api/v1/accounts/1/${sub}`, { token });
      expect(missing).toMatchObject({ status: 404, body: { error: "Record not found" } });
    }
  });

  it("check scopes as Mastodon does", async () => {
    const { account, user } = await makeUser(t);
    const base = `/api/v1/accounts/${account.id}`;
    for (const sub of ["statuses", "followers", "following", "endorsements", "featured_tags"]) {
      expect((await t.json(`${base}/${sub}`)).status).toBe(200);
    }
    const write = await tokenFor(t, user.id, ["write"]);
    expect((await t.json(`${base}/statuses`, { token: write })).status).toBe(403);
    expect((await t.json(`${base}/followers`, { token: write })).status).toBe(403);
    expect((await t.json(`${base}/lists`)).status).toBe(401);
    expect((await t.json(`${base}/lists`, { token: write })).status).toBe(403);
    expect((await t.json(`${base}/identity_proofs`)).status).toBe(422);
    expect((await t.json(`${base}/identity_proofs`, { token: write })).status).toBe(200);
  });
});

describe("loadAccountViews", () => {
  it("loads a page of accounts in a fixed number of queries", async () => {
    const made = await Promise.all(Array.from({ length: 12 }, () => makeUser(t, { roleId: 1 })));
    const target = await makeUser(t);
    for (const m of made.slice(0, 6))
      await setAccount(m.account.id, { movedToAccountId: target.account.id });
    const pool = t.database.pool;
    const original = pool.query.bind(pool);
    let queries = 0;
    (pool as any).query = (...args: unknown[]) => {
      queries++;
      return (original as any)(...args);
    };
    try {
      const views = await loadAccountViews(
        db,
        made.map((m) => m.account.id),
      );
      expect(views).toHaveLength(12);
      expect(views.every((v) => v.roleId === 1)).toBe(true);
      expect(views.slice(0, 6).every((v) => v.moved?.id === target.account.id)).toBe(true);
    } finally {
      (pool as any).query = original;
    }
    expect(queries).toBe(2);
  });
});
