// Polls over federation (https://docs.joinmastodon.org/spec/activitypub/#Question):
// a local poll goes out as a Question (note.ts) and its new counts and end
// as Updates (outbox/polls.ts); a remote Question becomes a poll shown
// through the client API, refreshed by its Updates (polls/remote-polls.ts);
// votes travel both ways as Notes answering the poll (remote-vote.ts,
// polls/remote-votes.ts), counted once, never on an ended poll, never by
// someone who may not see it.
import { sql } from "drizzle-orm";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { closePoll } from "../src/domain/polls/close.ts";
import { blockDomain } from "./kit/direct-statuses.ts";
import { ofType } from "./kit/fake-inbox.ts";
import { PUBLIC, startFakeRemote, type FakeActor } from "./kit/fake-remote.ts";
import { follow, makeUser, postStatus, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance({ env: { ALLOW_PRIVATE_ADDRESS: "true" } });
const remote = await startFakeRemote();
const alice = await makeUser(t, { username: "alice" });
const bob = await makeUser(t, { username: "bob" });
const ALICE = "https://herd.test/users/alice";
let carol: FakeActor;
let dave: FakeActor;
let poster: FakeActor;

beforeAll(async () => {
  // carol follows alice; dave does not; alice follows poster.
  carol = await remote.addActor("carol");
  dave = await remote.addActor("dave");
  await remote.deliverAndRun(t, carol, {
    id: remote.id(),
    type: "Follow",
    actor: carol.id,
    object: ALICE,
  });
  poster = await remote.addActor("poster");
  const id = (await t.json(`/api/v1/accounts/lookup?acct=poster@${remote.host}`)).body.id;
  await follow(t, alice, id);
  await remote.deliverAndRun(t, poster, {
    id: remote.id(),
    type: "Accept",
    actor: poster.id,
    object: { type: "Follow", actor: ALICE, object: poster.id },
  });
});

beforeEach(() => {
  remote.received.length = 0;
});

async function statusIdOf(uri: string): Promise<string | null> {
  const result = await t.database.db.execute<{ id: string }>(
    sql`SELECT id::text FROM statuses WHERE uri = ${uri} AND deleted_at IS NULL`,
  );
  return result.rows[0]?.id ?? null;
}

async function postPoll(user: TestUser, poll: Record<string, unknown>, extra = {}) {
  const status = await postStatus(t, user, {
    status: "Which one?",
    poll: { options: ["tea", "coffee", "water"], expires_in: 3600, ...poll },
    ...extra,
  });
  await t.drainJobs();
  return status;
}

/** A vote by `actor` for `title` in the poll of local status `statusUri`. */
function voteActivity(actor: FakeActor, statusUri: string, title: string) {
  const id = remote.id("votes");
  return {
    id: `${id}/activity`,
    type: "Create",
    actor: actor.id,
    to: ALICE,
    object: {
      id,
      type: "Note",
      name: title,
      attributedTo: actor.id,
      to: ALICE,
      inReplyTo: statusUri,
    },
  };
}

const localUri = (status: { id: string }) => `${ALICE}/statuses/${status.id}`;

/** The Updates of local polls waiting for their three minutes (outbox/polls.ts). */
async function waitingPollUpdates(): Promise<{ key: string; in_seconds: number }[]> {
  const { rows } = await t.database.db.execute<{ key: string; in_seconds: number }>(sql`
    SELECT singleton_key AS key, extract(epoch FROM start_after - now())::float8 AS in_seconds
    FROM pgboss.job WHERE name = 'federation.poll-update' AND state = 'created'`);
  return rows;
}

/** Runs the waiting poll Updates now, as if their three minutes had passed. */
async function runPollUpdates(): Promise<void> {
  await t.database.db.execute(sql`UPDATE pgboss.job SET start_after = now()
    WHERE name = 'federation.poll-update' AND state = 'created'`);
  await t.drainJobs();
}

let n = 0;
function questionOf(extra: Record<string, unknown> = {}): Record<string, any> {
  n++;
  return {
    id: `${poster.id}/statuses/q${n}`,
    type: "Question",
    attributedTo: poster.id,
    content: "<p>Cats or dogs?</p>",
    published: new Date().toISOString(),
    to: [PUBLIC],
    cc: [`${poster.id}/followers`],
    endTime: new Date(Date.now() + 86_400_000).toISOString(),
    votersCount: 3,
    oneOf: [
      { type: "Note", name: "Cats", replies: { type: "Collection", totalItems: 2 } },
      { type: "Note", name: "Dogs", replies: { type: "Collection", totalItems: 1 } },
    ],
    ...extra,
  };
}

const wrap = (type: string, note: Record<string, any>) => ({
  id: `${note.id}/${type.toLowerCase()}/${Math.random().toString(36).slice(2)}`,
  type,
  actor: poster.id,
  to: note.to,
  cc: note.cc,
  object: note,
});

describe("outgoing polls", () => {
  it("sends a poll as a Question with its options, end and voters", async () => {
    const status = await postPoll(alice, {});
    const create = ofType(remote.received, "Create")[0]!;
    const object = create.body.object as Record<string, any>;
    expect(object).toMatchObject({
      id: localUri(status),
      type: "Question",
      content: expect.stringContaining("Which one?"),
      votersCount: 0,
      oneOf: [
        { type: "Note", name: "tea", replies: { type: "Collection", totalItems: 0 } },
        { type: "Note", name: "coffee", replies: { type: "Collection", totalItems: 0 } },
        { type: "Note", name: "water", replies: { type: "Collection", totalItems: 0 } },
      ],
    });
    expect(new Date(object.endTime).getTime()).toBe(new Date(status.poll.expires_at).getTime());
    expect(object.anyOf).toBeUndefined();
    expect(object.closed).toBeUndefined();
  });

  it("sends a multiple-choice poll as anyOf, without counts while its totals are hidden", async () => {
    await postPoll(alice, { multiple: true, hide_totals: true });
    const object = ofType(remote.received, "Create")[0]!.body.object as Record<string, any>;
    expect(object.oneOf).toBeUndefined();
    expect(object.anyOf).toHaveLength(3);
    for (const option of object.anyOf) expect(option.replies.totalItems).toBeUndefined();
  });
});

describe("incoming polls", () => {
  it("shows a remote Question's poll through the API", async () => {
    const note = questionOf();
    await remote.deliverAndRun(t, poster, wrap("Create", note));
    const id = await statusIdOf(note.id);
    const status = (await t.json(`/api/v1/statuses/${id}`, { token: alice.token })).body;
    expect(status.content).toBe("<p>Cats or dogs?</p>");
    expect(status.poll).toMatchObject({
      expires_at: note.endTime,
      expired: false,
      multiple: false,
      votes_count: 3,
      voters_count: 3,
      options: [
        { title: "Cats", votes_count: 2 },
        { title: "Dogs", votes_count: 1 },
      ],
      voted: false,
      own_votes: [],
    });
    const poll = await t.json(`/api/v1/polls/${status.poll.id}`);
    expect(poll.status).toBe(200);
    expect(poll.body.options).toHaveLength(2);
  });

  it("reads anyOf as multiple choice, and a closed Question as ended", async () => {
    const closedAt = new Date(Date.now() - 60_000).toISOString();
    const note = questionOf({
      oneOf: undefined,
      anyOf: [
        { type: "Note", name: "Red", replies: { type: "Collection", totalItems: 5 } },
        { type: "Note", name: "Blue" },
      ],
      closed: closedAt,
    });
    await remote.deliverAndRun(t, poster, wrap("Create", note));
    const status = (await t.json(`/api/v1/statuses/${await statusIdOf(note.id)}`)).body;
    expect(status.poll).toMatchObject({
      multiple: true,
      expired: true,
      expires_at: closedAt,
      options: [
        { title: "Red", votes_count: 5 },
        { title: "Blue", votes_count: 0 },
      ],
    });
  });

  it("refreshes the counts from an Update of the Question, without an edit", async () => {
    const note = questionOf();
    await remote.deliverAndRun(t, poster, wrap("Create", note));
    const id = await statusIdOf(note.id);
    await remote.deliverAndRun(
      t,
      poster,
      wrap("Update", {
        ...note,
        votersCount: 10,
        oneOf: [
          { type: "Note", name: "Cats", replies: { type: "Collection", totalItems: 7 } },
          { type: "Note", name: "Dogs", replies: { type: "Collection", totalItems: 3 } },
        ],
      }),
    );
    const status = (await t.json(`/api/v1/statuses/${id}`)).body;
    expect(status.edited_at).toBeNull();
    expect(status.poll).toMatchObject({
      votes_count: 10,
      voters_count: 10,
      options: [
        { title: "Cats", votes_count: 7 },
        { title: "Dogs", votes_count: 3 },
      ],
    });
  });

  it("makes changed options an edit, which drops the votes cast here", async () => {
    const note = questionOf();
    await remote.deliverAndRun(t, poster, wrap("Create", note));
    const id = await statusIdOf(note.id);
    const pollId = (await t.json(`/api/v1/statuses/${id}`)).body.poll.id;
    const voted = await t.json(`/api/v1/polls/${pollId}/votes`, {
      method: "POST",
      token: bob.token,
      json: { choices: [0] },
    });
    expect(voted.status).toBe(200);
    await remote.deliverAndRun(
      t,
      poster,
      wrap("Update", {
        ...note,
        updated: new Date(Date.now() + 1000).toISOString(),
        oneOf: [
          { type: "Note", name: "Cats", replies: { type: "Collection", totalItems: 0 } },
          { type: "Note", name: "Birds", replies: { type: "Collection", totalItems: 0 } },
        ],
      }),
    );
    const status = (await t.json(`/api/v1/statuses/${id}`, { token: bob.token })).body;
    expect(status.edited_at).not.toBeNull();
    expect(status.poll).toMatchObject({
      options: [{ title: "Cats" }, { title: "Birds" }],
      voted: false,
      own_votes: [],
    });
    const history = (await t.json(`/api/v1/statuses/${id}/history`)).body as any[];
    expect(history.map((v) => v.poll?.options.map((o: any) => o.title))).toEqual([
      ["Cats", "Dogs"],
      ["Cats", "Birds"],
    ]);
  });
});

describe("votes in remote polls", () => {
  it("sends a local vote to the poll's author as a Note answering it", async () => {
    const note = questionOf();
    await remote.deliverAndRun(t, poster, wrap("Create", note));
    const id = await statusIdOf(note.id);
    const pollId = (await t.json(`/api/v1/statuses/${id}`)).body.poll.id;
    remote.received.length = 0;
    const res = await t.json(`/api/v1/polls/${pollId}/votes`, {
      method: "POST",
      token: alice.token,
      json: { choices: [1] },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ voted: true, own_votes: [1], voters_count: 4 });
    await t.drainJobs();
    const creates = ofType(remote.received, "Create");
    expect(creates).toHaveLength(1);
    // To the author's own inbox, not the shared one.
    expect(creates[0]!.path).toBe("/users/poster/inbox");
    expect(creates[0]!.body).toMatchObject({
      id: expect.stringMatching(new RegExp(`^${ALICE}#votes/\\d+/activity$`)),
      actor: ALICE,
      to: poster.id,
      object: {
        id: expect.stringMatching(new RegExp(`^${ALICE}#votes/\\d+$`)),
        type: "Note",
        name: "Dogs",
        attributedTo: ALICE,
        to: poster.id,
        inReplyTo: note.id,
      },
    });
  });

  it("sends one Note per choice of a multiple-choice vote, nothing for a refused vote", async () => {
    const note = questionOf({
      oneOf: undefined,
      anyOf: [
        { type: "Note", name: "A", replies: { type: "Collection", totalItems: 0 } },
        { type: "Note", name: "B", replies: { type: "Collection", totalItems: 0 } },
      ],
    });
    await remote.deliverAndRun(t, poster, wrap("Create", note));
    const pollId = (await t.json(`/api/v1/statuses/${await statusIdOf(note.id)}`)).body.poll.id;
    remote.received.length = 0;
    const vote = (choices: number[]) =>
      t.json(`/api/v1/polls/${pollId}/votes`, {
        method: "POST",
        token: alice.token,
        json: { choices },
      });
    expect((await vote([0, 1])).status).toBe(200);
    await t.drainJobs();
    const names = ofType(remote.received, "Create").map((c) => (c.body.object as any).name);
    expect(names.sort()).toEqual(["A", "B"]);
    remote.received.length = 0;
    expect((await vote([0])).status).toBe(422);
    await t.drainJobs();
    expect(remote.received).toEqual([]);
  });
});

describe("votes in local polls", () => {
  it("counts a remote vote once, never as a status, and sends the new counts", async () => {
    const status = await postPoll(alice, {});
    remote.received.length = 0;
    const vote = voteActivity(carol, localUri(status), "coffee");
    await remote.deliverAndRun(t, carol, vote, "/users/alice/inbox");
    // The same delivery again changes nothing.
    await remote.deliverAndRun(t, carol, vote, "/users/alice/inbox");
    const poll = (await t.json(`/api/v1/polls/${status.poll.id}`)).body;
    expect(poll).toMatchObject({
      votes_count: 1,
      voters_count: 1,
      options: [
        { title: "tea", votes_count: 0 },
        { title: "coffee", votes_count: 1 },
        { title: "water", votes_count: 0 },
      ],
    });
    expect(await statusIdOf(vote.object.id)).toBeNull();
    const stored = await t.database.db.execute<{ uri: string }>(
      sql`SELECT uri FROM poll_votes WHERE poll_id = ${status.poll.id}`,
    );
    expect(stored.rows).toEqual([{ uri: vote.object.id }]);
    // alice is not notified of a reply (there is none).
    const mentions = await t.json("/api/v1/notifications", { token: alice.token });
    expect(JSON.stringify(mentions.body)).not.toContain(vote.object.id);

    await runPollUpdates();
    const updates = ofType(remote.received, "Update");
    expect(updates.length).toBeGreaterThanOrEqual(1);
    const object = updates.at(-1)!.body.object as Record<string, any>;
    expect(object).toMatchObject({
      type: "Question",
      id: localUri(status),
      votersCount: 1,
      oneOf: [
        { name: "tea", replies: { totalItems: 0 } },
        { name: "coffee", replies: { totalItems: 1 } },
        { name: "water", replies: { totalItems: 0 } },
      ],
    });
  });

  it("sends the new counts when a local account votes, unless totals are hidden", async () => {
    const status = await postPoll(alice, {});
    remote.received.length = 0;
    const vote = (pollId: string) =>
      t.json(`/api/v1/polls/${pollId}/votes`, {
        method: "POST",
        token: bob.token,
        json: { choices: [2] },
      });
    expect((await vote(status.poll.id)).status).toBe(200);
    await runPollUpdates();
    const updates = ofType(remote.received, "Update");
    expect(updates).toHaveLength(1);
    expect(updates[0]!.body).toMatchObject({
      actor: ALICE,
      object: { id: localUri(status), oneOf: [{}, {}, { replies: { totalItems: 1 } }] },
    });

    const hidden = await postPoll(alice, { hide_totals: true });
    remote.received.length = 0;
    expect((await vote(hidden.poll.id)).status).toBe(200);
    await runPollUpdates();
    expect(remote.received).toEqual([]);
  });

  it("gathers the votes of three minutes into one Update, scheduled once per poll", async () => {
    const status = await postPoll(alice, {});
    const other = await postPoll(alice, {});
    remote.received.length = 0;
    const voter = await makeUser(t);
    const local = (user: TestUser, pollId: string, choice: number) =>
      t.json(`/api/v1/polls/${pollId}/votes`, {
        method: "POST",
        token: user.token,
        json: { choices: [choice] },
      });
    expect((await local(bob, status.poll.id, 0)).status).toBe(200);
    await remote.deliverAndRun(t, carol, voteActivity(carol, localUri(status), "coffee"));
    await remote.deliverAndRun(t, dave, voteActivity(dave, localUri(status), "water"));
    expect((await local(voter, status.poll.id, 2)).status).toBe(200);
    expect((await local(bob, other.poll.id, 1)).status).toBe(200);
    await t.drainJobs();
    // Nothing yet: one Update waits per poll, three minutes after its first vote.
    expect(ofType(remote.received, "Update")).toEqual([]);
    const waiting = await waitingPollUpdates();
    expect(waiting.map((w) => w.key).sort()).toEqual([status.id, other.id].sort());
    for (const w of waiting) {
      expect(w.in_seconds).toBeGreaterThan(150);
      expect(w.in_seconds).toBeLessThanOrEqual(180);
    }

    await runPollUpdates();
    const updates = ofType(remote.received, "Update");
    const forPoll = (s: { id: string }) =>
      updates.filter((u) => (u.body.object as Record<string, any>).id === localUri(s));
    expect(new Set(forPoll(status).map((u) => u.body.id)).size).toBe(1);
    expect(new Set(forPoll(other).map((u) => u.body.id)).size).toBe(1);
    expect(forPoll(status)[0]!.body.object).toMatchObject({
      votersCount: 4,
      oneOf: [
        { name: "tea", replies: { totalItems: 1 } },
        { name: "coffee", replies: { totalItems: 1 } },
        { name: "water", replies: { totalItems: 2 } },
      ],
    });
    expect(await waitingPollUpdates()).toEqual([]);

    // Once sent, the next vote schedules the next Update.
    remote.received.length = 0;
    expect((await local(await makeUser(t), status.poll.id, 1)).status).toBe(200);
    await t.drainJobs();
    expect(ofType(remote.received, "Update")).toEqual([]);
    expect((await waitingPollUpdates()).map((w) => w.key)).toEqual([status.id]);
    await runPollUpdates();
    const next = ofType(remote.received, "Update");
    expect(new Set(next.map((u) => u.body.id)).size).toBe(1);
    expect((next[0]!.body.object as Record<string, any>).oneOf[1]).toMatchObject({
      replies: { totalItems: 2 },
    });
  });

  it("counts a multiple-choice voter once, and refuses a second single choice", async () => {
    const multiple = await postPoll(alice, { multiple: true });
    for (const title of ["tea", "water", "tea"]) {
      await remote.deliverAndRun(t, carol, voteActivity(carol, localUri(multiple), title));
    }
    expect((await t.json(`/api/v1/polls/${multiple.poll.id}`)).body).toMatchObject({
      votes_count: 2,
      voters_count: 1,
    });

    const single = await postPoll(alice, {});
    for (const title of ["tea", "water"]) {
      await remote.deliverAndRun(t, carol, voteActivity(carol, localUri(single), title));
    }
    expect((await t.json(`/api/v1/polls/${single.poll.id}`)).body).toMatchObject({
      votes_count: 1,
      voters_count: 1,
      options: [{ votes_count: 1 }, { votes_count: 0 }, { votes_count: 0 }],
    });
  });

  it("ignores a vote in an ended poll, and stores a reply that names no option as a post", async () => {
    const status = await postPoll(alice, {});
    await t.database.db.execute(
      sql`UPDATE polls SET expires_at = now() - interval '1 second' WHERE id = ${status.poll.id}`,
    );
    const late = voteActivity(carol, localUri(status), "tea");
    await remote.deliverAndRun(t, carol, late);
    expect((await t.json(`/api/v1/polls/${status.poll.id}`)).body.votes_count).toBe(0);
    expect(await statusIdOf(late.object.id)).toBeNull();

    const open = await postPoll(alice, {});
    const reply = voteActivity(carol, localUri(open), "not an option");
    await remote.deliverAndRun(t, carol, {
      ...reply,
      object: { ...reply.object, content: "<p>A real reply</p>", to: [PUBLIC] },
    });
    expect(await statusIdOf(reply.object.id)).not.toBeNull();
    expect((await t.json(`/api/v1/polls/${open.poll.id}`)).body.votes_count).toBe(0);
  });

  it("refuses the vote of someone who may not see a followers-only poll", async () => {
    const status = await postPoll(alice, {}, { visibility: "private" });
    await remote.deliverAndRun(t, dave, voteActivity(dave, localUri(status), "tea"));
    expect(
      (await t.json(`/api/v1/polls/${status.poll.id}`, { token: alice.token })).body,
    ).toMatchObject({ votes_count: 0, voters_count: 0 });
    // A follower may.
    await remote.deliverAndRun(t, carol, voteActivity(carol, localUri(status), "tea"));
    expect(
      (await t.json(`/api/v1/polls/${status.poll.id}`, { token: alice.token })).body.votes_count,
    ).toBe(1);
  });

  it("refuses the vote of an account whose domain the poll's author blocks", async () => {
    const status = await postPoll(alice, {});
    // Inserted directly: the API refuses a domain with a port, as the fake remote's is.
    await blockDomain(t, alice.account, remote.host);
    try {
      await remote.deliverAndRun(t, carol, voteActivity(carol, localUri(status), "tea"));
      expect((await t.json(`/api/v1/polls/${status.poll.id}`)).body.votes_count).toBe(0);
    } finally {
      await t.database.db.execute(
        sql`DELETE FROM account_domain_blocks WHERE account_id = ${alice.account.id}`,
      );
    }
    await remote.deliverAndRun(t, carol, voteActivity(carol, localUri(status), "tea"));
    expect((await t.json(`/api/v1/polls/${status.poll.id}`)).body.votes_count).toBe(1);
  });

  it("sends the final counts when a poll ends, to its remote voters too", async () => {
    const status = await postPoll(alice, {}, { visibility: "direct", status: "Secret poll" });
    await remote.deliverAndRun(t, carol, voteActivity(carol, localUri(status), "water"));
    // A direct poll carol may not see: the vote is refused, nothing goes out.
    expect(ofType(remote.received, "Update")).toEqual([]);

    const open = await postPoll(alice, { hide_totals: true });
    await remote.deliverAndRun(t, dave, voteActivity(dave, localUri(open), "water"));
    // Hidden totals: a vote sends no counts.
    expect(ofType(remote.received, "Update")).toEqual([]);
    await t.database.db.execute(
      sql`UPDATE polls SET expires_at = now() - interval '1 second' WHERE id = ${open.poll.id}`,
    );
    // As the closing job does (through the handle that emits domain events).
    expect(await closePoll(t.deps.database.db, null, open.poll.id)).toBe(true);
    await t.drainJobs();
    const updates = ofType(remote.received, "Update");
    expect(updates).toHaveLength(1);
    const object = updates[0]!.body.object as Record<string, any>;
    expect(object).toMatchObject({
      type: "Question",
      closed: expect.any(String),
      oneOf: [
        { name: "tea", replies: { totalItems: 0 } },
        { name: "coffee", replies: { totalItems: 0 } },
        { name: "water", replies: { totalItems: 1 } },
      ],
    });
  });
});
