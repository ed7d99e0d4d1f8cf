// Polls (https://docs.joinmastodon.org/methods/polls/, entities/Poll.md):
// made with a status (Mastodon's validations), read through the status's
// visibility, voted in (VoteValidator's refusals), counted, hidden totals,
// edited (votes reset), and closed by a durable job with `poll`
// notifications, exactly once.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { customEmojis } from "../src/db/schema/index.ts";
import { closePoll, sweepEndedPolls } from "../src/domain/polls/close.ts";
import { newId } from "../src/lib/ids.ts";
import { follow, makeUser, postStatus, tokenFor, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const db = t.database.db;

const post = (user: Pick<TestUser, "token">, json: unknown) =>
  t.json("/api/v1/statuses", { method: "POST", token: user.token, json });
const vote = (user: Pick<TestUser, "token"> | null, pollId: string, choices: unknown) =>
  t.json(`/api/v1/polls/${pollId}/votes`, {
    method: "POST",
    token: user?.token,
    json: { choices },
  });
const poll = (id: string, token?: string) => t.json(`/api/v1/polls/${id}`, { token });

async function postPoll(user: TestUser, pollParams: Record<string, unknown>, extra = {}) {
  return postStatus(t, user, {
    status: "Which one?",
    poll: { options: ["tea", "coffee", "water"], expires_in: 3600, ...pollParams },
    ...extra,
  });
}

/** Ends poll `id` now, as if its time had come. */
async function endPoll(id: string) {
  await db.execute(sql`UPDATE polls SET expires_at = now() - interval '1 second' WHERE id = ${id}`);
}

async function pollNotifications(user: TestUser) {
  const res = await t.json("/api/v1/notifications?types[]=poll", { token: user.token });
  return res.body as any[];
}

describe("POST /api/v1/statuses with a poll", () => {
  it("makes the poll, shown in the status", async () => {
    const alice = await makeUser(t);
    const before = Date.now();
    const status = await postPoll(alice, { multiple: "true", hide_totals: false });
    expect(status.poll).toMatchObject({
      expired: false,
      multiple: true,
      votes_count: 0,
      voters_count: 0,
      options: [
        { title: "tea", votes_count: 0 },
        { title: "coffee", votes_count: 0 },
        { title: "water", votes_count: 0 },
      ],
      emojis: [],
      // The author has always "voted".
      voted: true,
      own_votes: [],
    });
    const ends = Date.parse(status.poll.expires_at);
    expect(ends).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(ends).toBeLessThanOrEqual(Date.now() + 3_600_000);
    const visitor = await t.json(`/api/v1/statuses/${status.id}`);
    expect(visitor.body.poll).not.toHaveProperty("voted");
    expect(visitor.body.poll).not.toHaveProperty("own_votes");
    expect((await poll(status.poll.id)).body).toEqual(visitor.body.poll);
  });

  it("strips options and reads form parameters", async () => {
    const alice = await makeUser(t);
    const res = await t.json("/api/v1/statuses", {
      method: "POST",
      token: alice.token,
      form: [
        ["status", "form poll"],
        ["poll[options][]", " yes "],
        ["poll[options][]", "no"],
        ["poll[options][]", "  "],
        ["poll[expires_in]", "300"],
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.poll.options.map((o: any) => o.title)).toEqual(["yes", "no"]);
    expect(res.body.poll.multiple).toBe(false);
  });

  it("answers Mastodon's 422s", async () => {
    const alice = await makeUser(t);
    const cases: [unknown, string][] = [
      [{ options: ["only"], expires_in: 600 }, "Choices must have more than one item"],
      [
        { options: ["a", "b", "c", "d", "e"], expires_in: 600 },
        "Choices can't contain more than 4 items",
      ],
      [
        { options: ["a", "b".repeat(51)], expires_in: 600 },
        "Choices cannot be longer than 50 characters each",
      ],
      [{ options: ["a", "a"], expires_in: 600 }, "Choices contain duplicate items"],
      [{ options: ["a", "b"], expires_in: 60 }, "Deadline is too soon"],
      [{ options: ["a", "b"], expires_in: 3_000_000 }, "Deadline is too far into the future"],
      [{ options: ["a", "b"] }, "Deadline can't be blank"],
      [{ expires_in: 600 }, "Choices can't be blank, Choices must have more than one item"],
    ];
    for (const [p, error] of cases) {
      const res = await post(alice, { status: "x", poll: p });
      expect({ p, ...res }).toMatchObject({
        status: 422,
        body: { error: `Validation failed: ${error}` },
      });
    }
    expect(
      await post(alice, { status: "", poll: { options: ["a", "b"], expires_in: 600 } }),
    ).toMatchObject({
      status: 422,
      body: { error: "Validation failed: Text can't be blank" },
    });
    // 50 characters (graphemes) is fine; a poll with nothing permitted is no poll.
    expect(
      (
        await post(alice, {
          status: "x",
          poll: { options: ["a", "é".repeat(50)], expires_in: 300 },
        })
      ).status,
    ).toBe(200);
    const none = await post(alice, { status: "x", poll: { nothing: 1 } });
    expect(none.body.poll).toBeNull();
  });

  it("sends the closing job for the poll's end", async () => {
    const alice = await makeUser(t);
    const status = await postPoll(alice, { expires_in: 7200 });
    const { rows } = await db.execute<{ start_after: string }>(sql`
      SELECT start_after FROM pgboss.job WHERE name = 'polls.close' AND data ->> 'pollId' = ${status.poll.id}`);
    expect(rows).toHaveLength(1);
    const due = Date.parse(status.poll.expires_at);
    expect(Math.abs(Date.parse(rows[0]!.start_after) - due)).toBeLessThan(5_000);
    // Not due: draining does not run it.
    await t.drainJobs();
    expect((await poll(status.poll.id)).body.expired).toBe(false);
  });

  it("shows custom emojis of the options", async () => {
    const alice = await makeUser(t);
    await db.insert(customEmojis).values({
      id: newId(),
      shortcode: "tea_cup",
      imageUrl: "/emoji/tea.png",
      staticImageUrl: "/emoji/tea_static.png",
    });
    const status = await postStatus(t, alice, {
      status: "drinks",
      poll: { options: [":tea_cup: tea", "coffee"], expires_in: 600 },
    });
    expect(status.poll.emojis).toEqual([
      {
        shortcode: "tea_cup",
        url: "https://herd.test/emoji/tea.png",
        static_url: "https://herd.test/emoji/tea_static.png",
        visible_in_picker: true,
      },
    ]);
    expect((await poll(status.poll.id)).body.emojis).toEqual(status.poll.emojis);
  });
});

describe("GET /api/v1/polls/:id", () => {
  it("shows a poll only to those who may see its status", async () => {
    const alice = await makeUser(t);
    const follower = await makeUser(t);
    const stranger = await makeUser(t);
    await follow(t, follower, alice.account.id);
    const status = await postPoll(alice, {}, { visibility: "private" });
    expect((await poll(status.poll.id)).status).toBe(404);
    expect(await poll(status.poll.id, stranger.token)).toMatchObject({
      status: 404,
      body: { error: "Record not found" },
    });
    expect((await poll(status.poll.id, follower.token)).status).toBe(200);
    expect((await vote(stranger, status.poll.id, [0])).status).toBe(404);
    expect((await vote(follower, status.poll.id, [0])).status).toBe(200);
    for (const id of ["123", "abc"]) expect((await poll(id)).status).toBe(404);
    const writeOnly = await tokenFor(t, follower.user.id, ["write"]);
    expect((await poll(status.poll.id, writeOnly)).status).toBe(403);
  });
});

describe("POST /api/v1/polls/:id/votes", () => {
  it("counts a single choice and refuses a second vote", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const carol = await makeUser(t);
    const status = await postPoll(alice, {});
    const id = status.poll.id;
    const voted = await vote(bob, id, ["1"]);
    expect(voted.status).toBe(200);
    expect(voted.body).toMatchObject({
      id,
      votes_count: 1,
      voters_count: 1,
      voted: true,
      own_votes: [1],
      options: [{ votes_count: 0 }, { votes_count: 1 }, { votes_count: 0 }],
    });
    const refusals: [TestUser, unknown, string][] = [
      [bob, [0], "You have already voted on this poll"],
      [alice, [0], "You cannot vote in your own polls"],
      [carol, [3], "The chosen vote option does not exist"],
      [carol, ["x"], "The chosen vote option does not exist"],
      [carol, [0, 1], "You have already voted on this poll"],
    ];
    for (const [user, choices, error] of refusals) {
      expect(await vote(user, id, choices)).toMatchObject({
        status: 422,
        body: { error: `Validation failed: ${error}` },
      });
    }
    // Nothing is counted for a refused vote; no choices is no vote.
    const unchanged = await vote(carol, id, []);
    expect(unchanged.status).toBe(200);
    expect(unchanged.body).toMatchObject({ votes_count: 1, voted: false, own_votes: [] });
    // The voter's votes show in the status too.
    const seen = await t.json(`/api/v1/statuses/${status.id}`, { token: bob.token });
    expect(seen.body.poll).toMatchObject({ voted: true, own_votes: [1], votes_count: 1 });
  });

  it("adds votes for other options in a multiple-choice poll, counting the voter once", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const id = (await postPoll(alice, { multiple: true })).poll.id;
    expect((await vote(bob, id, [0, 2])).body).toMatchObject({
      votes_count: 2,
      voters_count: 1,
      own_votes: [0, 2],
    });
    expect((await vote(bob, id, [1])).body).toMatchObject({
      votes_count: 3,
      voters_count: 1,
      own_votes: [0, 2, 1],
    });
    expect((await vote(bob, id, [1])).body).toEqual({
      error: "Validation failed: You have already voted on this poll",
    });
    const carol = await makeUser(t);
    expect((await vote(carol, id, [0, 0])).status).toBe(422);
    expect((await poll(id)).body).toMatchObject({ votes_count: 3, voters_count: 1 });
  });

  it("needs a user with write:statuses, and no block either way", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const id = (await postPoll(alice, {})).poll.id;
    expect((await vote(null, id, [0])).status).toBe(401);
    const readOnly = await tokenFor(t, bob.user.id, ["read"]);
    expect((await vote({ token: readOnly }, id, [0])).status).toBe(403);
    const app = await tokenFor(t, null, ["write"]);
    expect((await vote({ token: app }, id, [0])).status).toBe(422);
    await t.json(`/api/v1/accounts/${bob.account.id}/block`, {
      method: "POST",
      token: alice.token,
    });
    // Blocked: the (public) status is hidden from bob, so the poll is too.
    expect((await vote(bob, id, [0])).status).toBe(404);
    const carol = await makeUser(t);
    await t.json(`/api/v1/accounts/${alice.account.id}/block`, {
      method: "POST",
      token: carol.token,
    });
    expect(await vote(carol, id, [0])).toMatchObject({
      status: 403,
      body: { error: "This action is not allowed" },
    });
  });

  it("hides the options' counts of a hide_totals poll until it ends", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const status = await postPoll(alice, { hide_totals: "1" });
    const voted = await vote(bob, status.poll.id, [2]);
    expect(voted.body.votes_count).toBe(1);
    expect(voted.body.options.map((o: any) => o.votes_count)).toEqual([null, null, null]);
    const own = await t.json(`/api/v1/statuses/${status.id}`, { token: alice.token });
    expect(own.body.poll.options.map((o: any) => o.votes_count)).toEqual([null, null, null]);
    await endPoll(status.poll.id);
    const ended = await poll(status.poll.id);
    expect(ended.body.expired).toBe(true);
    expect(ended.body.options.map((o: any) => o.votes_count)).toEqual([0, 0, 1]);
    expect(await vote(alice, status.poll.id, [0])).toMatchObject({
      status: 422,
      body: {
        error: "Validation failed: The poll has already ended, You cannot vote in your own polls",
      },
    });
  });
});

describe("closing a poll", () => {
  it("notifies the voters and the author once, when the job runs after the end", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const carol = await makeUser(t);
    const status = await postPoll(alice, { multiple: true });
    await vote(bob, status.poll.id, [0, 1]);
    await vote(carol, status.poll.id, [2]);
    // Time passes: the poll ends, and its job is due.
    await endPoll(status.poll.id);
    await db.execute(sql`UPDATE pgboss.job SET start_after = now()
      WHERE name = 'polls.close' AND data ->> 'pollId' = ${status.poll.id}`);
    expect(await t.drainJobs()).toBeGreaterThan(0);
    for (const user of [alice, bob, carol]) {
      const list = await pollNotifications(user);
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({
        type: "poll",
        account: { id: alice.account.id },
        status: { id: status.id, poll: { id: status.poll.id, expired: true } },
      });
    }
    // Again (the sweep, or a job run twice): nothing more.
    expect(await closePoll(db, t.jobs, status.poll.id)).toBe(false);
    await sweepEndedPolls(db, t.jobs);
    for (const user of [alice, bob, carol]) expect(await pollNotifications(user)).toHaveLength(1);
    const grouped = await t.json("/api/v2/notifications?types[]=poll", { token: bob.token });
    expect(grouped.body.notification_groups).toMatchObject([{ type: "poll" }]);
  });

  it("closes a poll whose job was lost with the sweep, and leaves open ones", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const ended = await postPoll(alice, {});
    const open = await postPoll(alice, {});
    await vote(bob, ended.poll.id, [0]);
    await vote(bob, open.poll.id, [0]);
    await db.execute(sql`DELETE FROM pgboss.job WHERE name = 'polls.close'`);
    await endPoll(ended.poll.id);
    expect(await sweepEndedPolls(db, t.jobs)).toBeGreaterThanOrEqual(1);
    const list = await pollNotifications(bob);
    expect(list.map((n) => n.status.id)).toEqual([ended.id]);
  });

  it("sends itself again when the end moved later, and says nothing for a deleted status", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const status = await postPoll(alice, {});
    await vote(bob, status.poll.id, [0]);
    // Run early (the end moved later): nothing yet, a job for the new end.
    expect(await closePoll(db, t.jobs, status.poll.id)).toBe(false);
    const { rows } = await db.execute(sql`SELECT 1 FROM pgboss.job
      WHERE name = 'polls.close' AND data ->> 'pollId' = ${status.poll.id}`);
    expect(rows.length).toBe(2);
    await t.json(`/api/v1/statuses/${status.id}`, { method: "DELETE", token: alice.token });
    await endPoll(status.poll.id);
    expect(await closePoll(db, t.jobs, status.poll.id)).toBe(true);
    expect(await pollNotifications(bob)).toEqual([]);
    expect(await pollNotifications(alice)).toEqual([]);
  });
});

describe("editing a status's poll", () => {
  it("keeps votes when the options stay, resets them when they change, removes the poll", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const status = await postPoll(alice, {});
    const id = status.poll.id;
    await vote(bob, id, [1]);
    const edit = (json: unknown) =>
      t.json(`/api/v1/statuses/${status.id}`, { method: "PUT", token: alice.token, json });

    const kept = await edit({
      status: "Which one, really?",
      poll: { options: ["tea", "coffee", "water"], expires_in: 3600 },
    });
    expect(kept.body.poll).toMatchObject({ id, votes_count: 1, voters_count: 1 });

    const changed = await edit({
      status: "Which one, really?",
      poll: { options: ["tea", "cocoa"], expires_in: 7200, multiple: true },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.poll).toMatchObject({
      id,
      multiple: true,
      votes_count: 0,
      voters_count: 0,
      options: [
        { title: "tea", votes_count: 0 },
        { title: "cocoa", votes_count: 0 },
      ],
    });
    expect((await poll(id, bob.token)).body).toMatchObject({ voted: false, own_votes: [] });
    expect((await vote(bob, id, [1])).status).toBe(200);

    expect(await edit({ status: "x", poll: { options: ["only"], expires_in: 600 } })).toMatchObject(
      {
        status: 422,
        body: { error: "Validation failed: Choices must have more than one item" },
      },
    );

    const removed = await edit({ status: "No poll" });
    expect(removed.body.poll).toBeNull();
    expect((await poll(id)).status).toBe(404);

    const history = await t.json(`/api/v1/statuses/${status.id}/history`);
    expect(history.body.map((v: any) => v.poll?.options.map((o: any) => o.title) ?? null)).toEqual([
      ["tea", "coffee", "water"],
      ["tea", "coffee", "water"],
      ["tea", "cocoa"],
      null,
    ]);
  });
});
