// A per-process cache whose entries the database itself invalidates: each
// entry names the rows it was made of (`kind:id` keys, as the database's
// triggers name changed rows on a channel every connection of the pool
// LISTENs, db/pool-notifications.ts), and is forgotten on the first
// notification naming one of them. The bearer tokens (channel `herd_auth`,
// migration 0151) and the rendered pages of statuses (`herd_pages`,
// migration 0152) are kept this way.
//
// Why it is never stale for this process's own writes: PostgreSQL delivers a
// session's own notifications before the ReadyForQuery of the write (or
// COMMIT), so the write's promise resolves after its entries are gone.
// Other processes' writes are heard within milliseconds. Safeguards:
// - nothing read before a notification naming one of its rows is stored
//   after it (`begin` remembers where the log of notifications stood);
// - a notification heard on several connections is acted on once (each
//   carries its transaction's id);
// - `*` (a TRUNCATE, a change too wide to list) forgets everything;
// - while no connection listens (the pool emptied, or one could not
//   LISTEN) nothing is kept or served;
// - no entry is trusted longer than `maxAgeMs` (a backstop for a
//   notification missed in a way the pool cannot see) or than the time it
//   gives itself (`until`, for what changes with the clock alone).
import { Lru } from "../lib/lru.ts";
import type { PoolNotifications } from "./pool-notifications.ts";

export interface StoreOptions {
  /** The rows it was made of, as `kind:id`. */
  keys: readonly string[];
  /** What it counts against the cache's `maxSize` (default 1). */
  size?: number;
  /** A time (performance.now()) after which it is wrong, if sooner than the cache's maximum age. */
  until?: number;
}

export interface NotifiedCache<V> {
  get(key: string): V | undefined;
  /**
   * Call before reading from the database; the function it returns keeps
   * what was read, unless a notification naming one of its rows (or `*`)
   * was heard meanwhile; true when it was kept.
   */
  begin(): (key: string, value: V, options: StoreOptions) => boolean;
}

export interface CacheLimits {
  maxEntries: number;
  /** The sum of the entries' sizes, at most (default: maxEntries). */
  maxSize?: number;
  maxAgeMs: number;
}

interface Stored<V> {
  value: V;
  keys: readonly string[];
  size: number;
  until: number;
}

/** Notifications remembered for `begin`: a store that started before the oldest is refused. */
const LOG_LENGTH = 512;

/** `txid kind:id,id,...` or `txid *`: the changed rows' keys, or null for "everything". */
export function changedKeys(payload: string): string[] | null {
  const change = payload.slice(payload.indexOf(" ") + 1);
  const colon = change.indexOf(":");
  if (colon < 0) return null;
  const kind = change.slice(0, colon + 1);
  return change
    .slice(colon + 1)
    .split(",")
    .map((id) => kind + id);
}

export function notifiedCache<V>(
  changes: PoolNotifications,
  limits: CacheLimits,
): NotifiedCache<V> {
  const maxSize = limits.maxSize ?? limits.maxEntries;
  // In use order, the least recently used first (lib/lru.ts).
  const entries = new Lru<Stored<V>>();
  const byKey = new Map<string, Set<string>>();
  let size = 0;
  // Every notification acted on, by number: null for "everything".
  let heardCount = 0;
  const log: (Set<string> | null)[] = [];

  const drop = (key: string) => {
    const stored = entries.peek(key);
    if (!stored) return;
    entries.delete(key);
    size -= stored.size;
    for (const k of stored.keys) {
      const dependents = byKey.get(k);
      dependents?.delete(key);
      if (dependents?.size === 0) byKey.delete(k);
    }
  };
  const clear = () => {
    entries.clear();
    byKey.clear();
    size = 0;
  };

  // Every listening connection hears each notification: act on the first.
  const heard = new Set<string>();
  changes.subscribe((payload) => {
    if (payload !== null) {
      if (heard.has(payload)) return;
      heard.add(payload);
      if (heard.size > 1_000) heard.delete(heard.values().next().value!);
    }
    const keys = payload === null ? null : changedKeys(payload);
    heardCount++;
    log.push(keys && new Set(keys));
    if (log.length > LOG_LENGTH) log.shift();
    if (keys === null) {
      clear();
      return;
    }
    for (const k of keys) {
      const dependents = byKey.get(k);
      if (dependents) for (const key of [...dependents]) drop(key);
    }
  });

  /** A notification since the `started`th named one of `keys` (or everything), or was forgotten. */
  const touchedSince = (started: number, keys: readonly string[]): boolean => {
    const since = heardCount - started;
    if (since === 0) return false;
    if (since > log.length) return true;
    for (let i = log.length - since; i < log.length; i++) {
      const named = log[i];
      if (named === null || named === undefined) return true;
      for (const k of keys) if (named.has(k)) return true;
    }
    return false;
  };

  return {
    get(key) {
      if (changes.listening() === 0) return undefined;
      const stored = entries.get(key);
      if (!stored) return undefined;
      if (performance.now() > stored.until) {
        drop(key);
        return undefined;
      }
      return stored.value;
    },
    begin() {
      const started = heardCount;
      const usable = changes.listening() > 0;
      return (key, value, options) => {
        if (!usable || changes.listening() === 0 || touchedSince(started, options.keys)) {
          return false;
        }
        const entrySize = options.size ?? 1;
        if (entrySize > maxSize || limits.maxEntries < 1) return false;
        const now = performance.now();
        const until = Math.min(now + limits.maxAgeMs, options.until ?? Infinity);
        // Wrong already (a mute ended while it was read).
        if (until <= now) return false;
        drop(key);
        while (
          entries.size > 0 &&
          (entries.size >= limits.maxEntries || size + entrySize > maxSize)
        ) {
          drop(entries.oldest()!);
        }
        entries.set(key, { value, keys: options.keys, size: entrySize, until });
        size += entrySize;
        for (const k of options.keys) {
          let dependents = byKey.get(k);
          if (!dependents) byKey.set(k, (dependents = new Set()));
          dependents.add(key);
        }
        return true;
      };
    },
  };
}
