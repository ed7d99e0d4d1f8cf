// Pub/sub over PostgreSQL's NOTIFY and LISTEN
// (https://www.postgresql.org/docs/current/sql-notify.html): no other server
// to run. `pg_notify` inside the transaction that made a change is held by
// PostgreSQL until the COMMIT and dropped on a ROLLBACK, which is exactly
// "after commit", with no window where a crash between the commit and the
// publish loses the message. Notifications reach every session listening on
// the channel in the same database, in commit order; each process keeps ONE
// dedicated connection for LISTEN, outside the pool, and opens it again
// (with a growing pause) whenever it drops.
//
// Limits: a payload is at most 7,999 bytes (Herd's events are ids, far
// below); the commit of a transaction that notifies takes a database-wide
// lock for a moment, which is why the scaled mode can use Redis instead.
import { sql } from "drizzle-orm";
import pg from "pg";
import type { Db, DbOrTx } from "../db/database.ts";
import type { Logger } from "../logger.ts";
import { dispatch, type MessageListener, type PubSub } from "./pubsub.ts";

/** NOTIFY's payload limit is 8,000 bytes, terminator included. */
const MAX_PAYLOAD_BYTES = 7_999;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

export interface PostgresPubSubOptions {
  /** The database URL: the listening connection is opened on it. */
  url: string;
  /** Where messages published outside a transaction are sent. */
  db: Db;
  /** A channel name (an SQL identifier: letters, digits, underscores). */
  channel: string;
  logger: Logger;
}

export function createPostgresPubSub(options: PostgresPubSubOptions): PubSub {
  const { channel, logger } = options;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`bad channel name: ${channel}`);
  const listeners = new Set<MessageListener>();
  let client: pg.Client | null = null;
  let started = false;
  let closed = false;
  let retryMs = RETRY_MIN_MS;
  let retryTimer: NodeJS.Timeout | null = null;

  const onError = (err: unknown) => logger.error("pub/sub listener failed", { err });

  const reconnectLater = () => {
    if (closed || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect().catch(() => undefined);
    }, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  };

  async function connect(): Promise<void> {
    const c = new pg.Client({
      connectionString: options.url,
      keepAlive: true,
      application_name: "herd-pubsub",
    });
    const drop = (err?: unknown) => {
      if (client !== c) return;
      client = null;
      c.removeAllListeners("notification");
      c.end().catch(() => undefined);
      if (!closed) {
        logger.warn("pub/sub connection lost; reconnecting", { err });
        reconnectLater();
      }
    };
    c.on("error", drop);
    c.on("end", () => drop());
    c.on("notification", (msg) => {
      if (msg.channel === channel && msg.payload !== undefined) {
        dispatch(listeners, msg.payload, onError);
      }
    });
    client = c;
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
      retryMs = RETRY_MIN_MS;
    } catch (err) {
      drop(err);
      throw err;
    }
    if (closed) await c.end().catch(() => undefined);
  }

  return {
    name: "postgres",
    transactional: true,
    maxMessageBytes: MAX_PAYLOAD_BYTES,

    async publish(messages, tx?: DbOrTx) {
      const fits = messages.filter((m) => {
        if (Buffer.byteLength(m) <= MAX_PAYLOAD_BYTES) return true;
        logger.warn("pub/sub message too long for NOTIFY; dropped", {
          bytes: Buffer.byteLength(m),
        });
        return false;
      });
      if (fits.length === 0) return;
      // One statement for the whole batch, in order.
      await (tx ?? options.db).execute(sql`SELECT pg_notify(${channel}, m.payload)
        FROM unnest(${sql.param(fits)}::text[]) WITH ORDINALITY AS m(payload, n) ORDER BY m.n`);
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },

    async start() {
      if (started) return;
      started = true;
      await connect();
    },

    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      const c = client;
      client = null;
      listeners.clear();
      await c?.end().catch(() => undefined);
    },
  };
}
