// Notifications (https://docs.joinmastodon.org/methods/notifications/): what
// creates them through the real actions, the rules that drop them (blocks,
// mutes, domain blocks, muted threads, oneself), the v1 listing with its
// filters and Link pagination, one notification, dismiss and clear, the unread
// count against the notifications marker, privacy, and auth.
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accounts, notifications, statuses } from "../src/db/schema/index.ts";
import { notify } from "../src/domain/notifications/notify.ts";
import { newId } from "../src/lib/ids.ts";
import { makeUser, tokenFor, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import { confirmationLinkIn, signUp } from "./kit/sign-up.ts";
import {
  block,
  blockDomain,
  favourite,
  follow,
  markNotificationsRead,
  mute,
  postStatus,
  quietlyFollow,
  reblog,
} from "./kit/social.ts";

const t = await createTestInstance();
const db = t.database.db;

const NOT_FOUND = { error: "Record not found" };
const hourBucket = () => Math.floor(Date.now() / 3_600_000);

async function list(user: TestUser, query = "") {
  return t.json(`/api/v1/notifications${query}`, { token: user.token });
}

async function countFor(user: TestUser) {
  const rows = await db
    .select({ id: notifications.id })
    .from(notifications)
    .where(eq(notifications.accountId, user.account.id));
  return rows.length;
}

/** A remote account (for domain blocks). */
async function remoteAccount(domain: string): Promise<TestUser> {
  const [account] = await db
    .insert(accounts)
    .values({ id: newId(), username: "remote", domain, uri: `https://${domain}/users/remote` })
    .returning();
  return { account: account!, user: undefined as never, password: "", token: "" };
}

describe("notifications made by the real actions", () => {
  it("a favourite notifies the author, with the status, the sender and a group key", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const status = await postStatus(t, alice, { status: "hello" });
    await favourite(t, bob, status);
    const { status: code, body } = await list(alice);
    expect(code).toBe(200);
    expect(body).toHaveLength(1);
    const n = body[0];
    expect(n.type).toBe("favourite");
    expect(n.account.id).toBe(bob.account.id);
    expect(n.account.username).toBe(bob.account.username);
    expect(n.status.id).toBe(status);
    expect(n.status.favourited).toBe(false);
    expect(n.group_key).toBe(`favourite-${status}-${hourBucket()}`);
    expect(typeof n.id).toBe("string");
    expect(new Date(n.created_at).toISOString()).toBe(n.created_at);
    expect(n).not.toHaveProperty("filtered");
    expect(n).not.toHaveProperty("report");
  });

  it("a boost notifies the author about the boosted status", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const status = await postStatus(t, alice, { status: "boost me" });
    await reblog(t, bob, status);
    const { body } = await list(alice);
    expect(body.map((n: any) => n.type)).toEqual(["reblog"]);
    expect(body[0].status.id).toBe(status);
    expect(body[0].status.reblog).toBeNull();
    expect(body[0].group_key).toBe(`reblog-${status}-${hourBucket()}`);
  });

  it("a mention notifies the mentioned account with the mentioning status", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    await quietlyFollow(t, alice, bob);
    const status = await postStatus(t, bob, { status: `hi @${alice.account.username}` });
    const { body } = await list(alice);
    expect(body).toHaveLength(1);
    expect(body[0].type).toBe("mention");
    expect(body[0].status.id).toBe(status);
    expect(body[0].status.mentions.map((m: any) => m.id)).toEqual([alice.account.id]);
    expect(body[0].group_key).toBe(`ungrouped-${body[0].id}`);
  });

  it("a follow notifies the followed account, without a status", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    await follow(t, bob, alice);
    const { body } = await list(alice);
    expect(body).toHaveLength(1);
    expect(body[0].type).toBe("follow");
    expect(body[0].account.id).toBe(bob.account.id);
    expect(body[0]).not.toHaveProperty("status");
    expect(body[0].group_key).toBe(`follow-${hourBucket()}`);
  });

  it("nothing for one's own actions", async () => {
    const alice = await makeUser(t);
    const status = await postStatus(t, alice, { status: `me @${alice.account.username}` });
    await favourite(t, alice, status);
    await reblog(t, alice, status);
    expect(await countFor(alice)).toBe(0);
  });

  it("a sign-up notifies the staff who manage users once the user is active, not the others", async () => {
    const admin = await makeUser(t, { roleId: 2 });
    const moderator = await makeUser(t, { roleId: 1 });
    const someone = await makeUser(t);
    const res = await signUp(t);
    expect(res.status).toBe(200);
    // Registered is not active yet: the e-mail address is unconfirmed.
    expect((await list(admin, "?types[]=admin.sign_up")).body).toEqual([]);
    const mail = t.mails.filter((m) => m.to === res.email).at(-1)!;
    expect((await t.request(confirmationLinkIn(mail.text))).status).toBe(200);
    const [created] = await db
      .select({ id: accounts.id })
      .from(accounts)
      .where(eq(accounts.username, res.username));
    for (const staff of [admin, moderator]) {
      const { body } = await list(staff, "?types[]=admin.sign_up");
      expect(body.map((n: any) => [n.type, n.account.id])).toEqual([
        ["admin.sign_up", created!.id],
      ]);
      expect(body[0].group_key).toBe(`admin.sign_up-${hourBucket()}`);
    }
    expect(await countFor(someone)).toBe(0);
  });
});

describe("rules that drop notifications", () => {
  it("drops what comes from an account the recipient blocks, or that blocks the recipient", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const carol = await makeUser(t);
    await block(t, alice, bob);
    await block(t, carol, alice);
    await notify(db, {
      accountId: alice.account.id,
      fromAccountId: bob.account.id,
      type: "follow",
    });
    await notify(db, {
      accountId: alice.account.id,
      fromAccountId: carol.account.id,
      type: "follow",
    });
    expect(await countFor(alice)).toBe(0);
  });

  it("drops what comes from an account muted with its notifications, not one muted without", async () => {
    const alice = await makeUser(t);
    const loud = await makeUser(t);
    const quiet = await makeUser(t);
    await mute(t, alice, loud, true);
    await mute(t, alice, quiet, false);
    await follow(t, loud, alice);
    await follow(t, quiet, alice);
    const { body } = await list(alice);
    expect(body.map((n: any) => n.account.id)).toEqual([quiet.account.id]);
  });

  it("drops what comes from a blocked domain unless the recipient follows the sender", async () => {
    const alice = await makeUser(t);
    const stranger = await remoteAccount("blocked.example");
    const friend = await remoteAccount("blocked2.example");
    await blockDomain(t, alice, "blocked.example");
    await blockDomain(t, alice, "blocked2.example");
    await db.insert(statuses).values({ id: newId(), accountId: friend.account.id });
    await quietlyFollow(t, alice, friend);
    for (const sender of [stranger, friend]) {
      await notify(db, {
        accountId: alice.account.id,
        fromAccountId: sender.account.id,
        type: "follow",
      });
    }
    const rows = await db
      .select({ from: notifications.fromAccountId })
      .from(notifications)
      .where(eq(notifications.accountId, alice.account.id));
    expect(rows.map((r) => r.from)).toEqual([friend.account.id]);
  });

  it("drops mentions, favourites and boosts in a thread the recipient muted", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    await quietlyFollow(t, alice, bob);
    const status = await postStatus(t, alice, { status: "a thread" });
    const muted = await t.json(`/api/v1/statuses/${status}/mute`, {
      method: "POST",
      token: alice.token,
    });
    expect(muted.body.muted).toBe(true);
    await favourite(t, bob, status);
    await reblog(t, bob, status);
    await postStatus(t, bob, {
      status: `@${alice.account.username} reply`,
      in_reply_to_id: status,
    });
    expect(await countFor(alice)).toBe(0);
  });

  it("drops a mention that also mentions someone the recipient blocks", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const troll = await makeUser(t);
    await quietlyFollow(t, alice, bob);
    await block(t, alice, troll);
    await postStatus(t, bob, {
      status: `@${alice.account.username} @${troll.account.username} look`,
    });
    expect(await countFor(alice)).toBe(0);
  });

  it("a status that is gone notifies nobody", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    await notify(db, {
      accountId: alice.account.id,
      fromAccountId: bob.account.id,
      type: "favourite",
      statusId: "12345",
    });
    expect(await countFor(alice)).toBe(0);
  });
});

describe("GET /api/v1/notifications", async () => {
  const alice = await makeUser(t);
  const fans = [await makeUser(t), await makeUser(t), await makeUser(t)];
  const status = await postStatus(t, alice, { status: "popular" });
  for (const fan of fans) await favourite(t, fan, status);
  await follow(t, fans[0]!, alice);
  const mentioned = await postStatus(t, fans[1]!, { status: `@${alice.account.username} yo` });
  // fans[1] is not followed: its mention is held back only for private mentions.
  const all = (await list(alice)).body as any[];

  it("lists newest first", () => {
    expect(all.map((n) => n.type)).toEqual([
      "mention",
      "follow",
      "favourite",
      "favourite",
      "favourite",
    ]);
    expect(all[0].status.id).toBe(mentioned);
    const ids = all.map((n) => BigInt(n.id));
    expect([...ids].sort((a, b) => (a > b ? -1 : 1))).toEqual(ids);
  });

  it("filters by types[] and exclude_types[]", async () => {
    expect(
      (await list(alice, "?types[]=mention&types[]=follow")).body.map((n: any) => n.type),
    ).toEqual(["mention", "follow"]);
    expect((await list(alice, "?exclude_types[]=favourite")).body.map((n: any) => n.type)).toEqual([
      "mention",
      "follow",
    ]);
    expect((await list(alice, "?types[]=nonsense")).body).toEqual([]);
    expect((await list(alice, "?types[]=favourite&exclude_types[]=favourite")).body).toEqual([]);
  });

  it("filters by account_id", async () => {
    const { body } = await list(alice, `?account_id=${fans[0]!.account.id}`);
    expect(body.map((n: any) => n.type)).toEqual(["follow", "favourite"]);
    expect((await list(alice, "?account_id=abc")).body).toEqual([]);
  });

  it("pages with limit, max_id, min_id, since_id and a Link header", async () => {
    const first = await list(alice, "?limit=2&types[]=favourite&types[]=follow");
    expect(first.body.map((n: any) => n.id)).toEqual([all[1].id, all[2].id]);
    const link = first.res.headers.get("link")!;
    expect(link).toBe(
      `<https://herd.test/api/v1/notifications?limit=2&types%5B%5D=favourite&types%5B%5D=follow&max_id=${all[2].id}>; rel="next", ` +
        `<https://herd.test/api/v1/notifications?limit=2&types%5B%5D=favourite&types%5B%5D=follow&min_id=${all[1].id}>; rel="prev"`,
    );
    const next = await list(alice, `?limit=2&max_id=${all[2].id}`);
    expect(next.body.map((n: any) => n.id)).toEqual([all[3].id, all[4].id]);
    const forward = await list(alice, `?limit=2&min_id=${all[4].id}`);
    expect(forward.body.map((n: any) => n.id)).toEqual([all[2].id, all[3].id]);
    const since = await list(alice, `?limit=2&since_id=${all[4].id}`);
    expect(since.body.map((n: any) => n.id)).toEqual([all[0].id, all[1].id]);
    const both = await list(alice, `?min_id=${all[4].id}&max_id=${all[1].id}`);
    expect(both.body.map((n: any) => n.id)).toEqual([all[2].id, all[3].id]);
    const empty = await list(alice, `?max_id=${all[4].id}`);
    expect(empty.body).toEqual([]);
    expect(empty.res.headers.get("link")).toBeNull();
  });

  it("caps the limit at 80 and reads a bad limit as the default", async () => {
    expect((await list(alice, "?limit=1000")).body).toHaveLength(5);
    expect((await list(alice, "?limit=abc")).body).toHaveLength(5);
    expect((await list(alice, "?limit=1")).body).toHaveLength(1);
  });

  it("keeps the access token out of the Link header", async () => {
    const res = await t.request(`/api/v1/notifications?limit=1&access_token=${alice.token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("link")).not.toContain("access_token");
  });

  it("shows one notification, and 404 for others' or unknown ones", async () => {
    const { status: code, body } = await t.json(`/api/v1/notifications/${all[0].id}`, {
      token: alice.token,
    });
    expect(code).toBe(200);
    expect(body).toEqual(all[0]);
    const other = await t.json(`/api/v1/notifications/${all[0].id}`, { token: fans[0]!.token });
    expect(other).toMatchObject({ status: 404, body: NOT_FOUND });
    for (const id of ["999", "abc", "99999999999999999999"]) {
      expect(await t.json(`/api/v1/notifications/${id}`, { token: alice.token })).toMatchObject({
        status: 404,
        body: NOT_FOUND,
      });
    }
  });
});

describe("privacy", () => {
  it("skips a notification about a status the recipient can no longer see", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    await quietlyFollow(t, alice, bob);
    const secret = await postStatus(t, bob, { status: "followers only", visibility: "private" });
    await notify(db, {
      accountId: alice.account.id,
      fromAccountId: bob.account.id,
      type: "status",
      statusId: secret,
    });
    expect((await list(alice)).body.map((n: any) => n.status.id)).toEqual([secret]);
    // Alice stops following: the private status is out of her sight.
    await db.execute(
      sql`DELETE FROM follows WHERE account_id = ${alice.account.id} AND target_account_id = ${bob.account.id}`,
    );
    expect((await list(alice)).body).toEqual([]);
    const [row] = await db
      .select({ id: notifications.id })
      .from(notifications)
      .where(eq(notifications.accountId, alice.account.id));
    expect(await t.json(`/api/v1/notifications/${row!.id}`, { token: alice.token })).toMatchObject({
      status: 404,
    });
    expect(
      (await t.json("/api/v1/notifications/unread_count", { token: alice.token })).body,
    ).toEqual({ count: 0 });
  });

  it("skips a notification about a deleted status", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const status = await postStatus(t, alice, { status: "soon gone" });
    await favourite(t, bob, status);
    expect((await list(alice)).body).toHaveLength(1);
    await db.update(statuses).set({ deletedAt: new Date() }).where(eq(statuses.id, status));
    expect((await list(alice)).body).toEqual([]);
  });

  it("hides notifications from suspended and blocked accounts", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const carol = await makeUser(t);
    await follow(t, bob, alice);
    await follow(t, carol, alice);
    await db
      .update(accounts)
      .set({ suspendedAt: new Date() })
      .where(eq(accounts.id, bob.account.id));
    // A block row alone (blocking through the API also deletes what carol sent).
    await db.execute(sql`INSERT INTO blocks (id, account_id, target_account_id)
      VALUES (${newId()}, ${alice.account.id}, ${carol.account.id})`);
    expect((await list(alice)).body).toEqual([]);
  });
});

describe("dismiss and clear", () => {
  it("dismisses one notification, 404 for someone else's", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    await follow(t, bob, alice);
    const [n] = (await list(alice)).body;
    const other = await t.json(`/api/v1/notifications/${n.id}/dismiss`, {
      method: "POST",
      token: bob.token,
    });
    expect(other).toMatchObject({ status: 404, body: NOT_FOUND });
    const res = await t.json(`/api/v1/notifications/${n.id}/dismiss`, {
      method: "POST",
      token: alice.token,
    });
    expect(res).toMatchObject({ status: 200, body: {} });
    expect((await list(alice)).body).toEqual([]);
    const again = await t.json(`/api/v1/notifications/${n.id}/dismiss`, {
      method: "POST",
      token: alice.token,
    });
    expect(again.status).toBe(404);
  });

  it("clears every notification of the user only", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    await follow(t, bob, alice);
    await follow(t, alice, bob);
    const res = await t.json("/api/v1/notifications/clear", { method: "POST", token: alice.token });
    expect(res).toMatchObject({ status: 200, body: {} });
    expect(await countFor(alice)).toBe(0);
    expect(await countFor(bob)).toBe(1);
  });
});

describe("GET /api/v1/notifications/unread_count", () => {
  it("counts what is newer than the notifications marker, capped by limit", async () => {
    const alice = await makeUser(t);
    const others = [await makeUser(t), await makeUser(t), await makeUser(t)];
    for (const o of others) await follow(t, o, alice);
    const count = async (q = "") =>
      (await t.json(`/api/v1/notifications/unread_count${q}`, { token: alice.token })).body;
    expect(await count()).toEqual({ count: 3 });
    expect(await count("?limit=2")).toEqual({ count: 2 });
    expect(await count("?types[]=mention")).toEqual({ count: 0 });
    expect(await count(`?account_id=${others[0]!.account.id}`)).toEqual({ count: 1 });
    const [, middle] = (await list(alice)).body;
    await markNotificationsRead(t, alice, middle.id);
    expect(await count()).toEqual({ count: 1 });
  });
});

describe("auth and input", async () => {
  const alice = await makeUser(t);
  const readOnly = await tokenFor(t, alice.user.id, ["read:notifications"]);
  const writeOnly = await tokenFor(t, alice.user.id, ["write:notifications"]);
  const other = await tokenFor(t, alice.user.id, ["read:accounts", "write:accounts"]);
  const app = await tokenFor(t, null, ["read", "write"]);

  it.each([
    ["GET", "/api/v1/notifications"],
    ["GET", "/api/v1/notifications/1"],
    ["GET", "/api/v1/notifications/unread_count"],
    ["POST", "/api/v1/notifications/clear"],
    ["POST", "/api/v1/notifications/1/dismiss"],
  ])("%s %s needs a user token with the right scope", async (method, path) => {
    expect(await t.json(path, { method })).toMatchObject({
      status: 401,
      body: { error: "The access token is invalid" },
    });
    expect(await t.json(path, { method, token: "nope" })).toMatchObject({ status: 401 });
    expect(await t.json(path, { method, token: other })).toMatchObject({
      status: 403,
      body: { error: "This action is outside the authorized scopes" },
    });
    expect(await t.json(path, { method, token: app })).toMatchObject({
      status: 422,
      body: { error: "This method requires an authenticated user" },
    });
    const right = method === "GET" ? readOnly : writeOnly;
    const wrong = method === "GET" ? writeOnly : readOnly;
    expect([401, 403, 422]).not.toContain((await t.json(path, { method, token: right })).status);
    expect((await t.json(path, { method, token: wrong })).status).toBe(403);
  });

  it("refuses a disabled user", async () => {
    const disabled = await makeUser(t);
    await t.database.db.execute(
      sql`UPDATE users SET disabled = true WHERE id = ${disabled.user.id}`,
    );
    for (const path of ["/api/v1/notifications", "/api/v1/notifications/unread_count"]) {
      expect(await t.json(path, { token: disabled.token })).toMatchObject({
        status: 403,
        body: { error: "Your login is currently disabled" },
      });
    }
  });

  it("answers a malformed body with 400", async () => {
    const res = await t.json("/api/v1/notifications/clear", {
      method: "POST",
      token: alice.token,
      body: "{",
      headers: { "content-type": "application/json" },
    });
    expect(res).toMatchObject({
      status: 400,
      body: { error: "Error occurred while parsing request parameters" },
    });
  });
});
