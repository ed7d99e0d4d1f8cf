// Fedify's storage on Herd's own (src/federation/kv-store.ts, job-queue.ts):
// the key–value store on PostgreSQL with expiry and compare-and-swap, and
// Fedify's queue messages as durable jobs that a new process still finds.
import { Temporal } from "@js-temporal/polyfill";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { createJobMessageQueue } from "../src/federation/job-queue.ts";
import { createPostgresKvStore } from "../src/federation/kv-store.ts";
import { createPgBossQueue } from "../src/jobs/pg-boss-queue.ts";
import type { JobRunner } from "../src/jobs/queue.ts";
import { silentLogger } from "../src/logger.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const kv = createPostgresKvStore(t.database.pool);

describe("the PostgreSQL KvStore", () => {
  it("sets, gets, overwrites and deletes JSON values", async () => {
    const key = ["test", "a"] as const;
    expect(await kv.get(key)).toBeUndefined();
    await kv.set(key, { n: 1, list: [1, "two"] });
    expect(await kv.get(key)).toEqual({ n: 1, list: [1, "two"] });
    await kv.set(key, [3]);
    expect(await kv.get(key)).toEqual([3]);
    await kv.delete(key);
    expect(await kv.get(key)).toBeUndefined();
  });

  it("treats an expired value as absent", async () => {
    const key = ["test", "ttl"] as const;
    await kv.set(key, "soon gone", { ttl: Temporal.Duration.from({ hours: 1 }) as never });
    expect(await kv.get(key)).toBe("soon gone");
    await t.database.db.execute(
      sql`UPDATE federation_kv SET expires_at = now() - interval '1 second' WHERE key = ARRAY['test', 'ttl']`,
    );
    expect(await kv.get(key)).toBeUndefined();
    // An expired value is no value for compare-and-swap either.
    expect(await kv.cas!(key, undefined, "again")).toBe(true);
    expect(await kv.get(key)).toBe("again");
  });

  it("swaps only from the expected value", async () => {
    const key = ["test", "cas"] as const;
    expect(await kv.cas!(key, undefined, { v: 1 })).toBe(true);
    expect(await kv.cas!(key, undefined, { v: 2 })).toBe(false);
    expect(await kv.cas!(key, { v: 9 }, { v: 2 })).toBe(false);
    expect(await kv.cas!(key, { v: 1 }, { v: 2 })).toBe(true);
    expect(await kv.get(key)).toEqual({ v: 2 });
  });

  it("lists the entries under a prefix", async () => {
    await kv.set(["list", "x", "1"], 1);
    await kv.set(["list", "x", "2"], 2);
    await kv.set(["list", "y"], 3);
    const found: unknown[] = [];
    for await (const entry of kv.list(["list", "x"])) found.push([entry.key, entry.value]);
    expect(found).toEqual([
      [["list", "x", "1"], 1],
      [["list", "x", "2"], 2],
    ]);
  });
});

describe("Fedify's queue on the job queue", () => {
  const QUEUE = "test.fedify";
  const runners: JobRunner[] = [];
  const runner = async () => {
    const jobs = createPgBossQueue({
      pool: t.database.pool,
      logger: silentLogger,
      queues: [QUEUE],
      poll: false,
      migrate: false,
      maintenance: false,
    });
    await jobs.start();
    runners.push(jobs);
    return jobs;
  };
  afterAll(async () => {
    for (const jobs of runners) await jobs.stop();
  });

  it("keeps messages as jobs that another process runs, delayed ones when due", async () => {
    // One process queues a delivery and a retry due in an hour, then goes away.
    const first = await runner();
    const sending = createJobMessageQueue(first, QUEUE);
    await sending.enqueue({ activity: "now" });
    await sending.enqueue(
      { activity: "later" },
      { delay: Temporal.Duration.from({ hours: 1 }) as never },
    );
    await first.stop();

    // The next process finds the first; the retry waits for its time.
    const second = await runner();
    const received: unknown[] = [];
    const controller = new AbortController();
    const receiving = createJobMessageQueue(second, QUEUE);
    const listening = receiving.listen((message) => void received.push(message), {
      signal: controller.signal,
    });
    await receiving.listening;
    expect(await second.drain()).toBe(1);
    expect(received).toEqual([{ activity: "now" }]);
    const waiting = await t.database.db.execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM pgboss.job WHERE name = ${QUEUE} AND state = 'created'`,
    );
    expect(waiting.rows[0]!.n).toBe(1);
    controller.abort();
    await listening;
  });
});
