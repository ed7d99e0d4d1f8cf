// Who hears domain events: subscribers the composition root (main.ts,
// test/kit) registers on one bus per process. Two kinds, for two needs:
//
// - `inTransaction`: durable work. Runs inside the emitting transaction,
//   just before it commits, with that transaction: a subscriber that sends a
//   job there (`jobs.send(name, data, { tx })`) gets a job exactly when the
//   change commits (federation's deliveries). Throwing rolls the change back,
//   so such a subscriber must only fail when the change must not happen.
//   PostgreSQL's NOTIFY is also sent this way: PostgreSQL holds it until
//   the transaction commits and drops it on a rollback.
// - `afterCommit`: best-effort work. Runs once the transaction has
//   committed, never after a rollback (Redis pub/sub for the streaming API).
//   A failure is logged and forgotten: the change stands.
//
// Events emitted outside a transaction (on the database handle itself) run
// both kinds at once: the write before them has already committed.
import type { DbOrTx } from "../../db/database.ts";
import type { DomainEvent } from "./types.ts";

export type InTransactionSubscriber = (tx: DbOrTx, events: readonly DomainEvent[]) => Promise<void>;

export type AfterCommitSubscriber = (events: readonly DomainEvent[]) => void | Promise<void>;

export interface EventBus {
  /** Runs `subscriber` in each emitting transaction, before it commits. */
  inTransaction(subscriber: InTransactionSubscriber): void;
  /** Runs `subscriber` after each emitting transaction has committed. */
  afterCommit(subscriber: AfterCommitSubscriber): void;
  /** For emit.ts: runs the in-transaction subscribers on `events`, in order. */
  runInTransaction(tx: DbOrTx, events: readonly DomainEvent[]): Promise<void>;
  /** For emit.ts: hands `events` to the after-commit subscribers; never throws. */
  runAfterCommit(events: readonly DomainEvent[]): void;
}

/** A bus with no subscribers yet; `onError` hears what after-commit subscribers throw. */
export function createEventBus(onError: (error: unknown) => void): EventBus {
  const inTx: InTransactionSubscriber[] = [];
  const after: AfterCommitSubscriber[] = [];
  return {
    inTransaction: (subscriber) => void inTx.push(subscriber),
    afterCommit: (subscriber) => void after.push(subscriber),
    async runInTransaction(tx, events) {
      if (events.length === 0) return;
      for (const subscriber of inTx) await subscriber(tx, events);
    },
    runAfterCommit(events) {
      if (events.length === 0) return;
      for (const subscriber of after) {
        try {
          Promise.resolve(subscriber(events)).catch(onError);
        } catch (error) {
          onError(error);
        }
      }
    },
  };
}
