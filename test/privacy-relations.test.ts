// The privacy matrix, part 3: blocks, follow requests, boosts and
// notifications that outlive access (HERD issue P2, point 6). A blocked
// account cannot follow the blocker, see their posts, or reach them with
// mentions; a follow request is not a follow; a boost carries no status past
// a block in either direction; a notification never points at a status its
// recipient may no longer see.
// https://docs.joinmastodon.org/methods/accounts/#block
import { describe, expect, it } from "vitest";
import { makeUser, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import { holds } from "./kit/privacy-scene.ts";
import { block, favourite, follow, postStatus, reblog } from "./kit/social.ts";

const t = await createTestInstance();

const get = async (user: TestUser | null, path: string) => {
  const res = await t.json(path, { token: user?.token });
  return { status: res.status, body: res.body as any };
};

async function post(user: TestUser, json: Record<string, unknown>): Promise<any> {
  const res = await t.json("/api/v1/statuses", { method: "POST", token: user.token, json });
  expect(res.status).toBe(200);
  return res.body;
}

/** The ids of the statuses `user`'s v1 notifications are about, and those the v2 groups are about. */
async function notifiedAbout(user: TestUser): Promise<{ v1: string[]; v2: string[] }> {
  const v1 = await get(user, "/api/v1/notifications?limit=80");
  const v2 = await get(user, "/api/v2/notifications?limit=80");
  expect(v1.status).toBe(200);
  expect(v2.status).toBe(200);
  const grouped = v2.body.notification_groups.map((g: { status_id: string | null }) => g.status_id);
  // No status is sent along that no group is about.
  for (const s of v2.body.statuses) expect(grouped).toContain(s.id);
  return {
    v1: v1.body.map((n: { status?: { id: string } | null }) => n.status?.id).filter(Boolean),
    v2: grouped.filter(Boolean),
  };
}

/** The ids of the notifications `user` gets from account `fromId` (v1). */
async function notificationsFrom(user: TestUser, fromId: string): Promise<string[]> {
  const res = await get(user, `/api/v1/notifications?limit=80`);
  expect(res.status).toBe(200);
  return res.body
    .filter((n: { account: { id: string } }) => n.account.id === fromId)
    .map((n: { id: string }) => n.id);
}

describe("a blocked account", async () => {
  const blocker = await makeUser(t);
  const blocked = await makeUser(t);
  const outsider = await makeUser(t);
  await follow(t, blocked, blocker);
  const before = await postStatus(t, blocker, { status: "before the block", visibility: "public" });
  await favourite(t, blocked, before);
  const notifiedBefore = await notificationsFrom(blocker, blocked.account.id);
  await block(t, blocker, blocked);
  const after = await postStatus(t, blocker, { status: "after the block", visibility: "public" });
  await t.drainJobs();

  it("no longer follows the blocker, and cannot follow again (403)", async () => {
    const rel = await get(blocked, `/api/v1/accounts/relationships?id[]=${blocker.account.id}`);
    expect(rel.body[0]).toMatchObject({ following: false, blocked_by: true });
    const res = await t.json(`/api/v1/accounts/${blocker.account.id}/follow`, {
      method: "POST",
      token: blocked.token,
    });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: "This action is not allowed" });
  });

  it("cannot be followed by the blocker either (403)", async () => {
    const res = await t.json(`/api/v1/accounts/${blocked.account.id}/follow`, {
      method: "POST",
      token: blocker.token,
    });
    expect(res.status).toBe(403);
  });

  it("sees none of the blocker's posts, old or new, on any path", async () => {
    for (const id of [before, after]) {
      expect((await get(blocked, `/api/v1/statuses/${id}`)).status).toBe(404);
      expect((await get(blocked, `/api/v1/statuses/${id}/context`)).status).toBe(404);
      // The same posts are there for others.
      expect((await get(outsider, `/api/v1/statuses/${id}`)).status).toBe(200);
    }
    for (const path of [
      "/api/v1/timelines/home",
      "/api/v1/timelines/public",
      `/api/v1/accounts/${blocker.account.id}/statuses`,
      `/api/v1/statuses?id[]=${before}&id[]=${after}`,
    ]) {
      const res = await get(blocked, path);
      expect(res.status).toBe(200);
      expect(holds(res.body, before) || holds(res.body, after)).toBe(false);
    }
    const pub = await get(outsider, "/api/v1/timelines/public");
    expect(holds(pub.body, before) && holds(pub.body, after)).toBe(true);
  });

  it("cannot reply to, favourite, bookmark or boost the blocker's posts (404)", async () => {
    for (const action of ["favourite", "bookmark", "reblog"]) {
      const res = await t.request(`/api/v1/statuses/${after}/${action}`, {
        method: "POST",
        token: blocked.token,
      });
      expect(res.status).toBe(404);
    }
    const reply = await t.json("/api/v1/statuses", {
      method: "POST",
      token: blocked.token,
      json: { status: "re", in_reply_to_id: after },
    });
    expect(reply.status).toBe(404);
  });

  it("takes its earlier notifications (a follow, a favourite) out of the blocker's", async () => {
    expect(notifiedBefore).toHaveLength(2);
    expect(await notificationsFrom(blocker, blocked.account.id)).toEqual([]);
    const v2 = await get(blocker, "/api/v2/notifications");
    expect(v2.body.accounts.map((a: { id: string }) => a.id)).not.toContain(blocked.account.id);
  });

  it("does not notify the blocker with mentions, public or direct", async () => {
    const mention = `@${blocker.account.username}`;
    const fromBlocked = [
      await post(blocked, { status: `${mention} hello`, visibility: "public" }),
      await post(blocked, { status: `${mention} psst`, visibility: "direct" }),
    ];
    const control = await post(outsider, { status: `${mention} hello`, visibility: "public" });
    await t.drainJobs();

    const about = await notifiedAbout(blocker);
    expect(about.v1).toContain(control.id);
    expect(about.v2).toContain(control.id);
    for (const s of fromBlocked) {
      expect(about.v1).not.toContain(s.id);
      expect(about.v2).not.toContain(s.id);
    }
    expect(await notificationsFrom(blocker, blocked.account.id)).toEqual([]);
    // Not held back as a request either, and no conversation.
    const requests = await get(blocker, "/api/v1/notifications/requests");
    expect(requests.status).toBe(200);
    expect(requests.body.map((r: { account: { id: string } }) => r.account.id)).not.toContain(
      blocked.account.id,
    );
    const conversations = await get(blocker, "/api/v1/conversations");
    expect(
      holds(
        conversations.body.map((c: { last_status: unknown }) => c.last_status),
        fromBlocked[1].id,
      ),
    ).toBe(false);
  });
});

describe("a pending follow request to a locked account", async () => {
  const locked = await makeUser(t);
  const requester = await makeUser(t);
  await t.json("/api/v1/accounts/update_credentials", {
    method: "PATCH",
    token: locked.token,
    json: { locked: true },
  });
  const requested = await t.json(`/api/v1/accounts/${locked.account.id}/follow`, {
    method: "POST",
    token: requester.token,
  });
  // Asking to follow is enough to list the account (Mastodon allows it).
  const list = await t.json("/api/v1/lists", {
    method: "POST",
    token: requester.token,
    json: { title: "pending" },
  });
  const listed = await t.request(`/api/v1/lists/${list.body.id}/accounts`, {
    method: "POST",
    token: requester.token,
    json: { account_ids: [locked.account.id] },
  });
  const secret = await postStatus(t, locked, { status: "followers only", visibility: "private" });
  await t.drainJobs();

  it("is a request, not a follow", () => {
    expect(requested.status).toBe(200);
    expect(requested.body).toMatchObject({ following: false, requested: true });
    expect(listed.status).toBe(200);
  });

  it("shows no private post on any path", async () => {
    expect((await get(requester, `/api/v1/statuses/${secret}`)).status).toBe(404);
    for (const path of [
      `/api/v1/statuses?id[]=${secret}`,
      `/api/v1/accounts/${locked.account.id}/statuses`,
      "/api/v1/timelines/home",
      `/api/v1/timelines/list/${list.body.id}`,
    ]) {
      const res = await get(requester, path);
      expect(res.status).toBe(200);
      expect(holds(res.body, secret)).toBe(false);
    }
  });

  it("once accepted, opens the private posts", async () => {
    const accepted = await t.request(`/api/v1/follow_requests/${requester.account.id}/authorize`, {
      method: "POST",
      token: locked.token,
    });
    expect(accepted.status).toBe(200);
    await t.drainJobs();
    expect((await get(requester, `/api/v1/statuses/${secret}`)).status).toBe(200);
    const home = await get(requester, "/api/v1/timelines/home");
    expect(holds(home.body, secret)).toBe(true);
  });
});

describe("a boost by an account one blocks", async () => {
  const reader = await makeUser(t);
  const booster = await makeUser(t);
  const poster = await makeUser(t);
  await follow(t, reader, booster);
  const original = await postStatus(t, poster, { status: "worth a boost" });
  await reblog(t, booster, original);
  await t.drainJobs();
  const home = await get(reader, "/api/v1/timelines/home");
  const boostId = home.body.find((s: { reblog?: { id: string } }) => s.reblog?.id === original)?.id;
  await block(t, reader, booster);
  await t.drainJobs();

  it("reached the reader while they followed the booster", () => {
    expect(boostId).toBeTypeOf("string");
  });

  it("leaves the blocker's home timeline", async () => {
    const res = await get(reader, "/api/v1/timelines/home");
    expect(res.status).toBe(200);
    expect(holds(res.body, original)).toBe(false);
  });

  it("leaves lists of statuses asked by id", async () => {
    const res = await get(reader, `/api/v1/statuses?id[]=${boostId}&id[]=${original}`);
    expect(res.body.map((s: { id: string }) => s.id)).toEqual([original]);
  });

  it("leaves /reblogged_by for the blocker, not for others", async () => {
    const path = `/api/v1/statuses/${original}/reblogged_by`;
    expect((await get(reader, path)).body).toEqual([]);
    const others = await get(poster, path);
    expect(others.body.map((a: { id: string }) => a.id)).toEqual([booster.account.id]);
  });
});

describe("a boost of a blocker's post by someone else", async () => {
  const author = await makeUser(t);
  const blocked = await makeUser(t);
  const booster = await makeUser(t);
  const control = await makeUser(t);
  await follow(t, blocked, booster);
  await follow(t, control, booster);
  await block(t, author, blocked);
  const original = await postStatus(t, author, { status: "not for the blocked" });
  await reblog(t, booster, original);
  await t.drainJobs();
  const controlHome = await get(control, "/api/v1/timelines/home");
  const boostId = controlHome.body.find(
    (s: { reblog?: { id: string } }) => s.reblog?.id === original,
  )?.id;

  it("reaches the booster's other followers", () => {
    expect(boostId).toBeTypeOf("string");
  });

  it("does not reach the blocked account's home timeline", async () => {
    const res = await get(blocked, "/api/v1/timelines/home");
    expect(res.status).toBe(200);
    expect(holds(res.body, original)).toBe(false);
  });

  it("cannot be opened by the blocked account (404), nor seen on the booster's profile", async () => {
    expect((await get(blocked, `/api/v1/statuses/${boostId}`)).status).toBe(404);
    const ids = await get(blocked, `/api/v1/statuses?id[]=${boostId}`);
    expect(ids.body).toEqual([]);
    const profile = await get(blocked, `/api/v1/accounts/${booster.account.id}/statuses`);
    expect(profile.status).toBe(200);
    expect(holds(profile.body, original)).toBe(false);
    const shown = await get(control, `/api/v1/accounts/${booster.account.id}/statuses`);
    expect(holds(shown.body, original)).toBe(true);
  });
});

describe("a notification whose status the recipient can no longer see", async () => {
  const author = await makeUser(t);
  const subscriber = await makeUser(t);
  const mentioned = await makeUser(t);
  const booster = await makeUser(t);
  const fan = await makeUser(t);

  // New-post notifications, for a follower who asked for them.
  const subscribed = await t.json(`/api/v1/accounts/${author.account.id}/follow`, {
    method: "POST",
    token: subscriber.token,
    json: { notify: true },
  });
  const forAll = await postStatus(t, author, { status: "for all", visibility: "public" });
  const forFollowers = await postStatus(t, author, {
    status: "for followers",
    visibility: "private",
  });
  // A mention, and an edit of a boosted status.
  const mention = await post(author, { status: `@${mentioned.account.username} hi` });
  const boosted = await postStatus(t, author, { status: "boost me" });
  await reblog(t, booster, boosted);
  const edited = await t.json(`/api/v1/statuses/${boosted}`, {
    method: "PUT",
    token: author.token,
    json: { status: "boost me, edited" },
  });
  // A favourite of a status that is then deleted.
  const faved = await postStatus(t, fan, { status: "fave me" });
  const favourited = await t.request(`/api/v1/statuses/${faved}/favourite`, {
    method: "POST",
    token: author.token,
  });
  await t.drainJobs();

  const seenBefore = {
    subscriber: await notifiedAbout(subscriber),
    mentioned: await notifiedAbout(mentioned),
    booster: await notifiedAbout(booster),
    fan: await notifiedAbout(fan),
  };

  await t.request(`/api/v1/accounts/${author.account.id}/unfollow`, {
    method: "POST",
    token: subscriber.token,
  });
  await block(t, author, mentioned);
  await block(t, author, booster);
  const deleted = await t.request(`/api/v1/statuses/${faved}`, {
    method: "DELETE",
    token: fan.token,
  });
  await t.drainJobs();

  it("was there while the recipient could see the status", () => {
    expect(subscribed.status).toBe(200);
    expect(edited.status).toBe(200);
    expect(favourited.status).toBe(200);
    expect(deleted.status).toBe(200);
    for (const v of ["v1", "v2"] as const) {
      expect(seenBefore.subscriber[v]).toEqual(expect.arrayContaining([forAll, forFollowers]));
      expect(seenBefore.mentioned[v]).toContain(mention.id);
      expect(seenBefore.booster[v]).toContain(boosted);
      expect(seenBefore.fan[v]).toContain(faved);
    }
  });

  it("a private post's notification goes when one unfollows; a public one stays", async () => {
    const about = await notifiedAbout(subscriber);
    for (const v of ["v1", "v2"] as const) {
      expect(about[v]).toContain(forAll);
      expect(about[v]).not.toContain(forFollowers);
    }
  });

  it("a mention goes when its author blocks the recipient", async () => {
    const about = await notifiedAbout(mentioned);
    expect(about.v1).not.toContain(mention.id);
    expect(about.v2).not.toContain(mention.id);
  });

  it("an edit notification goes when the author blocks the booster", async () => {
    const about = await notifiedAbout(booster);
    expect(about.v1).not.toContain(boosted);
    expect(about.v2).not.toContain(boosted);
  });

  it("a favourite notification goes with its deleted status", async () => {
    const about = await notifiedAbout(fan);
    expect(about.v1).not.toContain(faved);
    expect(about.v2).not.toContain(faved);
  });

  it("cannot be fetched by id either", async () => {
    const res = await get(mentioned, "/api/v1/notifications?limit=80");
    const all = await t.database.pool.query<{ id: string }>(
      "SELECT id::text FROM notifications WHERE account_id = $1 AND status_id = $2",
      [mentioned.account.id, mention.id],
    );
    expect(all.rows).toHaveLength(1);
    const id = all.rows[0]!.id;
    expect(res.body.map((n: { id: string }) => n.id)).not.toContain(id);
    expect((await get(mentioned, `/api/v1/notifications/${id}`)).status).toBe(404);
    // A mention is a group of its own.
    const group = `ungrouped-${id}`;
    expect((await get(mentioned, `/api/v2/notifications/${group}`)).status).toBe(404);
    const senders = await get(mentioned, `/api/v2/notifications/${group}/accounts`);
    expect(senders.body).toEqual([]);
  });

  it("is not counted as unread", async () => {
    for (const user of [subscriber, mentioned, booster, fan]) {
      const v1 = await get(user, "/api/v1/notifications?limit=80");
      const v1Count = await get(user, "/api/v1/notifications/unread_count");
      expect(v1Count.body).toEqual({ count: v1.body.length });
      const v2 = await get(user, "/api/v2/notifications?limit=80");
      const v2Count = await get(user, "/api/v2/notifications/unread_count");
      expect(v2Count.body).toEqual({ count: v2.body.notification_groups.length });
    }
    // The mentioned account has nothing left to read.
    expect((await get(mentioned, "/api/v1/notifications/unread_count")).body).toEqual({ count: 0 });
  });
});
