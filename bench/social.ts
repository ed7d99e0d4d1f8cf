// The social core under load (issue P2): the real server (bin/start.js) over a
// seeded data set, each figure set against a baseline measured in the same
// run on the same machine (absolute times are noisy on a shared machine):
//   (a) GET /api/v1/timelines/home?limit=40 against a bare Hono app serving
//       the same bytes; (b) GET /api/v1/statuses/:id likewise; (c) the time
//       from posting to the status being in all 10,000 followers' home feeds,
//       against one bare INSERT … SELECT of those rows, and posting latency
//       with 10,000 followers against none; (d) /health through the app's
//       middleware against bare node:http; (e) Herd's memory before and after.
// Also the SQL statements per request of the home timeline at several page
// sizes, counted in process. Loopback only, bounded in requests and time.
//
//   npx node bench/social.ts [--small] [--database-url=postgres://…]
//     [--requests=3000] [--concurrency=50] [--rounds=3] [--posts=5]
//     [--node-flags="--cpu-prof --cpu-prof-dir=/tmp/prof"] [--json]
//
// Without --database-url (or DATABASE_URL) Herd runs its embedded PostgreSQL
// in a fresh DATA_DIR; with it, Herd gets a database of its own there, which
// is dropped at the end.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { requestJson, runLoad, type LoadResult } from "./load.ts";
import {
  freePort,
  makeDataDir,
  memoryOf,
  removeDataDir,
  stopServer,
  type Server,
} from "./server.ts";
import { FULL_SCALE, seed, SMALL_SCALE, type Seeded } from "./social-seed.ts";
import { countQueries, type QueryCount } from "./social-queries.ts";
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
    rounds: int("rounds", 3, 10),
    posts: int("posts", 5, 50),
    nodeFlags: flags === undefined ? startScriptFlags() : flags.split(/\s+/).filter(Boolean),
    json: argv.includes("--json"),
  };
}
type Options = ReturnType<typeof parseArgs>;

function log(message: string) {
  process.stderr.write(`bench/social: ${message}\n`);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** GET with a bearer token; the status and the raw body. */
function getBody(port: number, urlPath: string, token?: string) {
  return new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
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
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`GET ${urlPath} timed out`)));
    req.on("error", reject);
  });
}

interface Pair {
  herd: LoadResult;
  base: LoadResult;
}

/** A round of load lasts about this long at most: a slow server gets fewer requests. */
const ROUND_SECONDS = 20;

/**
 * Medians over rounds of Herd and the baseline, taken in turns after a
 * warm-up of each. Each round sends `o.requests` requests, or fewer when the
 * warm-up shows that they would take more than ROUND_SECONDS.
 */
async function compare(
  o: Options,
  herd: { port: number; path: string; headers?: Record<string, string> },
  base: { port: number; path: string },
): Promise<Pair> {
  const load = (t: { port: number; path: string; headers?: Record<string, string> }, n: number) =>
    runLoad({ ...t, requests: n, concurrency: o.concurrency });
  const budget = (warm: LoadResult) =>
    Math.max(o.concurrency * 4, Math.min(o.requests, Math.floor(warm.rps * ROUND_SECONDS)));
  const baseRequests = budget(await load(base, 300));
  const herdRequests = budget(await load(herd, 300));
  const herds: LoadResult[] = [];
  const bases: LoadResult[] = [];
  for (let i = 0; i < o.rounds; i++) {
    bases.push(await load(base, baseRequests));
    herds.push(await load(herd, herdRequests));
  }
  const pick = (rs: LoadResult[]): LoadResult => ({
    ...rs[0]!,
    requests: rs.reduce((n, r) => n + r.requests, 0),
    errors: rs.reduce((n, r) => n + r.errors, 0),
    rps: median(rs.map((r) => r.rps)),
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
    max: Math.max(...rs.map((r) => r.max)),
  });
  return { herd: pick(herds), base: pick(bases) };
}

interface Figures {
  node: string;
  cpus: number;
  loadAverage: number[];
  database: string;
  scale: string;
  nodeFlags: string[];
  seeded: Seeded;
  bodyBytes: Record<string, number>;
  queries: QueryCount[];
  timeline: Pair;
  status: Pair;
  health: Pair;
  healthHono: Pair;
  instance: Pair;
  fanOut: { bareInsertMs: number[]; durableMs: number[]; expected: number };
  posting: { followersMs: number[]; noneMs: number[] };
  rss: { idle: number; after: number };
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
      ] as const) {
        const got = await getBody(port, p, token);
        if (got.status !== 200) throw new Error(`GET ${p}: ${got.status} ${got.body}`);
        writeFileSync(path.join(bodiesDir, `${name}.json`), got.body);
        bodyBytes[name] = got.body.length;
        if (name === "timeline") {
          const n = (JSON.parse(got.body.toString()) as unknown[]).length;
          if (n !== 40) throw new Error(`the reader's timeline has ${n} statuses, not 40`);
        }
      }
      bare = await startBare(o.nodeFlags, bodiesDir);
      const auth = { authorization: `Bearer ${seeded.readerToken}` };

      log("(a) home timeline");
      const timeline = await compare(
        o,
        { port, path: timelinePath, headers: auth },
        { port: bare.honoPort, path: "/timeline" },
      );
      log("(b) one status");
      const status = await compare(
        o,
        { port, path: statusPath, headers: auth },
        { port: bare.honoPort, path: "/status" },
      );
      log("(d) /health and /api/v1/instance");
      const health = await compare(
        o,
        { port, path: "/health" },
        { port: bare.nodePort, path: "/health" },
      );
      const healthHono = await compare(
        o,
        { port, path: "/health" },
        { port: bare.honoPort, path: "/health" },
      );
      const instance = await compare(
        o,
        { port, path: "/api/v1/instance" },
        { port: bare.nodePort, path: "/instance" },
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
        status,
        health,
        healthHono,
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

const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : "-");
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "-");

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "),
    )
    .join("\n");
}

function report(f: Figures, o: Options): string {
  const pct = (a: number, b: number) => `${f0((a / b) * 100)}%`;
  const times = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  const pass = (ok: boolean) => (ok ? "pass" : "FAIL");
  const rows: string[][] = [["figure", "Herd", "baseline", "ratio", "target", "result"]];
  const throughput = (label: string, p: Pair, target: number | null, baseline: string) => {
    rows.push([
      `${label}: req/s (vs ${baseline})`,
      f0(p.herd.rps),
      f0(p.base.rps),
      pct(p.herd.rps, p.base.rps),
      target === null ? "(info)" : `>= ${target}%`,
      target === null ? "" : pass(p.herd.rps / p.base.rps >= target / 100 && p.herd.errors === 0),
    ]);
  };

  const latency = (label: string, p: Pair, p99Target?: number) => {
    rows.push([`${label}: p50 ms`, f1(p.herd.p50), f1(p.base.p50), "", "", ""]);
    rows.push([
      `${label}: p99 ms`,
      f1(p.herd.p99),
      f1(p.base.p99),
      "",
      p99Target ? `<= ${p99Target} ms` : "",
      p99Target ? pass(p.herd.p99 <= p99Target) : "",
    ]);
  };
  throughput("(a) home timeline, limit 40", f.timeline, 35, "bare Hono, same bytes");
  latency("(a) home timeline, limit 40", f.timeline, 30);
  throughput("(b) GET /api/v1/statuses/:id", f.status, 25, "bare Hono, same bytes");
  latency("(b) GET /api/v1/statuses/:id", f.status);
  const fan = median(f.fanOut.durableMs);
  const bareMs = median(f.fanOut.bareInsertMs);
  rows.push([
    `(c) post to ${f.fanOut.expected - 1} followers' feeds, ms (vs bare INSERT…SELECT)`,
    f0(fan),
    f1(bareMs),
    times(fan, bareMs),
    "<= 5x",
    pass(fan / bareMs <= 5),
  ]);
  const withF = median(f.posting.followersMs);
  const none = median(f.posting.noneMs);
  rows.push([
    `(c) posting latency, ms, ${f.fanOut.expected - 1} followers (vs none)`,
    f1(withF),
    f1(none),
    times(withF, none),
    "<= 1.5x",
    pass(withF / none <= 1.5),
  ]);
  throughput("(d) GET /health", f.health, 80, "bare node:http");
  throughput("(d) GET /health", f.healthHono, null, "bare Hono");
  throughput("(d) GET /api/v1/instance", f.instance, null, "bare node:http, same bytes");
  rows.push(["(e) Herd RSS MiB, idle before load", f1(f.rss.idle), "", "", "", ""]);
  rows.push(["(e) Herd RSS MiB, after the run", f1(f.rss.after), "", "", "", ""]);
  const byLimit = (n: number) =>
    f.queries.find((q) => q.path.endsWith(`limit=${n}`))?.queries ?? NaN;
  rows.push([
    "SQL statements per request, home limit 40 (vs limit 20)",
    String(byLimit(40)),
    String(byLimit(20)),
    "",
    "equal",
    pass(byLimit(40) === byLimit(20)),
  ]);

  const lines = [
    `Herd social bench: Node ${f.node}, ${f.cpus} CPUs, load average ${f.loadAverage.join(" ")}, ` +
      `${f.database} PostgreSQL, ${f.scale} data set, server flags ${f.nodeFlags.join(" ") || "none"}`,
    `Seeded: ${Object.entries(f.seeded.rows)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
    `Load: ${o.rounds} rounds per side of ${o.requests} requests (fewer if a round would ` +
      `pass ${ROUND_SECONDS} s), ${o.concurrency} concurrent ` +
      `keep-alive clients, medians of rounds; bodies: ${Object.entries(f.bodyBytes)
        .map(([k, v]) => `${k} ${v} B`)
        .join(", ")}; posts: ${o.posts}, medians`,
    "",
    table(rows),
    "",
    "Requests measured, Herd/baseline: " +
      (
        [
          ["timeline", f.timeline],
          ["status", f.status],
          ["health", f.health],
          ["health vs Hono", f.healthHono],
          ["instance", f.instance],
        ] as const
      )
        .map(([label, p]) => `${label} ${p.herd.requests}/${p.base.requests}`)
        .join(", "),
    "Statements per request (in process): " +
      f.queries.map((q) => `${q.path} (${q.items} items) ${q.queries}`).join("; "),
  ];
  for (const [label, p] of [
    ["timeline", f.timeline],
    ["status", f.status],
    ["health", f.health],
    ["health (vs Hono)", f.healthHono],
    ["instance", f.instance],
  ] as const) {
    if (p.herd.errors > 0)
      lines.push(`  ${label}: Herd answered ${JSON.stringify(p.herd.statuses)}`);
  }
  return lines.join("\n");
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
