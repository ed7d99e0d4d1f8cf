// The social core under load (issue P2): the real server (bin/start.js) over a
// seeded data set, each figure set against a baseline measured in the same
// run on the same machine (absolute times are noisy on a shared machine):
//   (a) GET /api/v1/timelines/home?limit=40 against a bare Hono app serving
//       the same bytes; (b) GET /api/v1/statuses/:id likewise; (c) the time
//       from posting to the status being in all 10,000 followers' home feeds,
//       against one bare INSERT … SELECT of those rows, and posting latency
//       with 10,000 followers against none; (d) a constant API answer
//       (GET /api/v1/trends, through the whole middleware stack and the
//       router) against bare node:http giving the same answer (headers and
//       body), and for information: bare Hono giving that answer against
//       node:http (the floor under that ratio for any app on Hono), Herd
//       against node:http's plain answer (the same body, two headers),
//       node:http's whole answer against its plain one (what Mastodon's
//       headers cost node:http), /health (answered by
//       the front, before the middleware and router) against bare node:http
//       and bare Hono, and /api/v1/instance; (e) Herd's memory before and
//       after.
// Each throughput figure comes with the CPU time per request of the process
// that answers (Herd's own, not its PostgreSQL's: bench/profile.ts shows both).
// Also the SQL statements per request of the home timeline at several page
// sizes, counted in process with the cache of rendered pages off. Loopback
// only, bounded in requests and time. The server gets the bench's
// environment: `PAGE_CACHE_MB=0 npx node bench/social.ts` measures (a) and
// (b) as read from PostgreSQL each time.
//
//   npx node bench/social.ts [--small] [--database-url=postgres://…]
//     [--requests=3000] [--concurrency=50] [--rounds=4] [--posts=9]
//     [--node-flags="--cpu-prof --cpu-prof-dir=/tmp/prof"] [--json]
//
// --node-flags: the server's Node flags (default: those of `npm start`);
// --small: a tenth of the data set. Without --database-url (or DATABASE_URL)
// Herd runs its embedded PostgreSQL in a fresh DATA_DIR; with it, Herd gets
// a database of its own there, which is dropped at the end.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { requestJson, runLoad } from "./load.ts";
import { compare } from "./social-compare.ts";
import {
  freePort,
  makeDataDir,
  memoryOf,
  removeDataDir,
  stopServer,
  type Server,
} from "./server.ts";
import { FULL_SCALE, seed, SMALL_SCALE } from "./social-seed.ts";
import { countQueries } from "./social-queries.ts";
import { QUICK_ROUNDS, report, ROUND_SECONDS, type Figures } from "./social-report.ts";
import {
  createExternalDatabase,
  embeddedUrl,
  startBare,
  startHerd,
  startScriptFlags,
  type Bare,
} from "./social-server.ts";

const TIME_LIMIT_MS = 15 * 60_000;

function parseArgs(argv: string[]) {
  const get = (name: string) =>
    argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const int = (name: string, fallback: number, max: number) => {
    const v = get(name);
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${name}: 1 to ${max}`);
    return n;
  };
  const flags = get("node-flags");
  return {
    small: argv.includes("--small"),
    // The bench's own option, then the environment (as tests use it).
    databaseUrl: get("database-url") ?? process.env.DATABASE_URL ?? null,
    requests: int("requests", 3000, 100_000),
    concurrency: int("concurrency", 50, 256),
    rounds: int("rounds", 4, 10),
    posts: int("posts", 9, 50),
    nodeFlags: flags === undefined ? startScriptFlags() : flags.split(/\s+/).filter(Boolean),
    json: argv.includes("--json"),
  };
}
type Options = ReturnType<typeof parseArgs>;

function log(message: string) {
  process.stderr.write(`bench/social: ${message}\n`);
}

/** GET with a bearer token; the status and the raw body. */
function getBody(port: number, urlPath: string, token?: string) {
  return new Promise<{ status: number; body: Buffer; headers: http.IncomingHttpHeaders }>(
    (resolve, reject) => {
      const req = http.get(
        {
          host: "127.0.0.1",
          port,
          path: urlPath,
          agent: false,
          timeout: 30_000,
          headers: token ? { authorization: `Bearer ${token}` } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks),
              headers: res.headers,
            }),
          );
        },
      );
      req.on("timeout", () => req.destroy(new Error(`GET ${urlPath} timed out`)));
      req.on("error", reject);
    },
  );
}

/** Time (ms) from sending POST /api/v1/statuses until it answers, and until it is in `expected` feeds. */
async function post(port: number, token: string, text: string, poller?: pg.Client, expected = 0) {
  const started = performance.now();
  const res = await requestJson(port, "POST", "/api/v1/statuses", {
    status: text,
    access_token: token,
  });
  const answered = performance.now() - started;
  if (res.status !== 200) throw new Error(`POST /api/v1/statuses: ${res.status}`);
  if (!poller) return { answered, durable: NaN };
  const deadline = started + 120_000;
  for (;;) {
    const { rows } = await poller.query<{ n: string }>(
      "SELECT count(*) AS n FROM home_feed_entries WHERE status_id = $1",
      [res.body.id],
    );
    if (Number(rows[0]!.n) >= expected) break;
    if (performance.now() > deadline)
      throw new Error(`fan-out of ${res.body.id} not done in 120 s`);
    await new Promise((r) => setTimeout(r, 2));
  }
  return { answered, durable: performance.now() - started };
}

/** One bare INSERT … SELECT of a status into the home feed of every follower of `authorId`. */
async function bareInsert(client: pg.Client, authorId: string): Promise<number> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO statuses (id, account_id, text, content, visibility, local)
     VALUES ((floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint << 16) | 65535, $1,
       'bare', '<p>bare</p>', 'public', true) RETURNING id::text`,
    [authorId],
  );
  const id = rows[0]!.id;
  const started = performance.now();
  await client.query(
    `INSERT INTO home_feed_entries (account_id, status_id, reblog_of_id)
     SELECT account_id, $1, $1 FROM follows WHERE target_account_id = $2`,
    [id, authorId],
  );
  const ms = performance.now() - started;
  await client.query("DELETE FROM statuses WHERE id = $1", [id]);
  return ms;
}

/** What to undo when the bench is stopped early (time limit, Ctrl-C); set by bench(). */
let cleanup: (() => Promise<void>) | null = null;

async function bench(o: Options) {
  const dataDir = makeDataDir();
  const bodiesDir = mkdtempSync(path.join(os.tmpdir(), "herd-bench-bodies-"));
  let external: Awaited<ReturnType<typeof createExternalDatabase>> | null = null;
  let server: Server | null = null;
  let bare: Bare | null = null;
  let cleaning: Promise<void> | null = null;
  // Stops Herd with SIGTERM (so that it stops its embedded PostgreSQL), then
  // drops the external database and removes the folders; once, whoever asks.
  cleanup = () =>
    (cleaning ??= (async () => {
      bare?.child.kill("SIGTERM");
      if (server) await stopServer(server);
      await external
        ?.drop()
        .catch((e: unknown) => log(`could not drop the database: ${String(e)}`));
      removeDataDir(dataDir);
      rmSync(bodiesDir, { recursive: true, force: true });
    })());
  try {
    external = o.databaseUrl ? await createExternalDatabase(o.databaseUrl) : null;
    const port = await freePort();
    log(`starting Herd on port ${port} (${external ? "external" : "embedded"} PostgreSQL)`);
    server = await startHerd(o.nodeFlags, port, dataDir, external?.url ?? null);
    const url = external?.url ?? embeddedUrl(dataDir);
    const db = new pg.Client({ connectionString: url });
    // The database going away (a stop) is reported by the next query, not as a crash.
    db.on("error", () => undefined);
    await db.connect();
    const closeDb = () => db.end().catch(() => undefined);
    try {
      const scale = o.small ? SMALL_SCALE : FULL_SCALE;
      const seeded = await seed(db, scale, `http://localhost:${port}`, log);
      log(`seeded: ${JSON.stringify(seeded.rows)}`);
      await new Promise((r) => setTimeout(r, 2000));
      const idle = memoryOf([server.child.pid!]).rss;

      log("counting statements per request (in process)");
      const queries = await countQueries(url, `localhost:${port}`, seeded.readerToken, [
        "/api/v1/timelines/home?limit=5",
        "/api/v1/timelines/home?limit=20",
        "/api/v1/timelines/home?limit=40",
        `/api/v1/statuses/${seeded.sampleStatusId}`,
      ]);

      // The bytes the baselines serve: Herd's own answers.
      const timelinePath = "/api/v1/timelines/home?limit=40";
      const statusPath = `/api/v1/statuses/${seeded.sampleStatusId}`;
      const bodyBytes: Record<string, number> = {};
      for (const [name, p, token] of [
        ["timeline", timelinePath, seeded.readerToken],
        ["status", statusPath, seeded.readerToken],
        ["instance", "/api/v1/instance", undefined],
        ["trends", "/api/v1/trends", undefined],
      ] as const) {
        const got = await getBody(port, p, token);
        if (got.status !== 200) throw new Error(`GET ${p}: ${got.status} ${got.body}`);
        writeFileSync(path.join(bodiesDir, `${name}.json`), got.body);
        // And its headers, for a baseline that answers with all of it (social-bare.ts).
        writeFileSync(path.join(bodiesDir, `${name}.headers`), JSON.stringify(got.headers));
        bodyBytes[name] = got.body.length;
        if (name === "timeline") {
          const n = (JSON.parse(got.body.toString()) as unknown[]).length;
          if (n !== 40) throw new Error(`the reader's timeline has ${n} statuses, not 40`);
        }
      }
      bare = await startBare(o.nodeFlags, bodiesDir);
      const herdPid = server.child.pid!;
      const barePid = bare.child.pid!;
      const auth = { authorization: `Bearer ${seeded.readerToken}` };

      // (a), (b) and /api/v1/instance: rounds of o.requests; the quick
      // answers below: rounds of about a second.
      const full = { requests: o.requests, rounds: o.rounds, seconds: ROUND_SECONDS };
      log("(a) home timeline");
      const timeline = await compare(
        o.concurrency,
        { port, path: timelinePath, headers: auth, pid: herdPid },
        { port: bare.honoPort, path: "/timeline", pid: barePid },
        full,
      );
      const timelineAlone = await runLoad({
        port,
        path: timelinePath,
        headers: auth,
        requests: 200,
        concurrency: 1,
      });
      log("(b) one status");
      const status = await compare(
        o.concurrency,
        { port, path: statusPath, headers: auth, pid: herdPid },
        { port: bare.honoPort, path: "/status", pid: barePid },
        full,
      );
      log("(d) /health, /api/v1/trends and /api/v1/instance");
      // A round of a few thousand requests to /health lasts a fraction of a
      // second, at the mercy of whatever else the machine does then (rounds
      // of 0.3 s put the same code anywhere from 60% to 84% of node:http in
      // one day's runs): more rounds, of about a second each.
      const quick = { requests: 100_000, rounds: QUICK_ROUNDS, seconds: 1 };
      const health = await compare(
        o.concurrency,
        { port, path: "/health", pid: herdPid },
        { port: bare.nodePort, path: "/health", pid: barePid },
        quick,
      );
      const healthHono = await compare(
        o.concurrency,
        { port, path: "/health", pid: herdPid },
        { port: bare.honoPort, path: "/health", pid: barePid },
        quick,
      );
      // /health is answered by the front (src/http/front.ts) and skips the
      // API's middleware and router; a constant API answer shows what every
      // API request pays before its route's own work. (d)'s baseline gives
      // the same answer, to the byte, as (a)'s and (b)'s do: Mastodon's
      // headers (CORS, the request id, nosniff, Cache-Control) and the body,
      // a request id of its own for each.
      const trends = await compare(
        o.concurrency,
        { port, path: "/api/v1/trends", pid: herdPid },
        { port: bare.nodePort, path: "/trends/whole", pid: barePid },
        quick,
      );
      // No Herd at all: bare Hono giving that same answer, against node:http.
      // What Hono and @hono/node-server cost before any code of Herd's, the
      // floor under (d)'s ratio for any app built on them.
      const trendsFloor = await compare(
        o.concurrency,
        { port: bare.honoPort, path: "/trends/whole", pid: barePid },
        { port: bare.nodePort, path: "/trends/whole", pid: barePid },
        quick,
      );
      // Against node:http's plain answer (the same body with only its
      // content type and length): the stricter reading these figures were
      // judged by up to session 12, which also charges Herd for Mastodon's
      // headers.
      const trendsPlain = await compare(
        o.concurrency,
        { port, path: "/api/v1/trends", pid: herdPid },
        { port: bare.nodePort, path: "/trends", pid: barePid },
        quick,
      );
      // Bare node:http alone: its whole answer against its plain one, what
      // Mastodon's headers cost before any framework.
      const trendsWhole = await compare(
        o.concurrency,
        { port: bare.nodePort, path: "/trends/whole", pid: barePid },
        { port: bare.nodePort, path: "/trends", pid: barePid },
        quick,
      );
      const instance = await compare(
        o.concurrency,
        { port, path: "/api/v1/instance", pid: herdPid },
        { port: bare.nodePort, path: "/instance", pid: barePid },
        full,
      );

      log("(c) fan-out and posting");
      const { rows: followerRows } = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM follows f JOIN accounts a ON a.id = f.account_id
         WHERE f.target_account_id = $1 AND a.domain IS NULL AND a.suspended_at IS NULL`,
        [seeded.posterId],
      );
      const expected = Number(followerRows[0]!.n) + 1; // and the author's own feed
      const poller = new pg.Client({ connectionString: url });
      poller.on("error", () => undefined);
      await poller.connect();
      const fanOut = { bareInsertMs: [] as number[], durableMs: [] as number[], expected };
      const posting = { followersMs: [] as number[], noneMs: [] as number[] };
      try {
        // A post of each first, not counted (JIT, caches).
        await post(port, seeded.posterToken, "warm-up", poller, expected);
        await post(port, seeded.lonerToken, "warm-up");
        for (let i = 0; i < o.posts; i++) {
          fanOut.bareInsertMs.push(await bareInsert(db, seeded.posterId));
          // The bare insert's own aftermath (its cascade delete of 10,000
          // rows, their notifications) is not the post's: each post starts
          // 200 ms after whatever came before it.
          await new Promise((r) => setTimeout(r, 200));
          const popular = await post(port, seeded.posterToken, `post ${i}`, poller, expected);
          fanOut.durableMs.push(popular.durable);
          posting.followersMs.push(popular.answered);
          await new Promise((r) => setTimeout(r, 200));
          posting.noneMs.push((await post(port, seeded.lonerToken, `post ${i}`)).answered);
          await new Promise((r) => setTimeout(r, 200));
        }
      } finally {
        await poller.end();
      }

      await new Promise((r) => setTimeout(r, 2000));
      const after = memoryOf([server.child.pid!]).rss;
      const figures: Figures = {
        node: process.version,
        cpus: os.availableParallelism(),
        loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
        database: external ? "external" : "embedded",
        scale: o.small ? "small (1/10)" : "full",
        nodeFlags: o.nodeFlags,
        seeded,
        bodyBytes,
        queries,
        timeline,
        timelineAlone,
        status,
        health,
        healthHono,
        trends,
        trendsFloor,
        trendsPlain,
        trendsWhole,
        instance,
        fanOut,
        posting,
        rss: { idle, after },
      };
      return figures;
    } finally {
      await closeDb();
    }
  } finally {
    await cleanup();
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const abort = (why: string) => {
    log(why);
    // Cleaning up may itself hang (a server that does not stop): not for long.
    setTimeout(() => process.exit(1), 45_000).unref();
    void (cleanup?.() ?? Promise.resolve()).finally(() => process.exit(1));
  };
  const guard = setTimeout(
    () => abort(`stopped after ${TIME_LIMIT_MS / 60_000} minutes`),
    TIME_LIMIT_MS,
  );
  guard.unref();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => abort(`stopped by ${signal}`));
  }
  const figures = await bench(o);
  process.stdout.write(report(figures, o) + "\n");
  if (o.json) process.stdout.write(JSON.stringify(figures, null, 2) + "\n");
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/social: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
