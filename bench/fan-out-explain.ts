// Where a fan-out's time goes: EXPLAIN ANALYZE of the statements of the
// fan-out job for a new status of the seeded "poster" (followed by every
// regular account), each in a transaction rolled back. A development tool.
//
//   npx node bench/fan-out-explain.ts [--full] [--plans]
import pg from "pg";
import { PgDialect } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { freePort, makeDataDir, removeDataDir, stopServer } from "./server.ts";
import { FULL_SCALE, seed, SMALL_SCALE } from "./social-seed.ts";
import { embeddedUrl, startHerd, startScriptFlags } from "./social-server.ts";
import {
  filteredFromHome,
  ORIGINAL_OF_S,
  shownRecently,
} from "../src/domain/timelines/feed-filter.ts";

/** The statements of pushToHomes (src/domain/timelines/fan-out.ts), for one batch of receivers. */
function statements(statusId: string, authorId: string) {
  const r = sql.raw("rcv.id");
  const receivers = sql`(SELECT array_agg(f.account_id ORDER BY f.account_id) FROM follows f
    JOIN accounts a ON a.id = f.account_id WHERE f.target_account_id = ${authorId}
    AND a.domain IS NULL AND a.suspended_at IS NULL)`;
  return [
    {
      name: "bare insert",
      query: sql`INSERT INTO home_feed_entries (account_id, status_id, reblog_of_id)
        SELECT rcv.id, ${statusId}::bigint, ${statusId}::bigint FROM unnest(${receivers}) AS rcv(id)
        ON CONFLICT DO NOTHING`,
    },
    {
      name: "filters only (SELECT)",
      query: sql`SELECT count(*) FROM statuses s CROSS JOIN unnest(${receivers}) AS rcv(id)
        WHERE s.id = ${statusId} AND NOT ${filteredFromHome(r)}
          AND NOT ${shownRecently("home_feed_entries", r)}`,
    },
    {
      name: "pushToHomes",
      query: sql`INSERT INTO home_feed_entries (account_id, status_id, reblog_of_id)
        SELECT rcv.id, s.id, ${ORIGINAL_OF_S}
        FROM statuses s CROSS JOIN unnest(${receivers}) AS rcv(id)
        WHERE s.id = ${statusId} AND NOT ${filteredFromHome(r)}
          AND NOT ${shownRecently("home_feed_entries", r)}
        ON CONFLICT DO NOTHING RETURNING account_id::text AS id`,
    },
  ];
}

const dataDir = makeDataDir();
const port = await freePort();
const server = await startHerd(startScriptFlags(), port, dataDir, null);
try {
  const url = embeddedUrl(dataDir);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const scale = process.argv.includes("--full") ? FULL_SCALE : SMALL_SCALE;
  const seeded = await seed(client, scale, `http://localhost:${port}`, () => undefined);
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO statuses (id, account_id, text, content, visibility, local)
     VALUES ((floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint << 16) | 65534, $1,
       'x', '<p>x</p>', 'public', true) RETURNING id::text`,
    [seeded.posterId],
  );
  const dialect = new PgDialect();
  for (const { name, query } of statements(rows[0]!.id, seeded.posterId)) {
    const q = dialect.sqlToQuery(sql`EXPLAIN (ANALYZE, BUFFERS) ${query}`);
    let best = Infinity;
    let plan: string[] = [];
    for (let i = 0; i < 5; i++) {
      await client.query("BEGIN");
      const r = await client.query<{ "QUERY PLAN": string }>(q.sql, q.params);
      await client.query("ROLLBACK");
      plan = r.rows.map((x) => x["QUERY PLAN"]);
      best = Math.min(best, Number(/Execution Time: ([\d.]+)/.exec(plan.join("\n"))?.[1]));
    }
    console.log(`${name}: ${best.toFixed(2)} ms`);
    if (process.argv.includes("--plans")) console.log(plan.join("\n"));
  }
  await client.end();
} finally {
  await stopServer(server);
  removeDataDir(dataDir);
}
