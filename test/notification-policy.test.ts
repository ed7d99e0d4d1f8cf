// The notification policy and notification requests
// (https://docs.joinmastodon.org/methods/notifications/#get-policy): each
// category's accept, filter and drop, what a filtered notification does (held
// back, a request for mentions), accepting and dismissing requests, the v1
// policy, and auth.
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  accounts,
  notificationPermissions,
  notificationRequests,
  notifications,
} from "../src/db/schema/index.ts";
import { notify } from "../src/domain/notifications/notify.ts";
import { makeUser, tokenFor, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import { favourite, postStatus, quietlyFollow } from "./kit/social.ts";

const t = await createTestInstance();
const db = t.database.db;
const DAY = 24 * 3_600_000;

const DEFAULTS = {
  for_not_following: "accept",
  for_not_followers: "accept",
  for_new_accounts: "accept",
  for_private_mentions: "filter",
  for_limited_accounts: "filter",
};

async function setPolicy(user: TestUser, policy: Record<string, string>) {
  const res = await t.json("/api/v2/notifications/policy", {
    method: "PATCH",
    token: user.token,
    json: policy,
  });
  expect(res.status).toBe(200);
  return res.body;
}

const visible = async (user: TestUser, query = "") =>
  (await t.json(`/api/v1/notifications${query}`, { token: user.token })).body as any[];

const requests = async (user: TestUser, query = "") =>
  t.json(`/api/v1/notifications/requests${query}`, { token: user.token });

/** An account that signed up `days` ago. */
async function aged(user: TestUser, days: number) {
  await db
    .update(accounts)
    .set({ createdAt: new Date(Date.now() - days * DAY) })
    .where(eq(accounts.id, user.account.id));
}

const mentionOf = (to: TestUser) => `@${to.account.username} hello`;

describe("GET and PATCH /api/v2/notifications/policy", () => {
  it("shows Mastodon's defaults and an empty summary", async () => {
    const alice = await makeUser(t);
    const { status, body } = await t.json("/api/v2/notifications/policy", { token: alice.token });
    expect(status).toBe(200);
    expect(body).toEqual({
      ...DEFAULTS,
      summary: { pending_requests_count: 0, pending_notifications_count: 0 },
    });
  });

  it("updates the given categories, from JSON, form or multipart, by PATCH or PUT", async () => {
    const alice = await makeUser(t);
    expect(await setPolicy(alice, { for_not_following: "filter" })).toMatchObject({
      ...DEFAULTS,
      for_not_following: "filter",
    });
    const form = await t.json("/api/v2/notifications/policy", {
      method: "PATCH",
      token: alice.token,
      form: { for_new_accounts: "drop", unknown: "x" },
    });
    expect(form.body).toMatchObject({ for_not_following: "filter", for_new_accounts: "drop" });
    const multipart = new FormData();
    multipart.set("for_private_mentions", "accept");
    const viaMultipart = await t.json("/api/v2/notifications/policy", {
      method: "PUT",
      token: alice.token,
      multipart,
    });
    expect(viaMultipart.body).toEqual({
      for_not_following: "filter",
      for_not_followers: "accept",
      for_new_accounts: "drop",
      for_private_mentions: "accept",
      for_limited_accounts: "filter",
      summary: { pending_requests_count: 0, pending_notifications_count: 0 },
    });
    const query = await t.json("/api/v2/notifications/policy?for_limited_accounts=accept", {
      method: "PATCH",
      token: alice.token,
    });
    expect(query.body.for_limited_accounts).toBe("accept");
  });

  it("refuses values other than accept, filter and drop", async () => {
    const alice = await makeUser(t);
    for (const bad of ["maybe", 1, ["filter"], { a: 1 }]) {
      const res = await t.json("/api/v2/notifications/policy", {
        method: "PATCH",
        token: alice.token,
        json: { for_not_followers: bad },
      });
      expect(res.status).toBe(422);
      expect(res.body.error).toBe(
        "Validation failed: For not followers is not included in the list",
      );
    }
    const malformed = await t.json("/api/v2/notifications/policy", {
      method: "PATCH",
      token: alice.token,
      body: "{",
      headers: { "content-type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    const { body } = await t.json("/api/v2/notifications/policy", { token: alice.token });
    expect(body.for_not_followers).toBe("accept");
  });

  it("keeps the deprecated v1 policy in step", async () => {
    const alice = await makeUser(t);
    const v1 = await t.json("/api/v1/notifications/policy", { token: alice.token });
    expect(v1.body).toEqual({
      filter_not_following: false,
      filter_not_followers: false,
      filter_new_accounts: false,
      filter_private_mentions: true,
      summary: { pending_requests_count: 0, pending_notifications_count: 0 },
    });
    const put = await t.json("/api/v1/notifications/policy", {
      method: "PUT",
      token: alice.token,
      form: { filter_not_following: "true", filter_private_mentions: "false" },
    });
    expect(put.body).toMatchObject({ filter_not_following: true, filter_private_mentions: false });
    const v2 = await t.json("/api/v2/notifications/policy", { token: alice.token });
    expect(v2.body).toMatchObject({ for_not_following: "filter", for_private_mentions: "accept" });
    const bad = await t.json("/api/v1/notifications/policy", {
      method: "PUT",
      token: alice.token,
      json: { filter_new_accounts: { x: 1 } },
    });
    expect(bad.status).toBe(422);
  });
});

describe("policy categories", () => {
  it("filters and drops notifications from accounts one does not follow", async () => {
    const alice = await makeUser(t);
    const friend = await makeUser(t);
    const stranger = await makeUser(t);
    await quietlyFollow(t, alice, friend);
    await setPolicy(alice, { for_not_following: "filter" });
    await postStatus(t, friend, { status: mentionOf(alice) });
    await postStatus(t, stranger, { status: mentionOf(alice) });
    const shown = await visible(alice);
    expect(shown.map((n) => n.account.id)).toEqual([friend.account.id]);
    const all = await visible(alice, "?include_filtered=true");
    expect(all.map((n) => [n.account.id, n.filtered ?? false])).toEqual([
      [stranger.account.id, true],
      [friend.account.id, false],
    ]);
    expect(all[0].group_key).toBe(`ungrouped-${all[0].id}`);
    // account_id shows the filtered ones too.
    expect((await visible(alice, `?account_id=${stranger.account.id}`)).length).toBe(1);

    await setPolicy(alice, { for_not_following: "drop" });
    await postStatus(t, stranger, { status: mentionOf(alice) });
    expect((await visible(alice, "?include_filtered=true")).length).toBe(2);
  });

  it("filters notifications from accounts that do not follow one, or for less than 3 days", async () => {
    const alice = await makeUser(t);
    const [oldFan, newFan, stranger] = [await makeUser(t), await makeUser(t), await makeUser(t)];
    await quietlyFollow(t, oldFan, alice, new Date(Date.now() - 4 * DAY));
    await quietlyFollow(t, newFan, alice);
    await setPolicy(alice, { for_not_followers: "filter" });
    const status = await postStatus(t, alice, { status: "hi" });
    for (const u of [oldFan, newFan, stranger]) await favourite(t, u, status);
    expect((await visible(alice)).map((n) => n.account.id)).toEqual([oldFan.account.id]);
    // Favourites are held back but make no request: requests are for mentions.
    expect((await requests(alice)).body).toEqual([]);
  });

  it("filters notifications from new accounts one does not follow", async () => {
    const alice = await makeUser(t);
    const [young, old, followedYoung] = [await makeUser(t), await makeUser(t), await makeUser(t)];
    await aged(old, 31);
    await aged(young, 29);
    await quietlyFollow(t, alice, followedYoung);
    await setPolicy(alice, { for_new_accounts: "filter" });
    for (const u of [young, old, followedYoung])
      await postStatus(t, u, { status: mentionOf(alice) });
    expect((await visible(alice)).map((n) => n.account.id).sort()).toEqual(
      [old.account.id, followedYoung.account.id].sort(),
    );
  });

  it("filters private mentions, except replies to one's own private mention", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const dm = await postStatus(t, bob, { status: mentionOf(alice), visibility: "direct" });
    expect(await visible(alice)).toEqual([]);
    const held = await visible(alice, "?include_filtered=true");
    expect(held.map((n) => [n.status.id, n.filtered])).toEqual([[dm, true]]);

    const asked = await postStatus(t, alice, {
      status: `@${bob.account.username} a question`,
      visibility: "direct",
    });
    const answer = await postStatus(t, bob, {
      status: `@${alice.account.username} the answer`,
      visibility: "direct",
      in_reply_to_id: asked,
    });
    expect((await visible(alice)).map((n) => n.status.id)).toEqual([answer]);
    // A public mention is no private mention.
    const open = await postStatus(t, bob, { status: mentionOf(alice) });
    expect((await visible(alice)).map((n) => n.status.id)).toEqual([open, answer]);
  });

  it("filters or drops accounts that moderators limited, unless followed", async () => {
    const alice = await makeUser(t);
    const limited = await makeUser(t);
    const followedLimited = await makeUser(t);
    for (const u of [limited, followedLimited]) {
      await db
        .update(accounts)
        .set({ silencedAt: new Date() })
        .where(eq(accounts.id, u.account.id));
    }
    await quietlyFollow(t, alice, followedLimited);
    for (const u of [limited, followedLimited])
      await postStatus(t, u, { status: mentionOf(alice) });
    expect((await visible(alice)).map((n) => n.account.id)).toEqual([followedLimited.account.id]);
    expect((await visible(alice, "?include_filtered=1")).length).toBe(2);
    await setPolicy(alice, { for_limited_accounts: "drop" });
    await postStatus(t, limited, { status: mentionOf(alice) });
    expect((await visible(alice, "?include_filtered=1")).length).toBe(2);
  });

  it("never filters a mention from staff above the recipient", async () => {
    const alice = await makeUser(t);
    const moderator = await makeUser(t, { roleId: 1 });
    await setPolicy(alice, { for_not_following: "drop" });
    await postStatus(t, moderator, { status: mentionOf(alice), visibility: "direct" });
    expect((await visible(alice)).map((n) => n.account.id)).toEqual([moderator.account.id]);
  });

  it("does not apply to types that cannot be filtered", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    await setPolicy(alice, { for_not_following: "drop", for_not_followers: "drop" });
    const status = await postStatus(t, bob, { status: "news" });
    await notify(db, {
      accountId: alice.account.id,
      fromAccountId: bob.account.id,
      type: "status",
      statusId: status,
    });
    expect((await visible(alice)).map((n) => n.type)).toEqual(["status"]);
  });
});

describe("notification requests", async () => {
  const alice = await makeUser(t);
  await setPolicy(alice, { for_not_following: "filter" });
  const senders = [await makeUser(t), await makeUser(t), await makeUser(t)];
  const last: string[] = [];
  for (const s of senders) {
    await postStatus(t, s, { status: mentionOf(alice) });
    last.push(await postStatus(t, s, { status: `${mentionOf(alice)} again` }));
  }

  it("lists one request per sender, newest first, with counts and the last status", async () => {
    const { status, body, res } = await requests(alice);
    expect(status).toBe(200);
    expect(body.map((r: any) => r.account.id)).toEqual(
      [...senders].reverse().map((s) => s.account.id),
    );
    expect(body[0]).toMatchObject({ notifications_count: "2", last_status: { id: last[2] } });
    expect(new Date(body[0].created_at).toISOString()).toBe(body[0].created_at);
    expect(res.headers.get("link")).toBe(
      `<https://herd.test/api/v1/notifications/requests?min_id=${body[0].id}>; rel="prev"`,
    );
    const page = await requests(alice, "?limit=2");
    expect(page.body.map((r: any) => r.id)).toEqual([body[0].id, body[1].id]);
    expect(page.res.headers.get("link")).toContain(`limit=2&max_id=${body[1].id}>; rel="next"`);
    const rest = await requests(alice, `?limit=2&max_id=${body[1].id}`);
    expect(rest.body.map((r: any) => r.id)).toEqual([body[2].id]);
    const one = await t.json(`/api/v1/notifications/requests/${body[1].id}`, {
      token: alice.token,
    });
    expect(one.body).toEqual(body[1]);
    const summary = await t.json("/api/v2/notifications/policy", { token: alice.token });
    expect(summary.body.summary).toEqual({
      pending_requests_count: 3,
      pending_notifications_count: 6,
    });
  });

  it("answers 404 for someone else's or unknown requests", async () => {
    const { body } = await requests(alice);
    for (const [path, method] of [
      [`/api/v1/notifications/requests/${body[0].id}`, "GET"],
      [`/api/v1/notifications/requests/${body[0].id}/accept`, "POST"],
      [`/api/v1/notifications/requests/${body[0].id}/dismiss`, "POST"],
      ["/api/v1/notifications/requests/abc", "GET"],
    ] as const) {
      expect(await t.json(path, { method, token: senders[0]!.token })).toMatchObject({
        status: 404,
        body: { error: "Record not found" },
      });
    }
  });

  it("accepting brings the notifications back and lets the sender through from now on", async () => {
    const { body } = await requests(alice);
    const request = body.find((r: any) => r.account.id === senders[0]!.account.id);
    const res = await t.json(`/api/v1/notifications/requests/${request.id}/accept`, {
      method: "POST",
      token: alice.token,
    });
    expect(res).toMatchObject({ status: 200, body: {} });
    expect((await visible(alice)).map((n) => n.account.id)).toEqual([
      senders[0]!.account.id,
      senders[0]!.account.id,
    ]);
    const permission = await db
      .select()
      .from(notificationPermissions)
      .where(
        and(
          eq(notificationPermissions.accountId, alice.account.id),
          eq(notificationPermissions.fromAccountId, senders[0]!.account.id),
        ),
      );
    expect(permission).toHaveLength(1);
    await postStatus(t, senders[0]!, { status: mentionOf(alice) });
    expect(await visible(alice)).toHaveLength(3);
    expect((await requests(alice)).body).toHaveLength(2);
    expect(
      (await t.json("/api/v1/notifications/requests/merged", { token: alice.token })).body,
    ).toEqual({ merged: true });
  });

  it("dismissing removes the request and its held-back notifications", async () => {
    const { body } = await requests(alice);
    const request = body.find((r: any) => r.account.id === senders[1]!.account.id);
    const res = await t.json(`/api/v1/notifications/requests/${request.id}/dismiss`, {
      method: "POST",
      token: alice.token,
    });
    expect(res).toMatchObject({ status: 200, body: {} });
    const left = await db
      .select()
      .from(notifications)
      .where(
        and(
          eq(notifications.accountId, alice.account.id),
          eq(notifications.fromAccountId, senders[1]!.account.id),
        ),
      );
    expect(left).toEqual([]);
    expect((await requests(alice)).body.map((r: any) => r.account.id)).toEqual([
      senders[2]!.account.id,
    ]);
  });

  it("dismissing a held-back notification updates its request", async () => {
    const held = await visible(alice, `?account_id=${senders[2]!.account.id}`);
    expect(held).toHaveLength(2);
    await t.json(`/api/v1/notifications/${held[0].id}/dismiss`, {
      method: "POST",
      token: alice.token,
    });
    expect((await requests(alice)).body[0].notifications_count).toBe("1");
    await t.json(`/api/v1/notifications/${held[1].id}/dismiss`, {
      method: "POST",
      token: alice.token,
    });
    expect((await requests(alice)).body).toEqual([]);
  });
});

describe("bulk accept and dismiss", () => {
  async function setUp() {
    const alice = await makeUser(t);
    await setPolicy(alice, { for_not_following: "filter" });
    const senders = [await makeUser(t), await makeUser(t), await makeUser(t)];
    for (const s of senders) await postStatus(t, s, { status: mentionOf(alice) });
    const ids = ((await requests(alice)).body as any[]).map((r) => r.id as string);
    return { alice, senders, ids };
  }

  it("accepts the given requests (form), ignoring ids that are not the user's", async () => {
    const { alice, ids } = await setUp();
    const other = await setUp();
    const res = await t.json("/api/v1/notifications/requests/accept", {
      method: "POST",
      token: alice.token,
      form: { "id[]": [ids[0]!, ids[1]!, other.ids[0]!, "abc"] },
    });
    expect(res).toMatchObject({ status: 200, body: {} });
    expect((await requests(alice)).body.map((r: any) => r.id)).toEqual([ids[2]]);
    expect(await visible(alice)).toHaveLength(2);
    expect((await requests(other.alice)).body).toHaveLength(3);
  });

  it("dismisses the given requests (JSON or multipart)", async () => {
    const { alice, ids } = await setUp();
    await t.json("/api/v1/notifications/requests/dismiss", {
      method: "POST",
      token: alice.token,
      json: { id: [ids[0]] },
    });
    const form = new FormData();
    form.append("id[]", ids[1]!);
    await t.json("/api/v1/notifications/requests/dismiss", {
      method: "POST",
      token: alice.token,
      multipart: form,
    });
    expect((await requests(alice)).body.map((r: any) => r.id)).toEqual([ids[2]]);
    expect(await visible(alice, "?include_filtered=true")).toHaveLength(1);
    const rows = await db
      .select()
      .from(notificationRequests)
      .where(eq(notificationRequests.accountId, alice.account.id));
    expect(rows).toHaveLength(1);
  });
});

describe("auth", async () => {
  const alice = await makeUser(t);
  const read = await tokenFor(t, alice.user.id, ["read:notifications"]);
  const write = await tokenFor(t, alice.user.id, ["write:notifications"]);
  const app = await tokenFor(t, null, ["read", "write"]);

  it.each([
    ["GET", "/api/v2/notifications/policy", read, write],
    ["PATCH", "/api/v2/notifications/policy", write, read],
    ["GET", "/api/v1/notifications/policy", read, write],
    ["PUT", "/api/v1/notifications/policy", write, read],
    ["GET", "/api/v1/notifications/requests", read, write],
    ["GET", "/api/v1/notifications/requests/merged", read, write],
    ["GET", "/api/v1/notifications/requests/1", read, write],
    ["POST", "/api/v1/notifications/requests/1/accept", write, read],
    ["POST", "/api/v1/notifications/requests/1/dismiss", write, read],
    ["POST", "/api/v1/notifications/requests/accept", write, read],
    ["POST", "/api/v1/notifications/requests/dismiss", write, read],
  ])("%s %s", async (method, path, right, wrong) => {
    expect(await t.json(path, { method })).toMatchObject({
      status: 401,
      body: { error: "The access token is invalid" },
    });
    expect(await t.json(path, { method, token: wrong })).toMatchObject({
      status: 403,
      body: { error: "This action is outside the authorized scopes" },
    });
    expect(await t.json(path, { method, token: app })).toMatchObject({
      status: 422,
      body: { error: "This method requires an authenticated user" },
    });
    expect([401, 403, 422]).not.toContain((await t.json(path, { method, token: right })).status);
  });
});
