// Favourites, boosts, bookmarks, pins and conversation mutes on statuses, and
// who favourited or boosted them (https://docs.joinmastodon.org/methods/statuses/),
// with their privacy rules: nothing about a status leaks to someone who may
// not see it, and blocks hold.
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  accounts,
  blocks,
  favourites,
  follows,
  homeFeedEntries,
  mutes,
  notifications,
  statuses,
  users,
} from "../src/db/schema/index.ts";
import { newId } from "../src/lib/ids.ts";
import { makeUser, postStatus, tokenFor, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const db = t.database.db;

const NOT_FOUND = { error: "Record not found" };
const NOT_ALLOWED = { error: "This action is not allowed" };

/** A status by `author`, posted through POST /api/v1/statuses. */
async function post(
  author: TestUser,
  options: { visibility?: "public" | "unlisted" | "private" | "direct"; mention?: TestUser[] } = {},
): Promise<string> {
  const mentioned = (options.mention ?? []).map((m) => ` @${m.account.username}`).join("");
  const status = await postStatus(t, author, {
    status: `hello${mentioned}`,
    visibility: options.visibility ?? "public",
  });
  return status.id as string;
}

async function follow(a: TestUser, b: TestUser) {
  await db
    .insert(follows)
    .values({ id: newId(), accountId: a.account.id, targetAccountId: b.account.id });
}

async function unfollow(a: TestUser, b: TestUser) {
  await db
    .delete(follows)
    .where(and(eq(follows.accountId, a.account.id), eq(follows.targetAccountId, b.account.id)));
}

async function block(a: TestUser, b: TestUser) {
  await db
    .insert(blocks)
    .values({ id: newId(), accountId: a.account.id, targetAccountId: b.account.id });
}

async function statusRow(id: string) {
  const [row] = await db.select().from(statuses).where(eq(statuses.id, id));
  return row!;
}

async function notificationsOf(recipient: TestUser, type: string, from: TestUser) {
  return db
    .select()
    .from(notifications)
    .where(
      and(
        eq(notifications.accountId, recipient.account.id),
        eq(notifications.fromAccountId, from.account.id),
        eq(notifications.type, type as never),
      ),
    );
}

const act = (user: TestUser | string, id: string, action: string) =>
  t.json(`/api/v1/statuses/${id}/${action}`, {
    method: "POST",
    token: typeof user === "string" ? user : user.token,
  });

describe("authentication and scopes", () => {
  const ACTIONS: [string, string][] = [
    ["favourite", "write:favourites"],
    ["unfavourite", "write:favourites"],
    ["reblog", "write:statuses"],
    ["unreblog", "write:statuses"],
    ["bookmark", "write:bookmarks"],
    ["unbookmark", "write:bookmarks"],
    ["pin", "write:accounts"],
    ["unpin", "write:accounts"],
    ["mute", "write:mutes"],
    ["unmute", "write:mutes"],
  ];

  it.each(ACTIONS)(
    "%s: 401 without a token, 403 out of scope, 422 for an app",
    async (action, scope) => {
      const me = await makeUser(t);
      const id = await post(me);
      const none = await t.json(`/api/v1/statuses/${id}/${action}`, { method: "POST" });
      expect(none.status).toBe(401);
      expect(none.body).toEqual({ error: "The access token is invalid" });
      const bad = await act("not-a-token", id, action);
      expect(bad.status).toBe(401);
      const readOnly = await tokenFor(t, me.user.id, ["read"]);
      const outOfScope = await act(readOnly, id, action);
      expect(outOfScope.status).toBe(403);
      expect(outOfScope.body).toEqual({ error: "This action is outside the authorized scopes" });
      const app = await tokenFor(t, null, ["write"]);
      const appOnly = await act(app, id, action);
      expect(appOnly.status).toBe(422);
      expect(appOnly.body).toEqual({ error: "This method requires an authenticated user" });
      const granular = await tokenFor(t, me.user.id, [scope]);
      const ok = await act(granular, id, action);
      expect(ok.status).toBe(200);
      expect(ok.body.id).toEqual(expect.any(String));
    },
  );

  it.each(ACTIONS)("%s: unknown and malformed ids are 404", async (action) => {
    const me = await makeUser(t);
    for (const id of ["1", "abc", "99999999999999999999", "-1"]) {
      const res = await act(me, id, action);
      expect(res.status).toBe(404);
      expect(res.body).toEqual(NOT_FOUND);
    }
  });

  it("answers a malformed JSON body with a 400, and takes form, multipart and JSON bodies", async () => {
    const me = await makeUser(t);
    const id = await post(me);
    const broken = await t.json(`/api/v1/statuses/${id}/favourite`, {
      method: "POST",
      token: me.token,
      body: "{",
      headers: { "content-type": "application/json" },
    });
    expect(broken.status).toBe(400);
    expect(broken.body.error).toEqual(expect.any(String));
    const json = await t.json(`/api/v1/statuses/${id}/favourite`, { token: me.token, json: {} });
    expect(json.body.favourited).toBe(true);
    const form = await t.json(`/api/v1/statuses/${id}/unfavourite`, {
      token: me.token,
      form: { x: "1" },
    });
    expect(form.body.favourited).toBe(false);
    const multipart = new FormData();
    multipart.set("x", "1");
    const mp = await t.json(`/api/v1/statuses/${id}/bookmark`, { token: me.token, multipart });
    expect(mp.body.bookmarked).toBe(true);
  });
});

describe("favourite and unfavourite", () => {
  it("favourites once, counts, notifies the author, and undoes all of it", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const id = await post(alice);
    const first = await act(bob, id, "favourite");
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id, favourited: true, favourites_count: 1 });
    const again = await act(bob, id, "favourite");
    expect(again.body).toMatchObject({ favourited: true, favourites_count: 1 });
    expect((await statusRow(id)).favouritesCount).toBe(1);
    const notes = await notificationsOf(alice, "favourite", bob);
    expect(notes.map((n) => n.statusId)).toEqual([id]);

    // The author sees the count but has not favourited it.
    const seen = await t.json(`/api/v1/statuses/${id}/favourited_by`, { token: alice.token });
    expect(seen.body.map((a: { id: string }) => a.id)).toEqual([bob.account.id]);

    const undo = await act(bob, id, "unfavourite");
    expect(undo.status).toBe(200);
    expect(undo.body).toMatchObject({ id, favourited: false, favourites_count: 0 });
    const undoAgain = await act(bob, id, "unfavourite");
    expect(undoAgain.body).toMatchObject({ favourited: false, favourites_count: 0 });
    expect((await statusRow(id)).favouritesCount).toBe(0);
    expect(await notificationsOf(alice, "favourite", bob)).toEqual([]);
  });

  it("favouriting a boost favourites the boosted status", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const carol = await makeUser(t);
    const id = await post(alice);
    const boost = await act(bob, id, "reblog");
    const fav = await act(carol, boost.body.id, "favourite");
    expect(fav.status).toBe(200);
    expect(fav.body.id).toBe(boost.body.id);
    expect(fav.body.reblog).toMatchObject({ id, favourited: true, favourites_count: 1 });
    expect((await statusRow(boost.body.id)).favouritesCount).toBe(0);
    const unfav = await act(carol, boost.body.id, "unfavourite");
    expect(unfav.body.reblog).toMatchObject({ id, favourited: false, favourites_count: 0 });
  });

  it("keeps private and direct statuses from those who may not see them", async () => {
    const alice = await makeUser(t);
    const follower = await makeUser(t);
    const outsider = await makeUser(t);
    const mentioned = await makeUser(t);
    await follow(follower, alice);
    const priv = await post(alice, { visibility: "private" });
    const direct = await post(alice, { visibility: "direct", mention: [mentioned] });

    for (const action of [
      "favourite",
      "unfavourite",
      "bookmark",
      "unbookmark",
      "mute",
      "unmute",
      "reblog",
      "unreblog",
      "pin",
      "unpin",
    ]) {
      for (const id of [priv, direct]) {
        const res = await act(outsider, id, action);
        expect([action, res.status, res.body]).toEqual([action, 404, NOT_FOUND]);
      }
    }
    expect((await act(follower, direct, "favourite")).status).toBe(404);
    expect((await act(follower, priv, "favourite")).body.favourited).toBe(true);
    expect((await act(mentioned, direct, "favourite")).body.favourited).toBe(true);
    expect((await statusRow(priv)).favouritesCount).toBe(1);
    expect((await statusRow(direct)).favouritesCount).toBe(1);

    // Who favourited is as private as the status.
    for (const path of ["favourited_by", "reblogged_by"]) {
      for (const id of [priv, direct]) {
        const res = await t.json(`/api/v1/statuses/${id}/${path}`, { token: outsider.token });
        expect(res.status).toBe(404);
        expect(res.body).toEqual(NOT_FOUND);
        const anonymous = await t.json(`/api/v1/statuses/${id}/${path}`);
        expect(anonymous.status).toBe(404);
      }
    }
    const byMention = await t.json(`/api/v1/statuses/${direct}/favourited_by`, {
      token: mentioned.token,
    });
    expect(byMention.body.map((a: { id: string }) => a.id)).toEqual([mentioned.account.id]);
  });

  it("lets a favourite go after the status became hidden, without revealing it", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const carol = await makeUser(t);
    await follow(bob, alice);
    const priv = await post(alice, { visibility: "private" });
    expect((await act(bob, priv, "favourite")).body.favourited).toBe(true);
    await unfollow(bob, alice);
    expect((await act(bob, priv, "favourite")).status).toBe(404);
    // The undo is carried out, but the answer never shows what bob may not see.
    const undo = await act(bob, priv, "unfavourite");
    expect(undo.status).toBe(404);
    expect((await statusRow(priv)).favouritesCount).toBe(0);
    // Without a favourite to undo, a hidden status stays hidden.
    expect((await act(bob, priv, "unfavourite")).status).toBe(404);
    expect((await act(carol, priv, "unfavourite")).status).toBe(404);
  });

  it("holds blocks: the blocked get 404, those who block get 403", async () => {
    const alice = await makeUser(t);
    const blocked = await makeUser(t);
    const blocker = await makeUser(t);
    const id = await post(alice);
    await block(alice, blocked);
    for (const action of ["favourite", "reblog", "bookmark", "mute"]) {
      const res = await act(blocked, id, action);
      expect([action, res.status, res.body]).toEqual([action, 404, NOT_FOUND]);
    }
    const hidden = await t.json(`/api/v1/statuses/${id}/favourited_by`, { token: blocked.token });
    expect(hidden.status).toBe(404);

    await block(blocker, alice);
    for (const action of ["favourite", "reblog"]) {
      const res = await act(blocker, id, action);
      expect([action, res.status, res.body]).toEqual([action, 403, NOT_ALLOWED]);
    }
    // Bookmarking has no such rule in Mastodon.
    expect((await act(blocker, id, "bookmark")).body.bookmarked).toBe(true);
    const row = await statusRow(id);
    expect([row.favouritesCount, row.reblogsCount]).toEqual([0, 0]);
  });
});

describe("reblog and unreblog", () => {
  it("boosts once, counts, notifies, reaches feeds, and undoes all of it", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const erin = await makeUser(t);
    await follow(erin, bob);
    const id = await post(alice);
    const res = await act(bob, id, "reblog");
    expect(res.status).toBe(200);
    const boostId: string = res.body.id;
    expect(boostId).not.toBe(id);
    expect(res.body).toMatchObject({
      visibility: "public",
      account: { id: bob.account.id },
      reblog: { id, reblogged: true, reblogs_count: 1, account: { id: alice.account.id } },
    });
    expect(res.body.uri).toMatch(
      new RegExp(`/users/${bob.account.username}/statuses/${boostId}/activity$`),
    );

    const again = await act(bob, id, "reblog");
    expect(again.body.id).toBe(boostId);
    expect(again.body.reblog.reblogs_count).toBe(1);
    expect((await statusRow(id)).reblogsCount).toBe(1);
    const [booster] = await db.select().from(accounts).where(eq(accounts.id, bob.account.id));
    expect(booster!.statusesCount).toBe(1);
    expect((await notificationsOf(alice, "reblog", bob)).map((n) => n.statusId)).toEqual([id]);
    await t.drainJobs();
    const feed = await db
      .select()
      .from(homeFeedEntries)
      .where(
        and(eq(homeFeedEntries.accountId, erin.account.id), eq(homeFeedEntries.statusId, boostId)),
      );
    expect(feed).toHaveLength(1);

    const undo = await act(bob, id, "unreblog");
    expect(undo.status).toBe(200);
    expect(undo.body).toMatchObject({ id, reblogged: false, reblogs_count: 0 });
    expect((await statusRow(boostId)).deletedAt).not.toBeNull();
    expect((await statusRow(id)).reblogsCount).toBe(0);
    expect(await notificationsOf(alice, "reblog", bob)).toEqual([]);
    const gone = await db
      .select()
      .from(homeFeedEntries)
      .where(eq(homeFeedEntries.statusId, boostId));
    expect(gone).toEqual([]);
    const [after] = await db.select().from(accounts).where(eq(accounts.id, bob.account.id));
    expect(after!.statusesCount).toBe(0);
    const undoAgain = await act(bob, id, "unreblog");
    expect(undoAgain.body).toMatchObject({ id, reblogged: false, reblogs_count: 0 });

    // A new boost after an undo is a new status.
    const redo = await act(bob, id, "reblog");
    expect(redo.body.id).not.toBe(boostId);
    expect(redo.body.reblog.reblogs_count).toBe(1);
  });

  it("takes the visibility parameter, else the booster's default", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const id = await post(alice);
    const unlisted = await t.json(`/api/v1/statuses/${id}/reblog`, {
      token: bob.token,
      form: { visibility: "unlisted" },
    });
    expect(unlisted.body.visibility).toBe("unlisted");

    const carol = await makeUser(t);
    await db
      .update(users)
      .set({ settings: { default_privacy: "private" } })
      .where(eq(users.id, carol.user.id));
    expect((await act(carol, id, "reblog")).body.visibility).toBe("private");

    const dave = await makeUser(t);
    const query = await t.json(`/api/v1/statuses/${id}/reblog?visibility=private`, {
      method: "POST",
      token: dave.token,
    });
    expect(query.body.visibility).toBe("private");

    const erin = await makeUser(t);
    const multipart = new FormData();
    multipart.set("visibility", "unlisted");
    expect(
      (await t.json(`/api/v1/statuses/${id}/reblog`, { token: erin.token, multipart })).body
        .visibility,
    ).toBe("unlisted");

    const frank = await makeUser(t);
    const bad = await t.json(`/api/v1/statuses/${id}/reblog`, {
      token: frank.token,
      json: { visibility: "everyone" },
    });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({
      error: "Validation failed: Visibility is not included in the list",
    });
    expect((await statusRow(id)).reblogsCount).toBe(4);

    // Private boosts count but are not listed among the boosters.
    const by = await t.json(`/api/v1/statuses/${id}/reblogged_by`);
    expect(by.body.map((a: { id: string }) => a.id).sort()).toEqual(
      [bob.account.id, erin.account.id].sort(),
    );
  });

  it("boosts private statuses only for their author, keeping them private, and never direct ones", async () => {
    const alice = await makeUser(t);
    const follower = await makeUser(t);
    const mentioned = await makeUser(t);
    await follow(follower, alice);
    const priv = await post(alice, { visibility: "private" });
    const direct = await post(alice, { visibility: "direct", mention: [mentioned] });

    const byFollower = await act(follower, priv, "reblog");
    expect(byFollower.status).toBe(403);
    expect(byFollower.body).toEqual(NOT_ALLOWED);
    const byMentioned = await act(mentioned, direct, "reblog");
    expect(byMentioned.status).toBe(403);
    const ownDirect = await act(alice, direct, "reblog");
    expect(ownDirect.status).toBe(403);

    const own = await t.json(`/api/v1/statuses/${priv}/reblog`, {
      token: alice.token,
      json: { visibility: "public" },
    });
    expect(own.status).toBe(200);
    expect(own.body.visibility).toBe("private");
    expect(own.body.reblog).toMatchObject({ id: priv, reblogs_count: 1, reblogged: true });
    // No notification to oneself.
    expect(await notificationsOf(alice, "reblog", alice)).toEqual([]);
    // The follower sees the count but not the private boost among the boosters.
    const by = await t.json(`/api/v1/statuses/${priv}/reblogged_by`, { token: follower.token });
    expect(by.status).toBe(200);
    expect(by.body).toEqual([]);
  });

  it("boosting a boost boosts the original, and unreblog needs the original's id", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const carol = await makeUser(t);
    const id = await post(alice);
    const bobs = await act(bob, id, "reblog");
    const carols = await act(carol, bobs.body.id, "reblog");
    expect(carols.body.reblog.id).toBe(id);
    expect(carols.body.reblog.reblogs_count).toBe(2);
    // Unreblogging the boost's id finds no boost of it: nothing changes.
    const wrong = await act(carol, bobs.body.id, "unreblog");
    expect(wrong.status).toBe(200);
    expect(wrong.body.id).toBe(bobs.body.id);
    expect((await statusRow(id)).reblogsCount).toBe(2);
    expect((await act(carol, id, "unreblog")).body.reblogs_count).toBe(1);
  });

  it("unreblogs a status that became hidden, and 404s a hidden one never boosted", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const id = await post(alice);
    await act(bob, id, "reblog");
    await block(alice, bob);
    // The boost is withdrawn, but the answer never shows what bob may not see.
    const undo = await act(bob, id, "unreblog");
    expect(undo.status).toBe(404);
    expect((await statusRow(id)).reblogsCount).toBe(0);
    expect((await act(bob, id, "unreblog")).status).toBe(404);
  });
});

describe("favourited_by and reblogged_by", () => {
  it("pages by favourite id with Link headers, 40 by default and 80 at most", async () => {
    const alice = await makeUser(t);
    const id = await post(alice);
    const fans: TestUser[] = [];
    for (let i = 0; i < 3; i++) {
      const fan = await makeUser(t);
      fans.push(fan);
      await act(fan, id, "favourite");
    }
    const favIds = (
      await db.select().from(favourites).where(eq(favourites.statusId, id)).orderBy(favourites.id)
    ).map((f) => f.id);

    const all = await t.json(`/api/v1/statuses/${id}/favourited_by`);
    expect(all.status).toBe(200);
    expect(all.body.map((a: { id: string }) => a.id)).toEqual(
      fans.map((f) => f.account.id).reverse(),
    );
    expect(all.body[0]).toMatchObject({
      username: fans[2]!.account.username,
      acct: fans[2]!.account.username,
    });
    // The page is not full: no next link.
    expect(all.res.headers.get("link")).toBe(
      `<https://herd.test/api/v1/statuses/${id}/favourited_by?min_id=${favIds[2]}>; rel="prev"`,
    );

    const first = await t.json(`/api/v1/statuses/${id}/favourited_by?limit=2`);
    expect(first.body.map((a: { id: string }) => a.id)).toEqual([
      fans[2]!.account.id,
      fans[1]!.account.id,
    ]);
    expect(first.res.headers.get("link")).toBe(
      `<https://herd.test/api/v1/statuses/${id}/favourited_by?limit=2&max_id=${favIds[1]}>; rel="next", ` +
        `<https://herd.test/api/v1/statuses/${id}/favourited_by?limit=2&min_id=${favIds[2]}>; rel="prev"`,
    );
    const next = await t.json(`/api/v1/statuses/${id}/favourited_by?limit=2&max_id=${favIds[1]}`);
    expect(next.body.map((a: { id: string }) => a.id)).toEqual([fans[0]!.account.id]);
    const prev = await t.json(`/api/v1/statuses/${id}/favourited_by?limit=2&min_id=${favIds[0]}`);
    expect(prev.body.map((a: { id: string }) => a.id)).toEqual([
      fans[2]!.account.id,
      fans[1]!.account.id,
    ]);
    const since = await t.json(
      `/api/v1/statuses/${id}/favourited_by?limit=1&since_id=${favIds[0]}`,
    );
    expect(since.body.map((a: { id: string }) => a.id)).toEqual([fans[2]!.account.id]);
    const empty = await t.json(`/api/v1/statuses/${id}/favourited_by?max_id=${favIds[0]}`);
    expect(empty.body).toEqual([]);
    expect(empty.res.headers.get("link")).toBeNull();
    // Unreadable limits fall back to the default.
    const odd = await t.json(`/api/v1/statuses/${id}/favourited_by?limit=abc`);
    expect(odd.body).toHaveLength(3);
  });

  it("caps the page at 80 accounts", async () => {
    const alice = await makeUser(t);
    const id = await post(alice);
    const fans = await Promise.all(Array.from({ length: 85 }, () => makeUser(t)));
    await db
      .insert(favourites)
      .values(fans.map((f) => ({ id: newId(), accountId: f.account.id, statusId: id })));
    const capped = await t.json(`/api/v1/statuses/${id}/favourited_by?limit=500`);
    expect(capped.body).toHaveLength(80);
    const byDefault = await t.json(`/api/v1/statuses/${id}/favourited_by`);
    expect(byDefault.body).toHaveLength(40);
    expect(byDefault.res.headers.get("link")).toContain('rel="next"');
  });

  it("pages boosters by the boost's id and leaves out suspended, blocked and muted accounts", async () => {
    const alice = await makeUser(t);
    const viewer = await makeUser(t);
    const [plain, blockedByViewer, blockingViewer, mutedByViewer, suspended] = await Promise.all(
      Array.from({ length: 5 }, () => makeUser(t)),
    );
    const id = await post(alice);
    for (const u of [plain!, blockedByViewer!, blockingViewer!, mutedByViewer!, suspended!]) {
      await act(u, id, "reblog");
      await act(u, id, "favourite");
    }
    await block(viewer, blockedByViewer!);
    await block(blockingViewer!, viewer);
    await db.insert(mutes).values({
      id: newId(),
      accountId: viewer.account.id,
      targetAccountId: mutedByViewer!.account.id,
    });
    await db
      .update(accounts)
      .set({ suspendedAt: new Date() })
      .where(eq(accounts.id, suspended!.account.id));

    for (const path of ["favourited_by", "reblogged_by"]) {
      const seen = await t.json(`/api/v1/statuses/${id}/${path}`, { token: viewer.token });
      expect([path, seen.body.map((a: { id: string }) => a.id)]).toEqual([
        path,
        [plain!.account.id],
      ]);
      const anonymous = await t.json(`/api/v1/statuses/${id}/${path}`);
      expect(anonymous.body.map((a: { id: string }) => a.id)).toEqual(
        [mutedByViewer!, blockingViewer!, blockedByViewer!, plain!].map((u) => u.account.id),
      );
    }

    const boosts = (
      await db.select().from(statuses).where(eq(statuses.reblogOfId, id)).orderBy(statuses.id)
    ).map((s) => s.id);
    // The newest shown boost (the suspended booster's is newer but left out).
    const page = await t.json(`/api/v1/statuses/${id}/reblogged_by?limit=1`);
    expect(page.res.headers.get("link")).toContain(`max_id=${boosts[3]}>; rel="next"`);
  });

  it("checks a token when one is sent", async () => {
    const alice = await makeUser(t);
    const id = await post(alice);
    const profile = await tokenFor(t, alice.user.id, ["profile"]);
    for (const path of ["favourited_by", "reblogged_by"]) {
      const res = await t.json(`/api/v1/statuses/${id}/${path}`, { token: profile });
      expect(res.status).toBe(403);
      const granular = await tokenFor(t, alice.user.id, ["read:accounts"]);
      expect((await t.json(`/api/v1/statuses/${id}/${path}`, { token: granular })).status).toBe(
        200,
      );
      const app = await tokenFor(t, null, ["read"]);
      expect((await t.json(`/api/v1/statuses/${id}/${path}`, { token: app })).status).toBe(200);
      const missing = await t.json(`/api/v1/statuses/1/${path}`);
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual(NOT_FOUND);
    }
  });
});

describe("pin and unpin", () => {
  it("pins own public, unlisted and private statuses, five at most", async () => {
    const alice = await makeUser(t);
    const ids = [
      await post(alice),
      await post(alice, { visibility: "unlisted" }),
      await post(alice, { visibility: "private" }),
      await post(alice),
      await post(alice),
    ];
    for (const id of ids) {
      const res = await act(alice, id, "pin");
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id, pinned: true });
    }
    const sixth = await act(alice, await post(alice), "pin");
    expect(sixth.status).toBe(422);
    expect(sixth.body).toEqual({
      error: "Validation failed: You have already pinned the maximum number of posts",
    });
    const again = await act(alice, ids[0]!, "pin");
    expect(again.status).toBe(422);

    const unpin = await act(alice, ids[0]!, "unpin");
    expect(unpin.body).toMatchObject({ id: ids[0], pinned: false });
    expect((await act(alice, ids[0]!, "unpin")).body.pinned).toBe(false);
    expect((await act(alice, ids[0]!, "pin")).body.pinned).toBe(true);
  });

  it("refuses others' statuses, boosts and direct statuses with Mastodon's messages", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const id = await post(alice);
    const others = await act(bob, id, "pin");
    expect(others.status).toBe(422);
    expect(others.body).toEqual({
      error: "Validation failed: Someone else's post cannot be pinned",
    });

    const boost = await act(bob, id, "reblog");
    const pinBoost = await act(bob, boost.body.id, "pin");
    expect(pinBoost.status).toBe(422);
    expect(pinBoost.body).toEqual({ error: "Validation failed: A boost cannot be pinned" });

    const direct = await post(bob, { visibility: "direct" });
    const pinDirect = await act(bob, direct, "pin");
    expect(pinDirect.status).toBe(422);
    expect(pinDirect.body).toEqual({
      error: "Validation failed: Posts that are only visible to mentioned users cannot be pinned",
    });

    const twice = await act(bob, id, "pin");
    expect(twice.body.error).toBe("Validation failed: Someone else's post cannot be pinned");
  });

  it("says Duplicate record when pinning a pinned status", async () => {
    const alice = await makeUser(t);
    const id = await post(alice);
    await act(alice, id, "pin");
    const again = await act(alice, id, "pin");
    expect(again.status).toBe(422);
    expect(again.body).toEqual({ error: "Duplicate record" });
  });
});

describe("mute and unmute", () => {
  it("mutes the conversation of any status the viewer sees", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const id = await post(alice);
    const muted = await act(bob, id, "mute");
    expect(muted.status).toBe(200);
    expect(muted.body).toMatchObject({ id, muted: true });
    expect((await act(bob, id, "mute")).body.muted).toBe(true);
    // Only for the viewer.
    const forAlice = await t.json(`/api/v1/statuses/${id}/unfavourite`, {
      method: "POST",
      token: alice.token,
    });
    expect(forAlice.body.muted).toBe(false);
    const unmuted = await act(bob, id, "unmute");
    expect(unmuted.body).toMatchObject({ id, muted: false });
    expect((await act(bob, id, "unmute")).body.muted).toBe(false);
  });

  it("silences the thread's notifications for the one who muted it", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const carol = await makeUser(t);
    const id = await post(alice);
    expect((await act(alice, id, "mute")).body.muted).toBe(true);
    await act(bob, id, "favourite");
    expect(await notificationsOf(alice, "favourite", bob)).toEqual([]);
    expect((await act(alice, id, "unmute")).body.muted).toBe(false);
    await act(carol, id, "favourite");
    expect(await notificationsOf(alice, "favourite", carol)).toHaveLength(1);
  });

  it("is a 422 for a status without a conversation", async () => {
    const alice = await makeUser(t);
    const [row] = await db
      .insert(statuses)
      .values({ id: newId(), accountId: alice.account.id, text: "x", content: "<p>x</p>" })
      .returning();
    const res = await act(alice, row!.id, "mute");
    expect(res.status).toBe(422);
    expect(res.body.error).toEqual(expect.any(String));
  });
});
