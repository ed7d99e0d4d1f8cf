// How deliveries are retried and which hosts are skipped, around Fedify's
// outbox queue (job-queue.ts):
// - retries: exponential back-off from 30 s up to 12 h between attempts,
//   for about a week (Mastodon's DeliveryWorker retries for days too);
// - a response Mastodon treats as final (a 4xx other than 401, 408 and 429,
//   and 501: `response_error_unsalvageable?`) is not retried;
// - every delivery attempt tells delivery-failures.ts how the host did: a
//   failure (a 5xx or 401/408/429, or no answer at all), or an answer (a
//   success or a final refusal: the host is up); deliveries to a host marked
//   unavailable are skipped (DeliveryWorker: `return unless available?`);
// - every incoming activity tells it that its sender's host is up.
//
// Fedify reports a failed attempt through `onOutboxError` with the error and
// the activity only; which delivery it was is known from the queue message
// being run, kept in an AsyncLocalStorage for the duration of Fedify's handler.
import { AsyncLocalStorage } from "node:async_hooks";
import {
  createExponentialBackoffPolicy,
  SendActivityError,
  type RetryPolicy,
} from "@fedify/fedify";
import type { Logger } from "../logger.ts";
import { deliveryHost, type DeliveryFailures } from "./delivery-failures.ts";
import { aroundHandler, type JobMessageQueue } from "./job-queue.ts";

/** How long a delivery is retried. */
const RETRY_FOR_MS = 7 * 24 * 60 * 60 * 1000;
const backoff = createExponentialBackoffPolicy({
  initialDelay: { seconds: 30 },
  maxDelay: { hours: 12 },
  maxAttempts: Number.POSITIVE_INFINITY,
});

/** Fedify's outboxRetryPolicy: back-off until a week has passed since the first attempt. */
export const OUTBOX_RETRY_POLICY: RetryPolicy = (context) =>
  context.elapsedTime.total({ unit: "milliseconds" }) >= RETRY_FOR_MS ? null : backoff(context);

/** Statuses Mastodon does not retry (DeliveryWorker#response_error_unsalvageable?). */
export const FINAL_STATUS_CODES: readonly number[] = [
  ...Array.from({ length: 100 }, (_, i) => 400 + i).filter((c) => ![401, 408, 429].includes(c)),
  501,
];

/** Whether an error says the host answered (so it is up), though not with a success. */
function answered(error: unknown): boolean {
  return error instanceof SendActivityError && FINAL_STATUS_CODES.includes(error.statusCode);
}

interface Attempt {
  /** The queued message's id: a retry or a hold of it keeps it. */
  id: unknown;
  failed: boolean;
  answered: boolean;
  requeued: boolean;
}

export interface DeliveryTracking {
  /** The outbox queue: skips unavailable hosts, and records how each delivery went. */
  outbox: JobMessageQueue;
  /** The inbox queue: every incoming activity tells that its sender's host is up. */
  inbox: JobMessageQueue;
  /** Fedify's onOutboxError. */
  onOutboxError(error: Error): void;
}

function fields(message: unknown): Record<string, unknown> {
  return typeof message === "object" && message !== null
    ? (message as Record<string, unknown>)
    : {};
}

/** The host of an incoming activity's actor. */
function senderHost(message: unknown): string | null {
  const activity = fields(fields(message).activity);
  const actor = activity.actor;
  const id = typeof actor === "string" ? actor : fields(Array.isArray(actor) ? actor[0] : actor).id;
  return typeof id === "string" ? deliveryHost(id) : null;
}

export function trackDeliveries(
  queues: { outbox: JobMessageQueue; inbox: JobMessageQueue },
  failures: DeliveryFailures,
  logger: Logger,
): DeliveryTracking {
  const current = new AsyncLocalStorage<Attempt>();
  const { outbox, inbox } = queues;

  const trackedOutbox: JobMessageQueue = {
    ...aroundHandler(outbox, (handler) => async (message) => {
      const m = fields(message);
      const host =
        m.type === "outbox" && typeof m.inbox === "string" ? deliveryHost(m.inbox) : null;
      if (!host) return handler(message);
      if (await failures.isUnavailable(host)) {
        logger.info("delivery skipped: host unavailable", { host, activity: m.activityId });
        return;
      }
      const attempt: Attempt = { id: m.id, failed: false, answered: false, requeued: false };
      await current.run(attempt, () => handler(message));
      if (attempt.failed) {
        if (await failures.recordFailure(host)) {
          logger.warn("host marked unavailable after days of failed deliveries", { host });
        }
      } else if (attempt.answered || !attempt.requeued) {
        // Delivered, or refused for good by a host that is up. (Requeued
        // without a failure: held by Fedify's circuit breaker, not tried.)
        await failures.recordSuccess(host);
      }
    }),
    async enqueue(message, options) {
      const attempt = current.getStore();
      if (attempt && fields(message).id === attempt.id) attempt.requeued = true;
      await outbox.enqueue(message, options);
    },
    async enqueueMany(messages, options) {
      for (const message of messages) await trackedOutbox.enqueue(message, options);
    },
  };

  const trackedInbox = aroundHandler(inbox, (handler) => async (message) => {
    const host = fields(message).type === "inbox" ? senderHost(message) : null;
    if (host) await failures.recordSuccess(host);
    await handler(message);
  });

  return {
    outbox: trackedOutbox,
    inbox: trackedInbox,
    onOutboxError(error) {
      const attempt = current.getStore();
      if (!attempt) return;
      if (answered(error)) attempt.answered = true;
      else attempt.failed = true;
    },
  };
}
