// Domain events of `herd` commands: the CLI's database handle carries an
// event bus as the server's does (main.ts, ARCHITECTURE.md "Domain events"),
// with federation's in-transaction subscriber, so that what a command changes
// federates as if it had been done through the API: `herd accounts delete`
// sends the actor's Delete to every server that knew it.
//
// The command only queues: the subscriber writes its `federation.outgoing`
// job in the command's transaction (pg-boss, in Herd's own database), and
// the server delivers it, at once when it is running, else when it next
// starts, with the retries and back-off of every delivery (for about a
// week), which a short-lived command could not keep up. Mastodon's tootctl
// likewise leaves its deliveries to Sidekiq.
//
// This file is a composition root, like main.ts: src/cli never imports
// federation itself. Federation (Fedify) and the job queue are loaded on the
// first event a command emits, so commands that emit none pay nothing.
import type { Config } from "./config.ts";
import type { Database } from "./db/database.ts";
import { createEventBus, type InTransactionSubscriber } from "./domain/events/bus.ts";
import { withEvents } from "./domain/events/emit.ts";
import type { JobRunner } from "./jobs/queue.ts";
import type { Logger } from "./logger.ts";

export interface CommandEvents {
  /** The command's database, emitting domain events. */
  database: Database;
  /** Stops the job queue if an event started it (before the database closes). */
  close(): Promise<void>;
}

export function withCommandEvents(
  database: Database,
  config: Config,
  logger: Logger,
): CommandEvents {
  let jobs: JobRunner | null = null;
  let outgoing: Promise<InTransactionSubscriber> | null = null;
  const bus = createEventBus((err) => logger.warn("an event subscriber failed", { err }));
  const events = withEvents(database, bus);

  const start = async (): Promise<InTransactionSubscriber> => {
    const [{ createHerdFederation, FEDERATION_JOB_NAMES }, { createPgBossQueue }] =
      await Promise.all([import("./federation/federation.ts"), import("./jobs/pg-boss-queue.ts")]);
    // No workers: the jobs are the server's to run.
    jobs = createPgBossQueue({
      pool: database.pool,
      logger,
      queues: FEDERATION_JOB_NAMES,
      poll: false,
      maintenance: false,
    });
    await jobs.start();
    return createHerdFederation({ config, database: events, logger, jobs }).outgoing;
  };

  bus.inTransaction(async (tx, emitted) => {
    outgoing ??= start();
    await (
      await outgoing
    )(tx, emitted);
  });

  return {
    database: events,
    async close() {
      await jobs?.stop();
    },
  };
}
