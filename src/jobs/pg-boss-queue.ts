// The job queue on pg-boss (https://github.com/timgit/pg-boss): jobs are rows
// of the `pgboss` schema in Herd's own database, so sending one in the
// caller's transaction is an INSERT that commits or rolls back with it, and
// no other server (Redis, a broker) is needed. Workers claim jobs with
// SKIP LOCKED, so several Herd processes can share the work.
import { sql } from "drizzle-orm";
import type pg from "pg";
import { fromDrizzle, PgBoss, type ConstructorOptions, type Db as BossDb } from "pg-boss";
import type { Logger } from "../logger.ts";
import type { JobHandler, JobRunner, QueueSpec, SendOptions } from "./queue.ts";

export interface PgBossQueueOptions {
  /** pg-boss opens a pool of its own on this URL (the server: LISTEN/NOTIFY wakes workers at once). */
  connectionString?: string;
  /** Or runs on this pool (tests, commands). */
  pool?: pg.Pool;
  /** Connections of pg-boss's own pool. */
  max?: number;
  logger: Logger;
  /** The queues to create if missing (every job name a handler exists for). */
  queues: readonly QueueSpec[];
  /** Workers poll for jobs (the server); false: jobs run only through drain() (tests). */
  poll: boolean;
  /** Install or upgrade pg-boss's schema on start (default true). */
  migrate?: boolean;
  /** pg-boss's maintenance: expiring stuck jobs, deleting old ones, cron schedules (default true). */
  maintenance?: boolean;
}

/**
 * How every queue behaves: a few retries with backoff, and completed jobs kept for a day.
 *
 * Crash recovery: a worker touches each job it runs every HEARTBEAT_REFRESH_SECONDS
 * (pg-boss's heartbeat); the supervisor fails a job whose heartbeat is older than
 * `heartbeatSeconds`, which pg-boss then retries like any failure. So a job that was
 * running in a process killed outright (SIGKILL, OOM, power loss) runs again about half
 * a minute later (heartbeat lost, up to one supervise pass, the first retry's delay of
 * 2.5-5 s, a poll), not after `expireInSeconds`, which still bounds a job whose process
 * lives but whose handler hangs. Measured (test/federation-delivery-crash.test.ts, 2-core
 * machine, 10 runs): a delivery in flight at a SIGKILL was delivered again 30.9-31.9 s after
 * the kill; one still queued, as soon as the server was back (about 1 s). Jobs queued before
 * this setting existed keep expireInSeconds (pg-boss copies a queue's settings at send).
 */
const QUEUE_SETTINGS = {
  retryLimit: 5,
  retryDelay: 5,
  retryBackoff: true,
  retryDelayMax: 600,
  expireInSeconds: 15 * 60,
  heartbeatSeconds: 20,
  deleteAfterSeconds: 24 * 60 * 60,
  notify: true,
} as const;

/** Four touches per `heartbeatSeconds`: a busy moment that delays one or two fails nothing. */
const HEARTBEAT_REFRESH_SECONDS = 5;

/**
 * How often the supervisor looks for lost heartbeats and expired jobs (pg-boss's default,
 * 60 s, would add up to a minute to each recovery). Each pass also refreshes the queues'
 * counts, one aggregate over the job table, which pg-boss backs off from when it grows slow.
 */
const SUPERVISE_SECONDS = 10;

/** The settings `updateQueue` can change that an existing queue does not have yet. */
function outdatedSettings(queue: Record<string, unknown>): boolean {
  return Object.entries(QUEUE_SETTINGS).some(([key, value]) => queue[key] !== value);
}

/** pg-boss's IDatabase over a node-postgres pool. */
function poolDatabase(pool: pg.Pool): BossDb {
  return { executeSql: (text, values) => pool.query(text, values as unknown[]) };
}

export function createPgBossQueue(options: PgBossQueueOptions): JobRunner {
  const { logger, poll } = options;
  const maintenance = options.maintenance ?? true;
  const config: ConstructorOptions = {
    migrate: options.migrate ?? true,
    supervise: maintenance,
    superviseIntervalSeconds: SUPERVISE_SECONDS,
    monitorIntervalSeconds: SUPERVISE_SECONDS,
    schedule: maintenance,
    registerInstance: false,
    openTelemetry: { enabled: false },
  };
  if (options.connectionString) {
    config.connectionString = options.connectionString;
    config.max = options.max ?? 4;
    config.application_name = "herd-jobs";
    config.useListenNotify = poll;
  } else if (options.pool) {
    config.db = poolDatabase(options.pool);
  } else {
    throw new Error("createPgBossQueue needs a connectionString or a pool");
  }

  const boss = new PgBoss(config);
  boss.on("error", (err) => logger.error("job queue error", { err }));
  boss.on("warning", (warning) => logger.warn("job queue warning", { warning }));
  const handlers = new Map<string, JobHandler>();
  let started = false;

  const run = async (name: string, data: unknown) => {
    const handler = handlers.get(name);
    if (!handler) throw new Error(`no handler for job ${name}`);
    await handler(data);
  };

  return {
    async send(name: string, data: object, sendOptions: SendOptions = {}) {
      const db = sendOptions.tx ? fromDrizzle(sendOptions.tx, sql) : undefined;
      const delay = sendOptions.delaySeconds;
      await boss.send(name, data, {
        ...(db ? { db } : {}),
        ...(delay && delay > 0 ? { startAfter: Math.ceil(delay) } : {}),
        ...(sendOptions.singletonKey ? { singletonKey: sendOptions.singletonKey } : {}),
        ...(sendOptions.orderingKey ? { group: { id: sendOptions.orderingKey } } : {}),
      });
    },

    async work(name, handler) {
      handlers.set(name, handler);
      if (!poll) return;
      await boss.work<object>(
        name,
        // A job sent with an orderingKey (a group) waits while one of its key runs.
        {
          batchSize: 1,
          pollingIntervalSeconds: 2,
          localConcurrency: 2,
          groupConcurrency: 1,
          heartbeatRefreshSeconds: HEARTBEAT_REFRESH_SECONDS,
        },
        async (jobs) => {
          for (const job of jobs) {
            try {
              await run(name, job.data);
            } catch (err) {
              logger.warn("job failed", { job: name, id: job.id, retry: job.retryCount, err });
              throw err;
            }
          }
        },
      );
    },

    async schedule(name, cron) {
      await boss.schedule(name, cron, null, { tz: "UTC" });
    },

    async start() {
      if (started) return;
      await boss.start();
      started = true;
      const existing = new Map((await boss.getQueues()).map((q) => [q.name, q]));
      for (const spec of options.queues) {
        const name = typeof spec === "string" ? spec : spec.name;
        const queue = existing.get(name);
        if (queue) {
          // A queue created by an older Herd (before heartbeats, say) gets today's
          // settings; its jobs already queued keep theirs (pg-boss copies them at send).
          if (outdatedSettings(queue as unknown as Record<string, unknown>)) {
            await boss.updateQueue(name, QUEUE_SETTINGS);
          }
          continue;
        }
        // pg-boss's `short` policy: one waiting job per singleton key (an insert of
        // another is skipped by its unique index), any number running.
        const unique = typeof spec !== "string" && spec.unique;
        await boss.createQueue(
          name,
          unique ? { ...QUEUE_SETTINGS, policy: "short" } : QUEUE_SETTINGS,
        );
      }
    },

    async stop() {
      if (!started) return;
      started = false;
      await boss.stop({
        graceful: true,
        timeout: 10_000,
        close: Boolean(options.connectionString),
      });
    },

    async drain() {
      let count = 0;
      for (;;) {
        let ran = 0;
        for (const name of handlers.keys()) {
          const jobs = await boss.fetch<object>(name, { batchSize: 50, groupConcurrency: 1 });
          for (const job of jobs) {
            try {
              await run(name, job.data);
            } catch (err) {
              await boss.fail(name, job.id, { message: (err as Error).message });
              throw err;
            }
            await boss.complete(name, job.id);
            ran++;
          }
        }
        if (ran === 0) return count;
        count += ran;
      }
    },
  };
}
