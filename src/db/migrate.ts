// Applies the ordered, named SQL files of migrations/ that a database has not
// seen yet. One set of migrations serves the embedded and external servers.
import { readdir, readFile } from "node:fs/promises";
import type pg from "pg";

export const migrationsDir = new URL("../../migrations/", import.meta.url);

// An arbitrary constant: migrations from two processes run one after the other.
const LOCK_KEY = 0x6865726400n.toString();

export interface MigrationResult {
  applied: string[];
}

export async function listMigrations(): Promise<string[]> {
  const names = await readdir(migrationsDir);
  return names.filter((n) => /^\d{4}_[a-z0-9_]+\.sql$/.test(n)).sort();
}

export async function migrate(pool: pg.Pool): Promise<MigrationResult> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS herd_migrations (
      name text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set(
      (await client.query<{ name: string }>("SELECT name FROM herd_migrations")).rows.map(
        (r) => r.name,
      ),
    );
    for (const name of await listMigrations()) {
      if (done.has(name)) continue;
      const sql = await readFile(new URL(name, migrationsDir), "utf8");
      await client.query("BEGIN");
      try {
        await client.query(sql);
        await client.query("INSERT INTO herd_migrations (name) VALUES ($1)", [name]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${name} failed: ${(error as Error).message}`, { cause: error });
      }
      applied.push(name);
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => undefined);
    client.release();
  }
  return { applied };
}

/** Names of migrations not yet applied (for `herd db migrate --status`). */
export async function pendingMigrations(pool: pg.Pool): Promise<string[]> {
  const exists = await pool.query("SELECT to_regclass('herd_migrations') AS t");
  const done = new Set<string>();
  if (exists.rows[0]?.t) {
    for (const r of (await pool.query<{ name: string }>("SELECT name FROM herd_migrations")).rows) {
      done.add(r.name);
    }
  }
  return (await listMigrations()).filter((n) => !done.has(n));
}
