// The streaming API under load (`npx node bench/streaming.ts`): the real
// server (bin/start.js, embedded PostgreSQL, LISTEN/NOTIFY), on loopback
// only, bounded in time.
//
// 1. Memory: the server's RSS with no stream open, then after each of 4
//    batches of --idle idle WebSockets (each subscribed to `user`): the extra
//    RSS per 1,000, as the slope through those reads (RSS alone moves by a
//    few MiB as the garbage collector works; many sockets outweigh that).
// 2. Latency: N WebSocket clients subscribed to `user` of N accounts that
//    follow one author. For each of --posts posts: the time from sending
//    POST /api/v1/statuses to its answer (the post's own latency), and to the
//    `update` event reaching the first and the last client. The figure that
//    counts is "last client minus the post's own latency": what streaming
//    adds (the queued fan-out, NOTIFY, rendering, sending), as p50 and p99.
//
// The database holds, besides the author and its N followers, the small data
// set of bench/social-seed.ts (1,000 other accounts, 20,000 statuses,
// favourites, home feeds) and a life for each follower (feed entries,
// favourites, bookmarks, follows, blocks and mutes of other accounts), so
// that the streams' checks probe indexes of real size, not empty tables.
//
// Options: --clients=N (default 1000), --posts=N (default 20, plus 3 warm-up
// posts), --idle=N (sockets per memory step, default 2500), --empty (no data
// but the author and its followers), --json (also print the figures as JSON).
import http from "node:http";
import pg from "pg";
import WebSocket from "ws";
import {
  freePort,
  makeDataDir,
  memoryOf,
  removeDataDir,
  ROOT,
  stopServer,
  type Server,
} from "./server.ts";
import { seed as seedSocial, SMALL_SCALE } from "./social-seed.ts";
import { embeddedUrl, startHerd, startScriptFlags } from "./social-server.ts";

const TIME_LIMIT_MS = 10 * 60_000;
const WARM_UP_POSTS = 3;
const EVENT_TIMEOUT_MS = 30_000;
/** Batches of --idle idle sockets opened for the memory figure. */
const MEMORY_STEPS = 4;

interface Options {
  clients: number;
  idle: number;
  posts: number;
  empty: boolean;
  json: boolean;
}

function parseArgs(argv: string[]): Options {
  const int = (name: string, fallback: number, max: number) => {
    const given = argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
    const n = given === undefined ? fallback : Number(given);
    if (!Number.isInteger(n) || n < 1 || n > max) {
      throw new Error(`--${name} must be an integer from 1 to ${max}`);
    }
    return n;
  };
  return {
    clients: int("clients", 1000, 5000),
    idle: int("idle", 2500, 5000),
    posts: int("posts", 20, 200),
    empty: argv.includes("--empty"),
    json: argv.includes("--json"),
  };
}

const tokenOf = (g: number) => `bench-stream-token-${g}`;
const AUTHOR = 0;

/**
 * `n` followers of one author, with tokens, straight into the database; with
 * a `background` (the server's URL base), first the small social data set
 * and then a life for each follower (`seedLives`).
 */
async function seed(url: string, n: number, background: string | null): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    if (background !== null) {
      await seedSocial(client, SMALL_SCALE, background, (m) => process.stderr.write(`${m}\n`));
    }
    const base = BigInt(Date.now() - 86_400_000) << 16n;
    const id = (offset: string) => `(${base}::bigint + (${offset}) * 8)`;
    await client.query("BEGIN");
    await client.query(
      `INSERT INTO accounts (id, username, display_name, created_at, updated_at)
      SELECT ${id("g")}, 'reader' || g, 'Reader ' || g, now(), now()
      FROM generate_series(0, $1::int) g`,
      [n],
    );
    await client.query(`UPDATE accounts SET username = 'author' WHERE id = ${id(String(AUTHOR))}`);
    await client.query(
      `INSERT INTO users (id, account_id, email, encrypted_password, confirmed_at,
        approved, agreement, locale, created_at, updated_at)
      SELECT ${id("g")} + 1, ${id("g")}, 'r' || g || '@bench.test', '!', now(), true, true, 'en',
        now(), now()
      FROM generate_series(0, $1::int) g`,
      [n],
    );
    await client.query(`INSERT INTO oauth_applications (id, name, redirect_uri, scopes, client_id,
        client_secret_digest)
      VALUES (${id("0")} + 2, 'Bench', 'urn:ietf:wg:oauth:2.0:oob', 'read write', 'bench-stream', '!')`);
    await client.query(
      `INSERT INTO oauth_access_tokens (id, token_digest, application_id, user_id,
        scopes, last_used_at)
      SELECT ${id("g")} + 3, encode(sha256(convert_to('bench-stream-token-' || g, 'UTF8')), 'hex'),
        ${id("0")} + 2, ${id("g")} + 1, 'read write', now()
      FROM generate_series(0, $1::int) g`,
      [n],
    );
    await client.query(
      `INSERT INTO follows (id, account_id, target_account_id, created_at, updated_at)
      SELECT ${id("g")} + 4, ${id("g")}, ${id(String(AUTHOR))}, now(), now()
      FROM generate_series(1, $1::int) g`,
      [n],
    );
    await client.query(
      `UPDATE accounts SET followers_count = $1 WHERE id = ${id(String(AUTHOR))}`,
      [n],
    );
    if (background !== null) await seedLives(client, n, id);
    await client.query("COMMIT");
    await client.query("VACUUM ANALYZE");
  } finally {
    await client.end();
  }
}

/**
 * What followers 1..n do besides following the author: each follows 8 of the
 * other accounts, has 200 of their statuses in its home feed, favourited 20
 * and bookmarked 5 of them, and blocks and mutes 2 other accounts.
 */
async function seedLives(client: pg.Client, n: number, id: (offset: string) => string) {
  const pick = (x: string, salt: number, size: string) =>
    `1 + (hashint8((${x})::bigint * 7919 + ${salt}) & 2147483647) % ${size}`;
  await client.query(`CREATE TEMP TABLE others AS
    SELECT row_number() OVER (ORDER BY id) AS k, id FROM accounts WHERE username ~ '^u[0-9]+$'`);
  await client.query(`CREATE TEMP TABLE pool AS
    SELECT row_number() OVER (ORDER BY id) AS k, id FROM statuses
    WHERE visibility = 'public' AND reblog_of_id IS NULL`);
  await client.query("CREATE INDEX ON others (k); CREATE INDEX ON pool (k); ANALYZE others, pool");
  const others = "(SELECT count(*) FROM others)";
  const pool = "(SELECT count(*) FROM pool)";
  const per = async (table: string, columns: string, each: number, salt: number, values: string) =>
    client.query(
      `INSERT INTO ${table} (${columns})
      SELECT ${values} FROM generate_series(1, $1::int) g, generate_series(1, ${each}) j
      ON CONFLICT DO NOTHING`,
      [n],
    );
  const other = (salt: number) =>
    `(SELECT id FROM others WHERE k = ${pick("g * 1000 + j", salt, others)})`;
  const status = (salt: number) =>
    `(SELECT id FROM pool WHERE k = ${pick("g * 1000 + j", salt, pool)})`;
  const rowId = (salt: number) => `${id("g")} + 5 + (${salt} * 1000 + j) * 8 * (${n} + 1)`;
  await per(
    "follows",
    "id, account_id, target_account_id, created_at, updated_at",
    8,
    1,
    `${rowId(1)}, ${id("g")}, ${other(1)}, now(), now()`,
  );
  await per(
    "blocks",
    "id, account_id, target_account_id, created_at",
    2,
    2,
    `${rowId(2)}, ${id("g")}, ${other(2)}, now()`,
  );
  await per(
    "mutes",
    "id, account_id, target_account_id, created_at, updated_at",
    2,
    3,
    `${rowId(3)}, ${id("g")}, ${other(3)}, now(), now()`,
  );
  await per(
    "favourites",
    "id, account_id, status_id, created_at",
    20,
    4,
    `${rowId(4)}, ${id("g")}, ${status(4)}, now()`,
  );
  await per(
    "bookmarks",
    "id, account_id, status_id, created_at",
    5,
    5,
    `${rowId(5)}, ${id("g")}, ${status(5)}, now()`,
  );
  await client.query(
    `INSERT INTO home_feed_entries (account_id, status_id, reblog_of_id)
    SELECT ${id("g")}, p.id, p.id FROM generate_series(1, $1::int) g
      JOIN pool p ON p.k BETWEEN 1 + (g * 37) % (${pool} - 200) AND 200 + (g * 37) % (${pool} - 200)
    ON CONFLICT DO NOTHING`,
    [n],
  );
}

interface Client {
  ws: WebSocket;
  /** Called with each message's text. */
  onMessage: ((text: string) => void) | null;
}

/** Opens `count` sockets for followers `first`.. subscribed to `user`; resolves once all are open. */
async function openClients(port: number, first: number, count: number): Promise<Client[]> {
  const clients: Client[] = [];
  const opening: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/streaming?stream=user`, {
      headers: { authorization: `Bearer ${tokenOf(first + i)}` },
      perMessageDeflate: false,
    });
    const client: Client = { ws, onMessage: null };
    ws.on("message", (data) => client.onMessage?.(String(data)));
    opening.push(
      new Promise((resolve, reject) => {
        ws.once("open", () => resolve());
        ws.once("error", reject);
      }),
    );
    clients.push(client);
    // A few at a time, as clients connect.
    if (opening.length % 100 === 0) await Promise.all(opening.slice(-100));
  }
  await Promise.all(opening);
  return clients;
}

function request(port: number, method: string, path: string, token: string, body?: object) {
  const payload = body ? JSON.stringify(body) : undefined;
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload ? { "content-type": "application/json" } : {}),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The server process's RSS (MiB), the median of a few reads a moment apart. */
async function serverRss(server: Server): Promise<number> {
  const reads: number[] = [];
  for (let i = 0; i < 5; i++) {
    await sleep(400);
    reads.push(memoryOf([server.child.pid!]).rss);
  }
  return quantile(reads, 0.5);
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i]!;
}

interface PostTiming {
  post: number;
  first: number;
  last: number;
  beyond: number;
}

/** Posts once and waits for every client's `update` of it. */
async function onePost(port: number, clients: Client[], n: number): Promise<PostTiming> {
  let statusId: string | null = null;
  const early: [string, number][] = [];
  let received = 0;
  let first = 0;
  let last = 0;
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  const seen = (text: string, at: number) => {
    if (!text.includes('"update"') || !text.includes(statusId!)) return;
    received++;
    if (received === 1) first = at;
    if (received === clients.length) {
      last = at;
      done();
    }
  };
  for (const client of clients) {
    client.onMessage = (text) => {
      const at = performance.now();
      if (statusId === null) early.push([text, at]);
      else seen(text, at);
    };
  }
  const started = performance.now();
  const res = await request(port, "POST", "/api/v1/statuses", tokenOf(AUTHOR), {
    status: `Streaming bench post ${n}`,
  });
  const answered = performance.now();
  if (res.status !== 200)
    throw new Error(`POST /api/v1/statuses answered ${res.status}: ${res.text}`);
  statusId = (JSON.parse(res.text) as { id: string }).id;
  // Events that came before the answer named the status.
  for (const [text, at] of early.splice(0)) seen(text, at);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    all,
    new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`only ${received} of ${clients.length} clients got the post`)),
        EVENT_TIMEOUT_MS,
      );
    }),
  ]);
  clearTimeout(timer);
  return {
    post: answered - started,
    first: first - started,
    last: last - started,
    beyond: last - answered,
  };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const limit = setTimeout(() => {
    process.stderr.write("bench/streaming.ts: time limit reached\n");
    process.exit(1);
  }, TIME_LIMIT_MS);
  limit.unref();
  const log = (message: string) => process.stderr.write(`${message}\n`);
  const dataDir = makeDataDir();
  const port = await freePort();
  let server: Server | null = null;
  const sockets: Client[] = [];
  try {
    log(`starting Herd on port ${port} (${ROOT})`);
    server = await startHerd(startScriptFlags(), port, dataDir, null);
    log(`seeding ${options.clients} followers`);
    await seed(
      embeddedUrl(dataDir),
      options.clients,
      options.empty ? null : `http://localhost:${port}`,
    );
    // Warm the server's code paths before measuring memory.
    const warm = await openClients(port, 1, 10);
    for (let i = 0; i < 2; i++) await onePost(port, warm, -1 - i);
    for (const c of warm) c.ws.close();
    await sleep(500);

    // RSS moves by a few MiB on its own (garbage collection): read it with
    // no stream open and after each of MEMORY_STEPS batches of --idle idle
    // sockets, and take the slope of the line through those reads.
    log("memory: no stream open");
    const reads: [number, number][] = [[0, await serverRss(server)]];
    for (let step = 1; step <= MEMORY_STEPS; step++) {
      // Followers 1..N again: a user may have many streams open.
      for (let opened = 0; opened < options.idle; opened += options.clients) {
        const count = Math.min(options.clients, options.idle - opened);
        sockets.push(...(await openClients(port, 1, count)));
      }
      log(`memory: ${sockets.length} idle WebSockets`);
      reads.push([sockets.length, await serverRss(server)]);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const mx = mean(reads.map((r) => r[0]));
    const my = mean(reads.map((r) => r[1]));
    const perSocket =
      reads.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) /
      reads.reduce((a, [x]) => a + (x - mx) ** 2, 0);
    for (const c of sockets.splice(0)) c.ws.close();
    await sleep(500);
    const active = await openClients(port, 1, options.clients);
    sockets.push(...active);
    await sleep(500);

    log(
      `latency: ${options.posts} posts (+${WARM_UP_POSTS} warm-up) to ${options.clients} clients`,
    );
    const timings: PostTiming[] = [];
    for (let i = 0; i < WARM_UP_POSTS + options.posts; i++) {
      const timing = await onePost(port, active, i);
      if (i >= WARM_UP_POSTS) timings.push(timing);
      await sleep(200);
    }
    const stat = (key: keyof PostTiming) => {
      const xs = timings.map((t) => t[key]);
      return { p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), max: Math.max(...xs) };
    };
    const figures = {
      clients: options.clients,
      posts: options.posts,
      postMs: stat("post"),
      firstClientMs: stat("first"),
      lastClientMs: stat("last"),
      beyondPostMs: stat("beyond"),
      rssMiB: reads.map(([open, rss]) => ({ sockets: open, rss })),
      extraRssPer1000MiB: perSocket * 1000,
    };
    const f = (x: number) => x.toFixed(1).padStart(8);
    const row = (name: string, s: { p50: number; p99: number; max: number }) =>
      `| ${name.padEnd(44)} | ${f(s.p50)} | ${f(s.p99)} | ${f(s.max)} |`;
    process.stdout.write(
      [
        `Streaming: ${options.clients} WebSocket clients on \`user\`, ${options.posts} posts`,
        "",
        `| ${"ms".padEnd(44)} |      p50 |      p99 |      max |`,
        `| ${"-".repeat(44)} | -------- | -------- | -------- |`,
        row("POST /api/v1/statuses answered", figures.postMs),
        row("event at the first client", figures.firstClientMs),
        row("event at the last client", figures.lastClientMs),
        row("last client minus the post's own latency", figures.beyondPostMs),
        "",
        `RSS of the server (MiB) by idle WebSockets open: ` +
          reads.map(([open, rss]) => `${open}: ${rss.toFixed(1)}`).join(", "),
        `extra RSS per 1,000 idle WebSockets: ${figures.extraRssPer1000MiB.toFixed(1)} MiB ` +
          `(the slope through those reads)`,
        "",
      ].join("\n"),
    );
    if (options.json) process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    for (const c of sockets) c.ws.terminate();
    if (server) await stopServer(server);
    removeDataDir(dataDir);
  }
}

await main();
