// Durable background jobs (see ARCHITECTURE.md, "Home feeds"): work that must
// happen after a change commits but need not delay the request that made it,
// such as delivering a new post to thousands of followers' home feeds.
//
// A job sent with `tx` is written in the caller's transaction: it exists if
// and only if the transaction commits, so a commit never loses its side
// effects and a rollback never runs them. Handlers must be idempotent: a job
// whose worker dies is run again.
import type { DbOrTx } from "../db/database.ts";

export interface SendOptions {
  /** Enqueue inside this transaction (the job is created when it commits). */
  tx?: DbOrTx;
  /** Run it no sooner than this many seconds from now (a retry's back-off). */
  delaySeconds?: number;
  /**
   * In a queue created `unique` (QueueSpec): while a job of this key waits,
   * another sent with it is dropped, as Sidekiq's `unique: :until_executed`.
   */
  singletonKey?: string;
  /**
   * Jobs of one key run one at a time, oldest first (pg-boss's groups with a
   * concurrency of one); see src/federation/job-queue.ts for what this does
   * and does not promise.
   */
  orderingKey?: string;
}

/**
 * A queue to create: its name, or its name and `unique: true`, for jobs sent
 * with a `singletonKey` of which at most one per key waits at a time.
 */
export type QueueSpec = string | { name: string; unique: true };

/** What domain code sees: a way to ask for work to be done later. */
export interface JobQueue {
  send(name: string, data: object, options?: SendOptions): Promise<void>;
}

/** Runs one job. Throwing fails the attempt (retried later). */
export type JobHandler = (data: unknown) => Promise<void>;

/** The queue as the composition root sees it: workers, lifecycle, tests. */
export interface JobRunner extends JobQueue {
  /** Registers the handler of the jobs named `name` (and starts polling for them, when polling). */
  work(name: string, handler: JobHandler): Promise<void>;
  /** Sends job `name` (with no data) on a cron schedule (UTC), whichever process is running. */
  schedule(name: string, cron: string): Promise<void>;
  start(): Promise<void>;
  /** Stops polling, lets running handlers finish, and releases connections it owns. */
  stop(): Promise<void>;
  /**
   * Runs every queued job with a registered handler, and the jobs those jobs
   * queue, until none is left (for tests and commands). Rethrows a handler's error.
   */
  drain(): Promise<number>;
}
