// Emitting domain events from inside a transaction: `emit(tx, event)`.
//
// The bus is not passed around: it travels with the database handle. The
// composition root wraps its Database once (`withEvents`); the wrapped handle
// and every transaction opened on it carry an event scope, which `emit` finds
// on the handle it is given. The wrapper collects the events of each
// transaction and, when its callback has returned, hands them to the bus:
// the in-transaction subscribers run then, still inside it (in one go, so a
// NOTIFY costs one statement per transaction, not one per event), and the
// after-commit subscribers once the COMMIT has succeeded. Events of a
// savepoint (a nested transaction) join the enclosing transaction's when the
// savepoint is released, and are dropped when it rolls back.
//
// Why not a registry or an argument: every domain function already takes the
// handle it writes with, many of them (notify, the feed hooks) deep inside
// other functions' transactions; threading a bus through each signature
// would touch every caller for no gain. A handle that was not wrapped (a
// script, a test of a single function) emits nothing.
import type { Database, DbOrTx } from "../../db/database.ts";
import type { EventBus } from "./bus.ts";
import type { DomainEvent } from "./types.ts";

const SCOPE = Symbol("herd.events");

interface Scope {
  bus: EventBus;
  /** The events of the transaction under way; null on the bare handle (no transaction). */
  pending: DomainEvent[] | null;
}

type TransactionFn = (tx: unknown) => Promise<unknown>;
interface Transactional {
  transaction(fn: TransactionFn, config?: unknown): Promise<unknown>;
}

function scopeOf(handle: DbOrTx): Scope | undefined {
  return (handle as unknown as Record<symbol, Scope | undefined>)[SCOPE];
}

/** `target` (a Drizzle handle or transaction) answering SCOPE and opening scoped transactions. */
function scoped<T extends object>(target: T, scope: Scope): T {
  return new Proxy(target, {
    get(t, prop) {
      if (prop === SCOPE) return scope;
      if (prop === "transaction") {
        return (fn: TransactionFn, config?: unknown) =>
          transaction(t as Transactional, scope, fn, config);
      }
      const value = Reflect.get(t, prop, t) as unknown;
      return typeof value === "function" ? value.bind(t) : value;
    },
  });
}

async function transaction(
  target: Transactional,
  scope: Scope,
  fn: TransactionFn,
  config: unknown,
): Promise<unknown> {
  const pending: DomainEvent[] = [];
  if (scope.pending !== null) {
    // A savepoint: its events are the enclosing transaction's once it is released.
    const result = await target.transaction(
      (tx) => fn(scoped(tx as object, { ...scope, pending })),
      config,
    );
    scope.pending.push(...pending);
    return result;
  }
  const result = await target.transaction(async (tx) => {
    const value = await fn(scoped(tx as object, { ...scope, pending }));
    await scope.bus.runInTransaction(tx as DbOrTx, pending);
    return value;
  }, config);
  scope.bus.runAfterCommit(pending);
  return result;
}

/**
 * The same database whose handle, and every transaction opened on it, emits
 * domain events to `bus`. The pool and close() are shared with `database`.
 */
export function withEvents(database: Database, bus: EventBus): Database {
  return { ...database, db: scoped(database.db, { bus, pending: null }) };
}

/**
 * Tells the bus of `events`, as part of the transaction `tx` (or, on a bare
 * handle, at once): call it after the writes it describes.
 */
export async function emit(tx: DbOrTx, ...events: DomainEvent[]): Promise<void> {
  const scope = scopeOf(tx);
  if (!scope || events.length === 0) return;
  if (scope.pending !== null) {
    scope.pending.push(...events);
    return;
  }
  await scope.bus.runInTransaction(tx, events);
  scope.bus.runAfterCommit(events);
}
