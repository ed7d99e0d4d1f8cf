// Grouped notifications (https://docs.joinmastodon.org/methods/grouped_notifications/):
// group keys and their 12-hour window, pages of groups with Link headers,
// partial accounts, one group, its accounts, dismissing a group, the unread
// group count, privacy and auth.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { notifications, statuses } from "../src/db/schema/index.ts";
import { notify } from "../src/domain/notifications/notify.ts";
import { newId } from "../src/lib/ids.ts";
import { makeUser, tokenFor, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import {
  favourite,
  follow,
  markNotificationsRead,
  postStatus,
  quietlyFollow,
} from "./kit/social.ts";

const t = await createTestInstance();
const db = t.database.db;
const HOUR = 3_600_000;
const hourBucket = () => Math.floor(Date.now() / HOUR);

const grouped = (user: TestUser, query = "") =>
  t.json(`/api/v2/notifications${query}`, { token: user.token });

const makeUsers = async (n: number) => {
  const out: TestUser[] = [];
  for (let i = 0; i < n; i++) out.push(await makeUser(t));
  return out;
};

describe("GET /api/v2/notifications", async () => {
  const alice = await makeUser(t);
  const fans = await makeUsers(3);
  const followers = await makeUsers(2);
  const friend = await makeUser(t);
  await quietlyFollow(t, alice, friend);
  const status = await postStatus(t, alice, { status: "liked a lot" });
  for (const fan of fans) await favourite(t, fan, status);
  for (const f of followers) await follow(t, f, alice);
  const mention = await postStatus(t, friend, { status: `@${alice.account.username} hey` });
  const v1 = (await t.json("/api/v1/notifications", { token: alice.token })).body as any[];

  it("groups favourites of one status and follows, each with its data", async () => {
    const { status: code, body, res } = await grouped(alice);
    expect(code).toBe(200);
    expect(body.notification_groups).toEqual([
      {
        group_key: `ungrouped-${v1[0].id}`,
        notifications_count: 1,
        type: "mention",
        most_recent_notification_id: v1[0].id,
        page_min_id: v1[0].id,
        page_max_id: v1[0].id,
        latest_page_notification_at: v1[0].created_at,
        sample_account_ids: [friend.account.id],
        status_id: mention,
      },
      {
        group_key: `follow-${hourBucket()}`,
        notifications_count: 2,
        type: "follow",
        most_recent_notification_id: v1[1].id,
        page_min_id: v1[2].id,
        page_max_id: v1[1].id,
        latest_page_notification_at: v1[1].created_at,
        sample_account_ids: [followers[1]!.account.id, followers[0]!.account.id],
      },
      {
        group_key: `favourite-${status}-${hourBucket()}`,
        notifications_count: 3,
        type: "favourite",
        most_recent_notification_id: v1[3].id,
        // The page reaches down to its last group's notification only.
        page_min_id: v1[3].id,
        page_max_id: v1[3].id,
        latest_page_notification_at: v1[3].created_at,
        sample_account_ids: [fans[2]!.account.id, fans[1]!.account.id, fans[0]!.account.id],
        status_id: status,
      },
    ]);
    expect(body.accounts.map((a: any) => a.id)).toEqual([
      friend.account.id,
      followers[1]!.account.id,
      followers[0]!.account.id,
      fans[2]!.account.id,
      fans[1]!.account.id,
      fans[0]!.account.id,
    ]);
    expect(body.accounts[0].username).toBe(friend.account.username);
    expect(body.statuses.map((s: any) => s.id)).toEqual([mention, status]);
    expect(body).not.toHaveProperty("partial_accounts");
    expect(res.headers.get("link")).toBe(
      `<https://herd.test/api/v2/notifications?max_id=${v1[3].id}>; rel="next", ` +
        `<https://herd.test/api/v2/notifications?min_id=${v1[0].id}>; rel="prev"`,
    );
  });

  it("groups only grouped_types[], others become single groups", async () => {
    const { body } = await grouped(alice, "?grouped_types[]=favourite");
    expect(body.notification_groups.map((g: any) => [g.type, g.notifications_count])).toEqual([
      ["mention", 1],
      ["follow", 1],
      ["follow", 1],
      ["favourite", 3],
    ]);
    expect(body.notification_groups[1].group_key).toBe(`ungrouped-${v1[1].id}`);
  });

  it("shows partial accounts with expand_accounts=partial_avatars", async () => {
    const { body } = await grouped(alice, "?expand_accounts=partial_avatars");
    expect(body.accounts.map((a: any) => a.id)).toEqual([
      friend.account.id,
      followers[1]!.account.id,
      fans[2]!.account.id,
    ]);
    expect(body.partial_accounts).toEqual(
      [followers[0]!, fans[1]!, fans[0]!].map((u) => ({
        id: u.account.id,
        acct: u.account.username,
        locked: false,
        bot: false,
        url: `https://herd.test/@${u.account.username}`,
        avatar: "https://herd.test/avatars/original/missing.png",
        avatar_static: "https://herd.test/avatars/original/missing.png",
      })),
    );
    const full = await grouped(alice, "?expand_accounts=full");
    expect(full.status).toBe(200);
    expect(full.body).not.toHaveProperty("partial_accounts");
    const bad = await grouped(alice, "?expand_accounts=all");
    expect(bad).toMatchObject({
      status: 400,
      body: {
        error:
          "Invalid value for 'expand_accounts': 'all', allowed values are 'full' and 'partial_avatars'",
      },
    });
  });

  it("pages by groups", async () => {
    const first = await grouped(alice, "?limit=2");
    expect(first.body.notification_groups.map((g: any) => g.type)).toEqual(["mention", "follow"]);
    const link = first.res.headers.get("link")!;
    expect(link).toContain(`?limit=2&max_id=${v1[1].id}>; rel="next"`);
    const second = await grouped(alice, `?limit=2&max_id=${v1[1].id}`);
    // The older follow comes back as the rest of its group on this page.
    expect(
      second.body.notification_groups.map((g: any) => [g.type, g.page_min_id, g.page_max_id]),
    ).toEqual([
      ["follow", v1[2].id, v1[2].id],
      ["favourite", v1[3].id, v1[3].id],
    ]);
    const newer = await grouped(alice, `?limit=2&min_id=${v1[5].id}`);
    expect(newer.body.notification_groups.map((g: any) => g.type)).toEqual(["follow", "favourite"]);
    const filtered = await grouped(alice, "?types[]=favourite");
    expect(filtered.body.notification_groups.map((g: any) => g.type)).toEqual(["favourite"]);
    const none = await grouped(alice, `?max_id=${v1[5].id}`);
    expect(none.body).toEqual({ accounts: [], statuses: [], notification_groups: [] });
    expect(none.res.headers.get("link")).toBeNull();
  });

  it("counts unread groups since the marker", async () => {
    const count = async (q = "") =>
      (await t.json(`/api/v2/notifications/unread_count${q}`, { token: alice.token })).body;
    expect(await count()).toEqual({ count: 3 });
    expect(await count("?grouped_types[]=favourite")).toEqual({ count: 4 });
    expect(await count("?limit=2")).toEqual({ count: 2 });
    await markNotificationsRead(t, alice, v1[2].id);
    expect(await count()).toEqual({ count: 2 });
    await markNotificationsRead(t, alice, v1[0].id);
    expect(await count()).toEqual({ count: 0 });
  });

  it("shows one group by its key, and 404 for unknown keys", async () => {
    const key = `favourite-${status}-${hourBucket()}`;
    const { status: code, body } = await t.json(`/api/v2/notifications/${key}`, {
      token: alice.token,
    });
    expect(code).toBe(200);
    expect(body.notification_groups).toEqual([
      {
        group_key: key,
        notifications_count: 3,
        type: "favourite",
        most_recent_notification_id: v1[3].id,
        sample_account_ids: [fans[2]!.account.id, fans[1]!.account.id, fans[0]!.account.id],
        status_id: status,
      },
    ]);
    expect(body.statuses.map((s: any) => s.id)).toEqual([status]);
    const single = await t.json(`/api/v2/notifications/ungrouped-${v1[0].id}`, {
      token: alice.token,
    });
    expect(single.body.notification_groups[0]).toMatchObject({
      group_key: `ungrouped-${v1[0].id}`,
      type: "mention",
      notifications_count: 1,
    });
    for (const bad of ["nope", "ungrouped-1", "ungrouped-abc"]) {
      expect(await t.json(`/api/v2/notifications/${bad}`, { token: alice.token })).toMatchObject({
        status: 404,
        body: { error: "Record not found" },
      });
    }
    const other = await t.json(`/api/v2/notifications/${key}`, { token: fans[0]!.token });
    expect(other.status).toBe(404);
  });

  it("lists a group's accounts, newest first, with pages", async () => {
    const key = `favourite-${status}-${hourBucket()}`;
    const all = await t.json(`/api/v2/notifications/${key}/accounts`, { token: alice.token });
    expect(all.status).toBe(200);
    expect(all.body.map((a: any) => a.id)).toEqual(
      [fans[2]!, fans[1]!, fans[0]!].map((u) => u.account.id),
    );
    const page = await t.json(`/api/v2/notifications/${key}/accounts?limit=2`, {
      token: alice.token,
    });
    expect(page.body.map((a: any) => a.id)).toEqual([fans[2]!.account.id, fans[1]!.account.id]);
    expect(page.res.headers.get("link")).toContain(`max_id=${v1[4].id}>; rel="next"`);
    const rest = await t.json(`/api/v2/notifications/${key}/accounts?max_id=${v1[4].id}`, {
      token: alice.token,
    });
    expect(rest.body.map((a: any) => a.id)).toEqual([fans[0]!.account.id]);
  });
});

describe("group keys", () => {
  it("keeps a group within 12 hours of its first bucket, and starts a new one after", async () => {
    const alice = await makeUser(t);
    const [a, b, c] = await makeUsers(3);
    const bucket = hourBucket();
    // A follow group that started 3 hours ago and was last added to an hour ago.
    await db.insert(notifications).values({
      id: newId(Date.now() - HOUR),
      accountId: alice.account.id,
      fromAccountId: a!.account.id,
      type: "follow",
      groupKey: `follow-${bucket - 3}`,
      createdAt: new Date(Date.now() - HOUR),
    });
    await notify(db, { accountId: alice.account.id, fromAccountId: b!.account.id, type: "follow" });
    const keys = async () =>
      (
        await db
          .select({ key: notifications.groupKey })
          .from(notifications)
          .where(eq(notifications.accountId, alice.account.id))
          .orderBy(notifications.id)
      ).map((r) => r.key);
    expect(await keys()).toEqual([`follow-${bucket - 3}`, `follow-${bucket - 3}`]);

    // A group whose last notification is older than 12 hours is over.
    const bob = await makeUser(t);
    await db.insert(notifications).values({
      id: newId(Date.now() - 13 * HOUR),
      accountId: bob.account.id,
      fromAccountId: a!.account.id,
      type: "follow",
      groupKey: `follow-${bucket - 11}`,
      createdAt: new Date(Date.now() - 13 * HOUR),
    });
    await notify(db, { accountId: bob.account.id, fromAccountId: c!.account.id, type: "follow" });
    const [latest] = await db
      .select({ key: notifications.groupKey })
      .from(notifications)
      .where(eq(notifications.accountId, bob.account.id))
      .orderBy(notifications.id)
      .offset(1);
    expect(latest!.key).toBe(`follow-${bucket}`);
  });

  it("keeps favourites of different statuses apart", async () => {
    const alice = await makeUser(t);
    const fan = await makeUser(t);
    const one = await postStatus(t, alice, { status: "one" });
    const two = await postStatus(t, alice, { status: "two" });
    await favourite(t, fan, one);
    await favourite(t, fan, two);
    const { body } = await grouped(alice);
    expect(body.notification_groups.map((g: any) => g.group_key)).toEqual([
      `favourite-${two}-${hourBucket()}`,
      `favourite-${one}-${hourBucket()}`,
    ]);
  });

  it("samples at most 8 accounts and counts them all", async () => {
    const alice = await makeUser(t);
    const status = await postStatus(t, alice, { status: "viral" });
    const fans = await makeUsers(10);
    for (const fan of fans) await favourite(t, fan, status);
    const { body } = await grouped(alice);
    expect(body.notification_groups).toHaveLength(1);
    expect(body.notification_groups[0].notifications_count).toBe(10);
    expect(body.notification_groups[0].sample_account_ids).toEqual(
      fans
        .slice(2)
        .reverse()
        .map((f) => f.account.id),
    );
    expect(body.accounts).toHaveLength(8);
  });
});

describe("dismissing a group", () => {
  it("dismisses every notification of the group, and nothing else", async () => {
    const alice = await makeUser(t);
    const fans = await makeUsers(2);
    const status = await postStatus(t, alice, { status: "x" });
    for (const fan of fans) await favourite(t, fan, status);
    await follow(t, fans[0]!, alice);
    const key = `favourite-${status}-${hourBucket()}`;
    const res = await t.json(`/api/v2/notifications/${key}/dismiss`, {
      method: "POST",
      token: alice.token,
    });
    expect(res).toMatchObject({ status: 200, body: {} });
    const { body } = await grouped(alice);
    expect(body.notification_groups.map((g: any) => g.type)).toEqual(["follow"]);
    const single = body.notification_groups[0].group_key as string;
    const [row] = await db
      .select({ id: notifications.id })
      .from(notifications)
      .where(eq(notifications.accountId, alice.account.id));
    await t.json(`/api/v2/notifications/ungrouped-${row!.id}/dismiss`, {
      method: "POST",
      token: alice.token,
    });
    expect((await grouped(alice)).body.notification_groups).toEqual([]);
    expect(single).toBe(`follow-${hourBucket()}`);
    // Nothing to dismiss is fine.
    const none = await t.json("/api/v2/notifications/nothing-here/dismiss", {
      method: "POST",
      token: alice.token,
    });
    expect(none).toMatchObject({ status: 200, body: {} });
  });
});

describe("privacy", () => {
  it("leaves out groups about statuses the recipient can no longer see", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const fan = await makeUser(t);
    const status = await postStatus(t, alice, { status: "gone soon" });
    await favourite(t, fan, status);
    await follow(t, bob, alice);
    await db.update(statuses).set({ deletedAt: new Date() }).where(eq(statuses.id, status));
    const { body } = await grouped(alice);
    expect(body.notification_groups.map((g: any) => g.type)).toEqual(["follow"]);
    expect(body.statuses).toEqual([]);
    const key = `favourite-${status}-${hourBucket()}`;
    expect((await t.json(`/api/v2/notifications/${key}`, { token: alice.token })).status).toBe(404);
  });
});

describe("auth", async () => {
  const alice = await makeUser(t);
  const read = await tokenFor(t, alice.user.id, ["read:notifications"]);
  const write = await tokenFor(t, alice.user.id, ["write:notifications"]);
  const app = await tokenFor(t, null, ["read", "write"]);

  it.each([
    ["GET", "/api/v2/notifications", read, write],
    ["GET", "/api/v2/notifications/unread_count", read, write],
    ["GET", "/api/v2/notifications/follow-1", read, write],
    ["GET", "/api/v2/notifications/follow-1/accounts", read, write],
    ["POST", "/api/v2/notifications/follow-1/dismiss", write, read],
  ])("%s %s", async (method, path, right, wrong) => {
    expect(await t.json(path, { method })).toMatchObject({ status: 401 });
    expect(await t.json(path, { method, token: "nope" })).toMatchObject({ status: 401 });
    expect(await t.json(path, { method, token: wrong })).toMatchObject({
      status: 403,
      body: { error: "This action is outside the authorized scopes" },
    });
    expect(await t.json(path, { method, token: app })).toMatchObject({ status: 422 });
    expect([401, 403, 422]).not.toContain((await t.json(path, { method, token: right })).status);
  });
});
