// The durable job queue (src/jobs/): jobs sent in a transaction exist exactly
// when it commits, survive a restart, and are retried when they fail.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../src/logger.ts";
import { createPgBossQueue } from "../src/jobs/pg-boss-queue.ts";
import type { JobRunner } from "../src/jobs/queue.ts";
import { JOB_NAMES } from "../src/jobs/workers.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();

const QUEUE = "test.record";

/** A queue on this file's database, as a freshly started process would make it. */
async function startQueue(): Promise<JobRunner> {
  const queue = createPgBossQueue({
    pool: t.database.pool,
    logger: silentLogger,
    queues: [QUEUE],
    poll: false,
    migrate: false,
    maintenance: false,
  });
  await queue.start();
  return queue;
}

/** A handler that records the `n` of each job it runs. */
function recorder() {
  const seen: number[] = [];
  const handler = async (data: unknown) => {
    seen.push((data as { n: number }).n);
  };
  return { seen, handler };
}

describe("job queue", () => {
  it("knows every feed job from the template", async () => {
    const { rows } = await t.database.pool.query<{ name: string }>(
      "SELECT name FROM pgboss.queue ORDER BY name",
    );
    expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining([...JOB_NAMES]));
  });

  it("runs a job sent outside a transaction", async () => {
    const queue = await startQueue();
    const { seen, handler } = recorder();
    await queue.work(QUEUE, handler);
    await queue.send(QUEUE, { n: 1 });
    expect(await queue.drain()).toBe(1);
    expect(seen).toEqual([1]);
    expect(await queue.drain()).toBe(0);
    await queue.stop();
  });

  it("never runs a job sent in a transaction that rolled back", async () => {
    const queue = await startQueue();
    const { seen, handler } = recorder();
    await queue.work(QUEUE, handler);
    await expect(
      t.database.db.transaction(async (tx) => {
        await queue.send(QUEUE, { n: 2 }, { tx });
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect(await queue.drain()).toBe(0);
    expect(seen).toEqual([]);
    await queue.stop();
  });

  it("does not show a job before its transaction commits", async () => {
    const queue = await startQueue();
    const { seen, handler } = recorder();
    await queue.work(QUEUE, handler);
    await t.database.db.transaction(async (tx) => {
      await queue.send(QUEUE, { n: 3 }, { tx });
      // Another connection (the drain) does not see the uncommitted job.
      expect(await queue.drain()).toBe(0);
    });
    expect(await queue.drain()).toBe(1);
    expect(seen).toEqual([3]);
    await queue.stop();
  });

  it("runs a committed job after a restart", async () => {
    const first = await startQueue();
    const before = recorder();
    await first.work(QUEUE, before.handler);
    await t.database.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT 1`);
      await first.send(QUEUE, { n: 4 }, { tx });
    });
    // The process stops before any worker ran the job.
    await first.stop();
    expect(before.seen).toEqual([]);

    const second = await startQueue();
    const after = recorder();
    await second.work(QUEUE, after.handler);
    expect(await second.drain()).toBe(1);
    expect(after.seen).toEqual([4]);
    await second.stop();
  });

  it("reports a failing job and keeps it for a retry", async () => {
    const queue = await startQueue();
    let attempts = 0;
    await queue.work(QUEUE, async () => {
      attempts++;
      throw new Error("boom");
    });
    await queue.send(QUEUE, { n: 5 });
    await expect(queue.drain()).rejects.toThrow("boom");
    expect(attempts).toBe(1);
    const { rows } = await t.database.pool.query<{ state: string; data: { n: number } }>(
      "SELECT state, data FROM pgboss.job WHERE name = $1 ORDER BY created_on DESC LIMIT 1",
      [QUEUE],
    );
    expect(rows[0]).toMatchObject({ state: "retry", data: { n: 5 } });
    await queue.stop();
  });

  it("gives a queue made by an older Herd today's settings, heartbeats included", async () => {
    // As a database from before crash recovery by heartbeats has it.
    await t.database.pool.query(
      "UPDATE pgboss.queue SET heartbeat_seconds = NULL, retry_limit = 2 WHERE name = $1",
      [QUEUE],
    );
    const queue = await startQueue();
    const { rows } = await t.database.pool.query(
      `SELECT heartbeat_seconds, retry_limit, expire_seconds FROM pgboss.queue WHERE name = $1`,
      [QUEUE],
    );
    expect(rows[0]).toEqual({ heartbeat_seconds: 20, retry_limit: 5, expire_seconds: 900 });
    // Its new jobs carry the heartbeat: one whose process dies is retried within a minute.
    await queue.send(QUEUE, { n: 6 });
    const { rows: jobs } = await t.database.pool.query(
      "SELECT heartbeat_seconds FROM pgboss.job WHERE name = $1 AND data->>'n' = '6'",
      [QUEUE],
    );
    expect(jobs).toEqual([{ heartbeat_seconds: 20 }]);
    await queue.stop();
  });

  it("drains the test instance's own queue", async () => {
    // Nothing queued by this file's feed hooks: draining runs nothing.
    expect(await t.drainJobs()).toBe(0);
  });
});
