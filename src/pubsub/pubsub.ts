// Publish/subscribe between Herd's processes: a message published by any
// process reaches every subscribed process, this one included, once. Two
// adapters, chosen by the composition root:
//
// - postgres.ts, the default: NOTIFY / LISTEN on Herd's own database. A
//   message is published inside the transaction that made the change and
//   PostgreSQL delivers it when (and only if) that transaction commits.
// - redis.ts, when REDIS_URL is set: PUBLISH / SUBSCRIBE, after the commit.
//
// Delivery is best-effort, as Mastodon's Redis pub/sub is: a process that is
// reconnecting misses what was published meanwhile. Nothing durable may
// depend on it (durable work goes through jobs).
import type { DbOrTx } from "../db/database.ts";

export type MessageListener = (message: string) => void;

export interface PubSub {
  readonly name: "postgres" | "redis";
  /**
   * True: publish() takes the transaction the messages belong to, and they
   * are delivered when it commits. False: call publish() after the commit.
   */
  readonly transactional: boolean;
  /** The largest message, in UTF-8 bytes, publish() accepts. */
  readonly maxMessageBytes: number;
  /** Sends `messages`, in order, to every subscribed process (in `tx` when transactional). */
  publish(messages: readonly string[], tx?: DbOrTx): Promise<void>;
  /** Hears every message from now on; returns the function that stops it. */
  subscribe(listener: MessageListener): () => void;
  /** Opens the subscribing connection (publishing alone needs none). */
  start(): Promise<void>;
  /** Closes every connection the adapter opened. */
  close(): Promise<void>;
}

/** Calls every listener with `message`; a listener that throws does not stop the others. */
export function dispatch(
  listeners: Iterable<MessageListener>,
  message: string,
  onError: (error: unknown) => void,
): void {
  for (const listener of listeners) {
    try {
      listener(message);
    } catch (error) {
      onError(error);
    }
  }
}
