import { createHash } from "node:crypto";
import { sql, type SQL } from "drizzle-orm";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import { poolListener, type PoolNotifications } from "./pool-notifications.ts";
import * as schema from "./schema/index.ts";

/** Drizzle over a pool; `$client` is the pool, for the few statements written as plain SQL. */
export type Db = NodePgDatabase<typeof schema> & { $client: pg.Pool };

/** A database handle or an open transaction: domain functions that take part in a caller's transaction accept either. */
export type DbOrTx = Db | Parameters<Parameters<Db["transaction"]>[0]>[0];

/** A connection pool and the Drizzle handle over it. */
export interface Database {
  pool: pg.Pool;
  db: Db;
  /**
   * Changes to tokens, applications, users and local accounts (channel
   * `herd_auth`, migration 0151), heard on every connection of the pool:
   * what the cache of bearer tokens forgets by (domain/oauth/token-cache.ts).
   */
  authChanges: PoolNotifications;
  /**
   * Changes to what rendered pages of statuses show or who may see them
   * (channel `herd_pages`, migration 0152), heard likewise: what the cache
   * of rendered pages forgets by (mastodon/entities/page-cache.ts).
   */
  pageChanges: PoolNotifications;
  close(): Promise<void>;
}

/** The channel of migration 0151's triggers. */
export const AUTH_CHANGES_CHANNEL = "herd_auth";

/** The channel of migration 0152's triggers. */
export const PAGE_CHANGES_CHANNEL = "herd_pages";

/**
 * What a statement starts with to be left unnamed (`unprepared`): planned
 * again for its values each time it runs.
 */
const UNPREPARED = "/* unprepared */ ";

/**
 * `query`, sent unnamed: for statements whose best plan depends on their
 * values so much that PostgreSQL's generic plan, which a named statement
 * gets after five runs on a connection, is a trap: the streams' check of one
 * status for 1,000 viewers took 1.2-1.6 s with it instead of ~30 ms
 * (bench/streaming.ts), and nothing stops PostgreSQL from choosing it.
 */
export function unprepared(query: SQL): SQL {
  return sql`${sql.raw(UNPREPARED)}${query}`;
}

/** Distinct statements a pool names (and so each of its connections may prepare), at most. */
export const MAX_PREPARED_STATEMENTS = 256;

/**
 * Names the statements Drizzle sends with parameters, so that each
 * connection parses them once and PostgreSQL can keep their plans (as Rails
 * does with prepared statements): planning the visibility and feed
 * conditions of a timeline costs PostgreSQL more than running them
 * (bench/social.ts). Statements without parameters keep the simple protocol,
 * which takes several commands at once; so does everything sent as a plain
 * string (migrations, pg-boss).
 */
function prepareStatements(pool: pg.Pool): void {
  const names = new Map<string, string>();
  const nameOf = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined && names.size < MAX_PREPARED_STATEMENTS) {
      name = `herd_${createHash("sha1").update(text).digest("base64url").slice(0, 22)}`;
      names.set(text, name);
    }
    return name;
  };
  pool.on("connect", (client) => {
    const query = client.query as (...args: unknown[]) => unknown;
    client.query = function (
      this: pg.PoolClient,
      config: unknown,
      values: unknown,
      ...rest: unknown[]
    ) {
      if (
        typeof config === "object" &&
        config !== null &&
        typeof (config as pg.QueryConfig).text === "string" &&
        !(config as pg.QueryConfig).name &&
        Array.isArray(values) &&
        values.length > 0 &&
        !(config as pg.QueryConfig).text.startsWith(UNPREPARED)
      ) {
        const name = nameOf((config as pg.QueryConfig).text);
        if (name) config = { ...config, name };
      }
      return query.call(this, config, values, ...rest);
    } as typeof client.query;
  });
}

export function connect(url: string, max = 10): Database {
  const authChanges = poolListener(AUTH_CHANGES_CHANNEL);
  const pageChanges = poolListener(PAGE_CHANGES_CHANNEL);
  const pool = new pg.Pool({
    connectionString: url,
    max,
    idleTimeoutMillis: 30_000,
    onConnect: async (client) => {
      await authChanges.onConnect(client);
      await pageChanges.onConnect(client);
    },
  });
  authChanges.watch(pool);
  pageChanges.watch(pool);
  // An idle client's error (the server went away) must not crash the process;
  // the next query reports it.
  pool.on("error", () => undefined);
  prepareStatements(pool);
  const db = drizzle(pool, { schema });
  return {
    pool,
    db,
    authChanges: authChanges.notifications,
    pageChanges: pageChanges.notifications,
    close: () => pool.end(),
  };
}
