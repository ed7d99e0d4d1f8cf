// Ordering keys (src/federation/outbox/ordering.ts, job-queue.ts,
// src/jobs/pg-boss-queue.ts): activities about one thing carry one key, from
// the job that builds them to each delivery, so that the queue runs them one
// at a time, oldest first: a post's Create before its Delete, a Follow
// before its Undo.
import { Create, Delete, Follow, Like, Note, Undo, Update } from "@fedify/vocab";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { activityOrderingKey } from "../src/federation/outbox/ordering.ts";
import { createPgBossQueue } from "../src/jobs/pg-boss-queue.ts";
import { silentLogger } from "../src/logger.ts";
import { startFakeRemote } from "./kit/fake-remote.ts";
import { follow, makeUser, postStatus } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance({ env: { ALLOW_PRIVATE_ADDRESS: "true" } });
const remote = await startFakeRemote();
const alice = await makeUser(t, { username: "alice" });

/** The database's clock (jobs are stamped with it). */
async function now(): Promise<Date> {
  const result = await t.database.db.execute<{ now: Date }>(sql`SELECT clock_timestamp() AS now`);
  return new Date(result.rows[0]!.now);
}

/** The jobs of queue `name` sent since `since` (oldest first), with their ordering key. */
async function jobsOf(name: string, since: Date) {
  const result = await t.database.db.execute<{ data: any; group_id: string | null }>(
    sql`SELECT data, group_id FROM pgboss.job WHERE name = ${name} AND created_on >= ${since}
      ORDER BY created_on, id`,
  );
  return result.rows;
}

describe("ordering keys of activities", () => {
  const u = (s: string) => new URL(`https://herd.test/${s}`);

  it("keys what is about an object by the object, and what is undone by its own id", () => {
    const note = new Note({ id: u("note") });
    expect(activityOrderingKey(new Create({ id: u("c"), object: note }))).toBe(u("note").href);
    expect(activityOrderingKey(new Update({ id: u("u"), object: note }))).toBe(u("note").href);
    expect(activityOrderingKey(new Delete({ id: u("d"), object: u("note") }))).toBe(u("note").href);
    const followed = new Follow({ id: u("follow"), object: u("bob") });
    expect(activityOrderingKey(followed)).toBe(u("follow").href);
    expect(activityOrderingKey(new Undo({ id: u("undo"), object: followed }))).toBe(
      u("follow").href,
    );
    expect(activityOrderingKey(new Like({ id: u("like"), object: note }))).toBe(u("like").href);
  });
});

describe("ordered deliveries", () => {
  it("keys a post's Create and Delete alike, from the job that builds them to each delivery", async () => {
    const actor = await remote.addActor("reader");
    await remote.deliverAndRun(t, actor, {
      id: remote.id(),
      type: "Follow",
      actor: actor.id,
      object: "https://herd.test/users/alice",
    });
    const since = await now();
    const status = await postStatus(t, alice, "Here and gone");
    await t.drainJobs();
    const del = await t.json(`/api/v1/statuses/${status.id}`, {
      method: "DELETE",
      token: alice.token,
    });
    expect(del.status).toBe(200);
    const outgoing = (await jobsOf("federation.outgoing", since)).filter(
      (j) => j.data.event.statusId === status.id,
    );
    expect(outgoing.map((j) => j.group_id)).toEqual([`status:${status.id}`, `status:${status.id}`]);
    await t.drainJobs();
    const sent = remote.received.filter(
      (r) =>
        r.body.type === "Create" || (r.body.type === "Delete" && r.body.actor !== r.body.object),
    );
    expect(sent.map((r) => r.body.type)).toEqual(["Create", "Delete"]);
    // Each delivery is keyed by the post and the inbox's server.
    const deliveries = (await jobsOf("federation.outbox", since)).filter(
      (j) => j.data.message.type === "outbox" && j.data.message.activityType !== undefined,
    );
    const keys = deliveries
      .filter((j) =>
        ["Create", "Delete"].some((type) => j.data.message.activityType.endsWith(type)),
      )
      .map((j) => j.group_id);
    expect(keys).toEqual([`${status.uri}\n${remote.origin}`, `${status.uri}\n${remote.origin}`]);
  });

  it("keys a Follow and its Undo alike", async () => {
    const kate = await remote.addActor("kate", { manuallyApprovesFollowers: true });
    const found = await t.json(`/api/v1/accounts/lookup?acct=kate@${remote.host}`);
    const since = await now();
    await follow(t, alice, found.body.id);
    await t.drainJobs();
    const unfollow = await t.json(`/api/v1/accounts/${found.body.id}/unfollow`, {
      method: "POST",
      token: alice.token,
    });
    expect(unfollow.status).toBe(200);
    const outgoing = await jobsOf("federation.outgoing", since);
    expect(new Set(outgoing.map((j) => j.group_id))).toEqual(
      new Set([`follow:${alice.account.id}:${found.body.id}`]),
    );
    await t.drainJobs();
    const sent = remote.received.filter(
      (r) =>
        (r.body.type === "Follow" || r.body.type === "Undo") &&
        r.body.actor === "https://herd.test/users/alice",
    );
    expect(sent.map((r) => r.body.type)).toEqual(["Follow", "Undo"]);
    const deliveries = (await jobsOf("federation.outbox", since)).map((j) => j.group_id);
    expect(deliveries).toHaveLength(2);
    expect(deliveries[0]).toBe(deliveries[1]);
    expect(deliveries[0]).toBe(`${sent[0]!.body.id}\n${remote.origin}`);
    expect(sent[0]!.body.object).toBe(kate.id);
  });
});

describe("the job queue with ordering keys", () => {
  it("runs a job only when the job of its key before it has finished, others meanwhile", async () => {
    // A polling runner on this file's database, as the server runs one.
    const runner = createPgBossQueue({
      pool: t.database.pool,
      logger: silentLogger,
      queues: ["test.ordered"],
      poll: true,
      migrate: false,
      maintenance: false,
    });
    await runner.start();
    const started: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const until = async (what: () => boolean) => {
      for (let i = 0; i < 100 && !what(); i++) await new Promise((r) => setTimeout(r, 100));
      expect(what()).toBe(true);
    };
    try {
      await runner.work("test.ordered", async (data) => {
        const name = (data as { name: string }).name;
        started.push(name);
        if (name === "first") await released;
      });
      await runner.send("test.ordered", { name: "first" }, { orderingKey: "k" });
      await until(() => started.includes("first"));
      await runner.send("test.ordered", { name: "second" }, { orderingKey: "k" });
      await runner.send("test.ordered", { name: "other" }, { orderingKey: "x" });
      await until(() => started.includes("other"));
      // Another polling round: "second" still waits for "first".
      await new Promise((r) => setTimeout(r, 2500));
      expect(started).toEqual(["first", "other"]);
      release();
      await until(() => started.includes("second"));
      expect(started).toEqual(["first", "other", "second"]);
    } finally {
      release();
      await runner.stop();
    }
  }, 30_000);
});
