// Home feed costs, measured (see ARCHITECTURE.md, "Home feeds"):
// - the bare INSERT … SELECT of one entry per follower, against the fan-out
//   job that applies Mastodon's feed rules to each follower;
// - the latency of posting (insert, author's feed, job sent, commit) with 0
//   and with N followers, with the queued fan-out and with the inline one;
// - reading a page of a home feed from the feed table, against computing it
//   on read from the statuses of the followed accounts.
// Runs on a fresh embedded PostgreSQL (or DATABASE_URL's server, in a
// database of its own that it drops), bounded in size and time.
//
//   npx node bench/feeds.ts [--followers=10000] [--runs=5] [--json]
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import pg from "pg";
import { parseConfig } from "../src/config.ts";
import { connect, type Database } from "../src/db/database.ts";
import { createMediaStorage } from "../src/storage/index.ts";
import { migrate } from "../src/db/migrate.ts";
import { statuses } from "../src/db/schema/index.ts";
import { fanOut } from "../src/domain/timelines/fan-out.ts";
import { onStatusCreated } from "../src/domain/timelines/feeds.ts";
import { homeTimelineIds } from "../src/domain/timelines/read.ts";
import { trimFeeds } from "../src/domain/timelines/trim.ts";
import { mergeIntoHome } from "../src/domain/timelines/merge.ts";
import { createPgBossQueue } from "../src/jobs/pg-boss-queue.ts";
import type { JobRunner } from "../src/jobs/queue.ts";
import { JOB_NAMES, registerWorkers } from "../src/jobs/workers.ts";
import { newId } from "../src/lib/ids.ts";
import { silentLogger } from "../src/logger.ts";
import { notHiddenBy, statusVisibleTo } from "../src/domain/statuses/visibility.ts";

const TIME_LIMIT_MS = 10 * 60_000;

function arg(name: string, fallback: number, max: number): number {
  const given = process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
  const n = given === undefined ? fallback : Number(given);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${name}: 1 to ${max}`);
  return n;
}

const FOLLOWERS = arg("followers", 10_000, 200_000);
const RUNS = arg("runs", 5, 50);
/** For the read comparison: accounts the reader follows, statuses each. */
const FOLLOWED = 1_000;
const STATUSES_EACH = 50;
/** Statuses by others, newer than all the reader follows (the busy-server read). */
const SPARSE = 200_000;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function measure(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await timed(fn));
  return Math.round(median(times) * 10) / 10;
}

/** Ids handed out for seeded rows, in ranges that never overlap. */
let nextSeedId = BigInt(newId());

/** `n` local accounts named `prefix…`, made in one statement; returns their ids in order. */
async function seedAccounts(database: Database, prefix: string, n: number): Promise<string[]> {
  const base = nextSeedId;
  nextSeedId += BigInt(n) + 1n;
  const { rows } = await database.pool.query<{ id: string }>(
    `INSERT INTO accounts (id, username)
     SELECT $1::bigint + g, $2 || g FROM generate_series(1, $3) g RETURNING id::text`,
    [base.toString(), prefix, n],
  );
  return rows.map((r) => r.id);
}

/** A status row alone, without the feed hook. */
async function rawStatus(database: Database, authorId: string): Promise<string> {
  const [row] = await database.db
    .insert(statuses)
    .values({ id: newId(), accountId: authorId, text: "bench", content: "<p>bench</p>" })
    .returning({ id: statuses.id });
  return row!.id;
}

/** Posting as a request does: the status, the author's feed, the fan-out (queued or inline). */
async function insertStatus(database: Database, jobs: JobRunner | null, authorId: string) {
  return database.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(statuses)
      .values({ id: newId(), accountId: authorId, text: "bench", content: "<p>bench</p>" })
      .returning();
    await onStatusCreated(tx, row!, jobs);
    return row!;
  });
}

async function openDatabase(): Promise<{ database: Database; close: () => Promise<void> }> {
  let adminUrl: string;
  let stop = async () => {};
  let tmp: string | null = null;
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
  } else {
    const { startEmbedded } = await import("../src/db/embedded.ts");
    tmp = await mkdtemp(path.join(os.tmpdir(), "herd-bench-feeds-"));
    await chmod(tmp, 0o755);
    const handle = await startEmbedded({
      dir: path.join(tmp, "postgres"),
      password: randomBytes(12).toString("hex"),
      role: "server",
      logFile: path.join(tmp, "postgres.log"),
    });
    adminUrl = handle.url;
    stop = handle.stop;
  }
  const name = `herd_bench_feeds_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = connect(url.toString(), 4);
  return {
    database,
    async close() {
      await database.close();
      const again = new pg.Client({ connectionString: adminUrl });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
      await stop();
      if (tmp) await rm(tmp, { recursive: true, force: true });
    },
  };
}

async function main() {
  const deadline = setTimeout(() => {
    process.stderr.write("bench/feeds.ts: time limit reached\n");
    process.exit(1);
  }, TIME_LIMIT_MS);
  deadline.unref();

  const { database, close } = await openDatabase();
  const figures: Record<string, number | string> = {
    followers: FOLLOWERS,
    runs: RUNS,
    cpus: os.cpus().length,
  };
  try {
    await migrate(database.pool);
    const jobs = createPgBossQueue({
      pool: database.pool,
      logger: silentLogger,
      queues: JOB_NAMES,
      poll: false,
      maintenance: false,
    });
    await jobs.start();
    const config = parseConfig({
      NODE_ENV: "test",
      DATA_DIR: path.join(os.tmpdir(), "herd-bench"),
    });
    await registerWorkers(jobs, { database, config, media: createMediaStorage(config) });

    const [popular, loner] = await seedAccounts(database, "author", 2);
    const followers = await seedAccounts(database, "follower", FOLLOWERS);
    await database.pool.query(
      `INSERT INTO follows (id, account_id, target_account_id)
       SELECT $1::bigint + ord, f::bigint, $2 FROM unnest($3::bigint[]) WITH ORDINALITY AS x(f, ord)`,
      [newId(), popular, followers],
    );
    await database.pool.query("ANALYZE");

    // 1. The bare INSERT … SELECT of one entry per follower (no rules).
    const bareTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const id = await rawStatus(database, popular!);
      bareTimes.push(
        await timed(() =>
          database.db
            .execute(sql`INSERT INTO home_feed_entries (account_id, status_id, reblog_of_id)
            SELECT account_id, ${id}, ${id} FROM follows WHERE target_account_id = ${popular}
            ON CONFLICT DO NOTHING`),
        ),
      );
    }
    figures.bareInsertMs = Math.round(median(bareTimes) * 10) / 10;

    // 2. The fan-out job with Mastodon's rules for each follower.
    const fanOutTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const id = await rawStatus(database, popular!);
      fanOutTimes.push(await timed(() => fanOut(database.db, id)));
    }
    figures.fanOutJobMs = Math.round(median(fanOutTimes) * 10) / 10;

    // 3. Posting latency: queued fan-out (0 and N followers), inline fan-out (N).
    figures.postNoFollowersMs = await measure(RUNS, () => insertStatus(database, jobs, loner!));
    figures.postQueuedMs = await measure(RUNS, () => insertStatus(database, jobs, popular!));
    figures.drainQueuedMs = Math.round(await timed(() => jobs.drain()));
    figures.postInlineMs = await measure(RUNS, () => insertStatus(database, null, popular!));

    const { rows } = await database.pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM home_feed_entries",
    );
    figures.feedEntries = Number(rows[0]!.n);
    const size = await database.pool.query<{ bytes: string }>(
      "SELECT pg_total_relation_size('home_feed_entries') AS bytes",
    );
    figures.bytesPerEntry = Math.round(Number(size.rows[0]!.bytes) / figures.feedEntries);

    // 4. Reading: a reader following FOLLOWED accounts of STATUSES_EACH statuses each.
    const [reader] = await seedAccounts(database, "reader", 1);
    const followed = await seedAccounts(database, "followed", FOLLOWED);
    await database.pool.query(
      `INSERT INTO follows (id, account_id, target_account_id)
       SELECT $1::bigint + ord, $2, f::bigint FROM unnest($3::bigint[]) WITH ORDINALITY AS x(f, ord)`,
      [newId(), reader, followed],
    );
    const idBase = BigInt(newId());
    await database.pool.query(
      `INSERT INTO statuses (id, account_id, text, content)
       SELECT $1::bigint + (a.ord * ${STATUSES_EACH} + g) * 65536, a.f::bigint, 'x', '<p>x</p>'
       FROM unnest($2::bigint[]) WITH ORDINALITY AS a(f, ord), generate_series(1, ${STATUSES_EACH}) g`,
      [(idBase - 10_000_000_000n).toString(), followed],
    );
    await database.pool.query("ANALYZE");
    // One merge per follow (the job's work), the feed growing to FOLLOWED × 50 entries.
    const mergeTimes: number[] = [];
    for (const id of followed) {
      mergeTimes.push(await timed(() => mergeIntoHome(database.db, reader!, id)));
    }
    figures.mergePerFollowMs = Math.round(median(mergeTimes) * 10) / 10;
    const trimmed = await timed(() => trimFeeds(database.db));
    figures.trimAllFeedsMs = Math.round(trimmed);
    await database.pool.query("ANALYZE");
    const page = { maxId: null, sinceId: null, minId: null, limit: 20 };
    const computed = (readerId: string) =>
      database.db
        .select({ id: statuses.id })
        .from(statuses)
        .where(
          sql`(${statuses.accountId} = ${readerId} OR ${statuses.accountId} IN
                (SELECT target_account_id FROM follows WHERE account_id = ${readerId}))
              AND ${statusVisibleTo(readerId)} AND ${notHiddenBy(readerId)}`,
        )
        .orderBy(sql`${statuses.id} DESC`)
        .limit(20);
    figures.readFeedTableMs = await measure(RUNS, () =>
      homeTimelineIds(database.db, reader!, page),
    );
    figures.readComputedMs = await measure(RUNS, () => computed(reader!));

    // 5. The same reader once SPARSE newer statuses by accounts it does not
    //    follow sit on top of everything it follows (a busy server).
    await database.pool.query(
      `INSERT INTO statuses (id, account_id, text, content)
       SELECT $1::bigint + g::bigint * 16, $2, 'x', '<p>x</p>' FROM generate_series(1, ${SPARSE}) g`,
      [newId(), loner],
    );
    await database.pool.query("ANALYZE");
    figures.sparseNewerStatuses = SPARSE;
    figures.readFeedTableBusyMs = await measure(RUNS, () =>
      homeTimelineIds(database.db, reader!, page),
    );
    figures.readComputedBusyMs = await measure(RUNS, () => computed(reader!));
    await jobs.stop();
  } finally {
    await close();
  }

  const rowsOut = Object.entries(figures).map(([k, v]) => `${k.padEnd(20)} ${v}`);
  process.stdout.write(`Home feeds (median of ${RUNS} runs)\n${rowsOut.join("\n")}\n`);
  if (process.argv.includes("--json")) process.stdout.write(JSON.stringify(figures) + "\n");
}

await main();
