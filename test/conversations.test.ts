// Direct-message conversations (https://docs.joinmastodon.org/methods/conversations/):
// made by direct statuses for the author and the mentioned accounts (unread
// for recipients only), never for others or for what the rules hold back,
// pages by last status, mark read, remove, deleted statuses, and auth.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accountConversations } from "../src/db/schema/index.ts";
import { makeUser, tokenFor, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import { block, deleteStatusOf, postStatus, quietlyFollow } from "./kit/social.ts";

const t = await createTestInstance();
const db = t.database.db;

const conversations = async (user: TestUser, query = "") =>
  t.json(`/api/v1/conversations${query}`, { token: user.token });

const dm = (from: TestUser, to: TestUser[], text = "psst", inReplyTo?: string) =>
  postStatus(t, from, {
    status: `${to.map((u) => `@${u.account.username}`).join(" ")} ${text}`,
    visibility: "direct",
    ...(inReplyTo ? { in_reply_to_id: inReplyTo } : {}),
  });

/** Two users who follow each other, so that the policy lets their messages through. */
async function friends(): Promise<[TestUser, TestUser]> {
  const a = await makeUser(t);
  const b = await makeUser(t);
  await quietlyFollow(t, a, b);
  await quietlyFollow(t, b, a);
  return [a, b];
}

describe("conversations made by direct statuses", () => {
  it("shows the conversation to both sides, unread for the recipient only", async () => {
    const [alice, bob] = await friends();
    const status = await dm(alice, [bob]);
    const mine = await conversations(alice);
    expect(mine.status).toBe(200);
    expect(mine.body).toHaveLength(1);
    expect(mine.body[0]).toMatchObject({ unread: false, last_status: { id: status } });
    expect(mine.body[0].accounts.map((a: any) => a.id)).toEqual([bob.account.id]);
    expect(typeof mine.body[0].id).toBe("string");
    const theirs = (await conversations(bob)).body;
    expect(theirs).toHaveLength(1);
    expect(theirs[0]).toMatchObject({
      unread: true,
      last_status: { id: status, visibility: "direct" },
    });
    expect(theirs[0].accounts.map((a: any) => a.id)).toEqual([alice.account.id]);
    expect(theirs[0].id).not.toBe(mine.body[0].id);
  });

  it("follows the thread: a reply updates both and marks it unread for the other", async () => {
    const [alice, bob] = await friends();
    const first = await dm(alice, [bob]);
    const [bobs] = (await conversations(bob)).body;
    const read = await t.json(`/api/v1/conversations/${bobs.id}/read`, {
      method: "POST",
      token: bob.token,
    });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: bobs.id, unread: false, last_status: { id: first } });
    const reply = await dm(bob, [alice], "answer", first);
    const [alices] = (await conversations(alice)).body;
    expect(alices).toMatchObject({ unread: true, last_status: { id: reply } });
    const [bobsNow] = (await conversations(bob)).body;
    expect(bobsNow).toMatchObject({ id: bobs.id, unread: false, last_status: { id: reply } });
    expect((await conversations(bob)).body).toHaveLength(1);
  });

  it("keeps one conversation per set of participants", async () => {
    const [alice, bob] = await friends();
    const carol = await makeUser(t);
    await quietlyFollow(t, carol, alice);
    await dm(alice, [bob]);
    await dm(alice, [bob, carol]);
    const mine = (await conversations(alice)).body;
    expect(mine.map((c: any) => c.accounts.map((a: any) => a.id).sort())).toEqual([
      [bob.account.id, carol.account.id].sort(),
      [bob.account.id],
    ]);
    expect((await conversations(carol)).body[0].accounts.map((a: any) => a.id).sort()).toEqual(
      [alice.account.id, bob.account.id].sort(),
    );
  });

  it("shows oneself in a note to oneself", async () => {
    const alice = await makeUser(t);
    const note = await postStatus(t, alice, { status: "a note", visibility: "direct" });
    const [c] = (await conversations(alice)).body;
    expect(c).toMatchObject({ unread: false, last_status: { id: note } });
    expect(c.accounts.map((a: any) => a.id)).toEqual([alice.account.id]);
  });

  it("is not made by other visibilities, nor shown to others", async () => {
    const [alice, bob] = await friends();
    const carol = await makeUser(t);
    for (const visibility of ["public", "unlisted", "private"] as const) {
      await postStatus(t, alice, { status: `@${bob.account.username} hi`, visibility });
    }
    expect((await conversations(alice)).body).toEqual([]);
    await dm(alice, [bob]);
    expect((await conversations(carol)).body).toEqual([]);
    const [alices] = (await conversations(alice)).body;
    for (const [method, path] of [
      ["POST", `/api/v1/conversations/${alices.id}/read`],
      ["DELETE", `/api/v1/conversations/${alices.id}`],
      ["POST", "/api/v1/conversations/abc/read"],
      ["DELETE", "/api/v1/conversations/99999999999999999999"],
    ] as const) {
      expect(await t.json(path, { method, token: carol.token })).toMatchObject({
        status: 404,
        body: { error: "Record not found" },
      });
    }
  });

  it("leaves out what the rules hold back until the request is accepted", async () => {
    const alice = await makeUser(t);
    const stranger = await makeUser(t);
    const blocked = await makeUser(t);
    await block(t, alice, blocked);
    const held = await dm(stranger, [alice]);
    await dm(blocked, [alice]);
    expect((await conversations(alice)).body).toEqual([]);
    // By default private mentions from strangers wait in a request.
    const [request] = (await t.json("/api/v1/notifications/requests", { token: alice.token })).body;
    expect(request.account.id).toBe(stranger.account.id);
    await t.json(`/api/v1/notifications/requests/${request.id}/accept`, {
      method: "POST",
      token: alice.token,
    });
    const [c] = (await conversations(alice)).body;
    expect(c).toMatchObject({ unread: true, last_status: { id: held } });
    expect(c.accounts.map((a: any) => a.id)).toEqual([stranger.account.id]);
    expect((await conversations(alice)).body).toHaveLength(1);
  });
});

describe("removing and deleting", () => {
  it("removes a conversation from one's list only", async () => {
    const [alice, bob] = await friends();
    const first = await dm(alice, [bob]);
    const [bobs] = (await conversations(bob)).body;
    const res = await t.json(`/api/v1/conversations/${bobs.id}`, {
      method: "DELETE",
      token: bob.token,
    });
    expect(res).toMatchObject({ status: 200, body: {} });
    expect((await conversations(bob)).body).toEqual([]);
    expect((await conversations(alice)).body).toHaveLength(1);
    // A new message in the thread brings it back.
    const next = await dm(alice, [bob], "still there?", first);
    expect((await conversations(bob)).body[0]).toMatchObject({
      unread: true,
      last_status: { id: next },
    });
  });

  it("a deleted status leaves the conversations; the last one takes them away", async () => {
    const [alice, bob] = await friends();
    const first = await dm(alice, [bob]);
    const second = await dm(bob, [alice], "re", first);
    await deleteStatusOf(t, bob, second);
    expect((await conversations(alice)).body[0].last_status.id).toBe(first);
    expect((await conversations(bob)).body[0].last_status.id).toBe(first);
    await deleteStatusOf(t, alice, first);
    expect((await conversations(alice)).body).toEqual([]);
    expect((await conversations(bob)).body).toEqual([]);
    const rows = await db
      .select()
      .from(accountConversations)
      .where(eq(accountConversations.accountId, alice.account.id));
    expect(rows).toEqual([]);
  });
});

describe("GET /api/v1/conversations pages", () => {
  it("pages by last status with a Link header", async () => {
    const alice = await makeUser(t);
    const others = [await makeUser(t), await makeUser(t), await makeUser(t)];
    const last: string[] = [];
    for (const o of others) {
      await quietlyFollow(t, o, alice);
      last.push(await dm(alice, [o]));
    }
    const first = await conversations(alice, "?limit=2");
    expect(first.body.map((c: any) => c.last_status.id)).toEqual([last[2], last[1]]);
    expect(first.res.headers.get("link")).toBe(
      `<https://herd.test/api/v1/conversations?limit=2&max_id=${last[1]}>; rel="next", ` +
        `<https://herd.test/api/v1/conversations?limit=2&min_id=${last[2]}>; rel="prev"`,
    );
    const next = await conversations(alice, `?limit=2&max_id=${last[1]}`);
    expect(next.body.map((c: any) => c.last_status.id)).toEqual([last[0]]);
    expect(next.res.headers.get("link")).toBe(
      `<https://herd.test/api/v1/conversations?limit=2&min_id=${last[0]}>; rel="prev"`,
    );
    const newer = await conversations(alice, `?limit=1&min_id=${last[0]}`);
    expect(newer.body.map((c: any) => c.last_status.id)).toEqual([last[1]]);
    const since = await conversations(alice, `?since_id=${last[0]}`);
    expect(since.body.map((c: any) => c.last_status.id)).toEqual([last[2], last[1]]);
    expect((await conversations(alice, "?limit=100")).body).toHaveLength(3);
  });
});

describe("auth", async () => {
  const [alice, bob] = await friends();
  await dm(alice, [bob]);
  const [c] = (await conversations(alice)).body;
  const readStatuses = await tokenFor(t, alice.user.id, ["read:statuses"]);
  const writeConversations = await tokenFor(t, alice.user.id, ["write:conversations"]);
  const app = await tokenFor(t, null, ["read", "write"]);

  it.each([
    ["GET", "/api/v1/conversations", "read", "read:statuses"],
    ["POST", `/api/v1/conversations/${c.id}/read`, "write", "write:conversations"],
    ["DELETE", `/api/v1/conversations/${c.id}`, "write", "write:conversations"],
  ])("%s %s", async (method, path, broad) => {
    const right = broad === "read" ? readStatuses : writeConversations;
    const wrong = broad === "read" ? writeConversations : readStatuses;
    expect(await t.json(path, { method })).toMatchObject({
      status: 401,
      body: { error: "The access token is invalid" },
    });
    expect(await t.json(path, { method, token: wrong })).toMatchObject({
      status: 403,
      body: { error: "This action is outside the authorized scopes" },
    });
    expect(await t.json(path, { method, token: app })).toMatchObject({ status: 422 });
    expect((await t.json(path, { method, token: right })).status).toBe(200);
  });

  it("answers a malformed body with 400", async () => {
    const res = await t.json(`/api/v1/conversations/${c.id}/read`, {
      method: "POST",
      token: alice.token,
      body: "{",
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
  });
});
