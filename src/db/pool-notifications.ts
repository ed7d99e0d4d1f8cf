// LISTEN on every connection of a pool, for caches that must never serve
// what the database no longer says. Every connection, not one: PostgreSQL
// delivers a session's own notifications before the ReadyForQuery of the
// statement (or COMMIT) that made them, so a write made through any
// connection of this pool is heard here before the write's promise
// resolves, and a request that follows it in this process cannot read the
// cache as it was. Writes by other processes are heard within milliseconds,
// by whichever connections are idle.
import type pg from "pg";

export interface PoolNotifications {
  /**
   * Connections of the pool listening now: with none (or once any of them
   * failed to LISTEN: 0 for good), notifications are being missed.
   */
  listening(): number;
  /**
   * `fn` gets each payload, and null when the last listening connection
   * left the pool (notifications from then on are missed until one listens
   * again). Returns the function that unsubscribes.
   */
  subscribe(fn: (payload: string | null) => void): () => void;
}

export interface PoolListener {
  notifications: PoolNotifications;
  /** The pool's `onConnect`: each new connection LISTENs before the pool hands it out. */
  onConnect(client: pg.ClientBase): Promise<void>;
  /** Follows the connections `pool` removes. */
  watch(pool: pg.Pool): void;
}

export function poolListener(channel: string): PoolListener {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name: ${channel}`);
  const subscribers = new Set<(payload: string | null) => void>();
  const listening = new Set<pg.ClientBase>();
  // A connection that could not LISTEN: its writes would not be heard
  // before they return, so those relying on this must not trust it at all.
  let deaf = false;
  const tell = (payload: string | null) => {
    for (const fn of subscribers) fn(payload);
  };
  return {
    notifications: {
      listening: () => (deaf ? 0 : listening.size),
      subscribe(fn) {
        subscribers.add(fn);
        return () => subscribers.delete(fn);
      },
    },
    async onConnect(client) {
      client.on("notification", (message) => {
        if (message.channel === channel) tell(message.payload ?? "");
      });
      try {
        await client.query(`LISTEN ${channel}`);
        listening.add(client);
      } catch {
        if (!deaf) tell(null);
        deaf = true;
      }
    },
    watch(pool) {
      pool.on("remove", (client) => {
        if (listening.delete(client) && listening.size === 0) tell(null);
      });
    },
  };
}
