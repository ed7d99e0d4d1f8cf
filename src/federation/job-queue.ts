// Fedify's MessageQueue on Herd's durable job queue (src/jobs, pg-boss): the
// inbox, outbox and fan-out tasks Fedify queues become jobs in Herd's own
// database, so a delivery or an incoming activity waiting to be processed
// survives a restart or a crash, and several Herd processes share the work.
// Tests run them with `drainJobs()` like every other job.
//
// Fedify keeps its own retry policy (nativeRetrial false): a failed delivery
// is queued again with a delay (pg-boss's startAfter), so the back-off is
// Fedify's, and a handler only throws (pg-boss then retries it a few times)
// on an unexpected error.
//
// Ordering keys (MessageQueueEnqueueOptions#orderingKey, outbox/ordering.ts)
// become pg-boss groups, and workers take at most one job of a group at a
// time (groupConcurrency 1), oldest first: a Delete queued while the Create
// of the same post is being delivered waits for it. What this does not
// promise, measured on PostgreSQL 15 with pg-boss 12.38:
// - two workers claiming at the same instant may both take a job of one
//   key (each claim is one statement that does not see the other's; in a
//   test of 300 pairs fetched at once, 250 were both taken);
// - a failed delivery is queued again behind later ones (Fedify's retry is
//   a new message with a delay), as with Fedify's own queues.
// pg-boss's `key_strict_fifo` policy would be strict, but its claim scans
// every waiting job of the queue (0.7 s a claim with 50,000 waiting), too
// slow for the outbox of a busy server; its `singleton` policy is cheap but
// still let 9 of 300 simultaneous pairs run out of order.
import type { MessageQueue, MessageQueueEnqueueOptions } from "@fedify/fedify";
import type { JobRunner } from "../jobs/queue.ts";
import { durationMs } from "./temporal.ts";

/** The job queues Fedify's tasks go to (created on start with the others). */
export const FEDERATION_JOBS = {
  inbox: "federation.inbox",
  outbox: "federation.outbox",
  fanout: "federation.fanout",
} as const;

export const FEDERATION_JOB_NAMES: readonly string[] = Object.values(FEDERATION_JOBS);

interface Envelope {
  message: unknown;
}

export interface JobMessageQueue extends MessageQueue {
  /** Resolves once `listen` has registered the worker (its own promise resolves only on abort). */
  readonly listening: Promise<void>;
}

export function createJobMessageQueue(jobs: JobRunner, name: string): JobMessageQueue {
  let registered!: () => void;
  const listening = new Promise<void>((resolve) => (registered = resolve));

  const enqueue = async (message: unknown, options?: MessageQueueEnqueueOptions) => {
    const delaySeconds = options?.delay ? durationMs(options.delay) / 1000 : 0;
    await jobs.send(name, { message } satisfies Envelope, {
      delaySeconds,
      ...(options?.orderingKey ? { orderingKey: options.orderingKey } : {}),
    });
  };

  return {
    nativeRetrial: false,
    listening,
    enqueue,
    async enqueueMany(messages, options) {
      for (const message of messages) await enqueue(message, options);
    },
    async listen(handler, options) {
      await jobs.work(name, async (data) => {
        await handler((data as Envelope).message);
      });
      registered();
      const signal = options?.signal;
      if (signal?.aborted) return;
      // As MessageQueue#listen promises: resolve only when told to stop.
      await new Promise<void>((resolve) => signal?.addEventListener("abort", () => resolve()));
    },
  };
}

/** What a queue's worker does with one message. */
export type MessageHandler = (message: unknown) => Promise<void> | void;

/**
 * `queue` whose workers pass each message through `around` (which calls the
 * handler it is given, or not): sending is unchanged. The delivery tracking
 * and the deliveries' User-Agent each wrap the outbox this way.
 */
export function aroundHandler(
  queue: JobMessageQueue,
  around: (handler: MessageHandler) => MessageHandler,
): JobMessageQueue {
  return {
    nativeRetrial: queue.nativeRetrial,
    listening: queue.listening,
    enqueue: (message, options) => queue.enqueue(message, options),
    async enqueueMany(messages, options) {
      for (const message of messages) await queue.enqueue(message, options);
    },
    listen: (handler, options) => queue.listen(around(handler), options),
  };
}
