// Fedify's KvStore on a PostgreSQL table (`federation_kv`, migration 0020):
// cached remote documents and public keys, inbox idempotence records and the
// delivery circuit breaker's state survive restarts and are shared by every
// Herd process. Values are JSON (Fedify only stores JSON-serialisable values);
// a row past its `expires_at` reads as absent and is swept now and then.
import type { KvKey, KvStore, KvStoreListEntry, KvStoreSetOptions } from "@fedify/fedify";
import type pg from "pg";
import { durationMs } from "./temporal.ts";

/** One `set` in this many also deletes expired rows. */
const SWEEP_EVERY = 64;
const SWEEP_BATCH = 1000;

const LIVE = "(expires_at IS NULL OR expires_at > now())";

function expiry(options?: KvStoreSetOptions): Date | null {
  if (options?.ttl == null) return null;
  return new Date(Date.now() + durationMs(options.ttl));
}

/** JSON for a jsonb parameter (node-postgres would send arrays as PostgreSQL arrays). */
const json = (value: unknown) => JSON.stringify(value ?? null);

export function createPostgresKvStore(pool: pg.Pool): KvStore {
  let sets = 0;
  const sweep = async () => {
    await pool.query(
      `DELETE FROM federation_kv WHERE key IN (SELECT key FROM federation_kv
         WHERE expires_at <= now() LIMIT ${SWEEP_BATCH})`,
    );
  };

  return {
    async get<T = unknown>(key: KvKey): Promise<T | undefined> {
      const result = await pool.query<{ value: T }>(
        `SELECT value FROM federation_kv WHERE key = $1::text[] AND ${LIVE}`,
        [key],
      );
      return result.rows[0]?.value;
    },

    async set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
      await pool.query(
        `INSERT INTO federation_kv (key, value, expires_at) VALUES ($1::text[], $2::jsonb, $3)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`,
        [key, json(value), expiry(options)],
      );
      if (++sets % SWEEP_EVERY === 0) await sweep();
    },

    async delete(key: KvKey): Promise<void> {
      await pool.query("DELETE FROM federation_kv WHERE key = $1::text[]", [key]);
    },

    async cas(
      key: KvKey,
      expectedValue: unknown,
      newValue: unknown,
      options?: KvStoreSetOptions,
    ): Promise<boolean> {
      const expires = expiry(options);
      if (expectedValue === undefined) {
        // Absent, or present but expired: both count as "no value".
        const result = await pool.query(
          `INSERT INTO federation_kv AS kv (key, value, expires_at) VALUES ($1::text[], $2::jsonb, $3)
           ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at
           WHERE kv.expires_at IS NOT NULL AND kv.expires_at <= now()`,
          [key, json(newValue), expires],
        );
        return result.rowCount === 1;
      }
      const result = await pool.query(
        `UPDATE federation_kv SET value = $3::jsonb, expires_at = $4
         WHERE key = $1::text[] AND value = $2::jsonb AND ${LIVE}`,
        [key, json(expectedValue), json(newValue), expires],
      );
      return result.rowCount === 1;
    },

    async *list(prefix?: KvKey): AsyncIterable<KvStoreListEntry> {
      const result =
        prefix === undefined
          ? await pool.query<{ key: string[]; value: unknown }>(
              `SELECT key, value FROM federation_kv WHERE ${LIVE} ORDER BY key`,
            )
          : await pool.query<{ key: string[]; value: unknown }>(
              `SELECT key, value FROM federation_kv
               WHERE cardinality(key) >= $2 AND key[1:$2] = $1::text[] AND ${LIVE}
               ORDER BY key`,
              [prefix, prefix.length],
            );
      for (const row of result.rows) {
        yield { key: row.key as unknown as KvKey, value: row.value };
      }
    },
  };
}
