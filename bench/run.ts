// `npm run bench`: start-up time, idle memory and request throughput of the
// real server (bin/start.js with the embedded PostgreSQL), on loopback only,
// bounded in requests and time. Prints a table.
//
// The server runs as `npm start` runs it: `node <flags> bin/start.js`, with
// the flags of package.json's start script.
//
// Options: --requests=N (per endpoint, default 2000), --concurrency=N (16),
// --restarts=N (3), --node-flags="--flag --flag" (the server's Node flags
// instead of the start script's; "" for none), --entry=path (default
// bin/start.js), --json (also print the figures as JSON).
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { runLoad, type LoadResult } from "./load.ts";
import {
  freePort,
  userToken,
  makeDataDir,
  memoryOf,
  postmasterPid,
  removeDataDir,
  ROOT,
  startServer,
  stopServer,
  withChildren,
  type Memory,
  type Server,
  type ServerOptions,
} from "./server.ts";

/** The whole bench is stopped past this, whatever it is doing. */
const TIME_LIMIT_MS = 10 * 60_000;

interface Options extends ServerOptions {
  requests: number;
  concurrency: number;
  restarts: number;
  json: boolean;
}

function parseArgs(argv: string[]): Options {
  const get = (name: string) => {
    const prefix = `--${name}=`;
    return argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
  };
  const int = (name: string, fallback: number, max: number) => {
    const v = get(name);
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isInteger(n) || n < 1 || n > max) {
      throw new Error(`--${name} must be an integer from 1 to ${max}`);
    }
    return n;
  };
  const flags = get("node-flags");
  return {
    requests: int("requests", 2000, 100_000),
    concurrency: int("concurrency", 16, 256),
    restarts: int("restarts", 3, 20),
    nodeFlags: flags === undefined ? startScriptFlags() : flags.split(/\s+/).filter(Boolean),
    entry: get("entry") ?? "bin/start.js",
    json: argv.includes("--json"),
  };
}

/** The Node flags of `npm start` (package.json: "node <flags> bin/start.js"), as a user runs it. */
function startScriptFlags(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    scripts?: Record<string, string>;
  };
  const m = /^node\s+(.*?)\s*bin\/start\.js\b/.exec(pkg.scripts?.start ?? "");
  return m?.[1] ? m[1].split(/\s+/).filter(Boolean) : [];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

interface Figures {
  node: string;
  cpus: number;
  nodeFlags: string[];
  entry: string;
  firstStartMs: number;
  laterStartsMs: number[];
  stopsMs: number[];
  memory: { label: string; herd: Memory; postgres: Memory }[];
  load: { label: string; result: LoadResult | null; note?: string }[];
}

/** Herd's memory and its PostgreSQL's (postmaster and backends), after `idleMs` of rest. */
async function idleMemory(server: Server, idleMs: number) {
  await new Promise((r) => setTimeout(r, idleMs));
  const herd = memoryOf([server.child.pid!]);
  const pm = postmasterPid(server.dataDir);
  const postgres = pm ? memoryOf(withChildren(pm)) : { rss: NaN, pss: NaN, processes: 0 };
  return { herd, postgres };
}

async function bench(o: Options, cleanup: (s: Server | null, dir: string) => void) {
  const figures: Figures = {
    node: process.version,
    cpus: os.availableParallelism(),
    nodeFlags: o.nodeFlags,
    entry: o.entry,
    firstStartMs: NaN,
    laterStartsMs: [],
    stopsMs: [],
    memory: [],
    load: [],
  };
  const dataDir = makeDataDir();
  const port = await freePort();
  let server: Server | null = null;
  cleanup(null, dataDir);
  try {
    log(`first start (initdb) in ${dataDir} on port ${port}`);
    let started = await startServer(o, port, dataDir);
    server = started.server;
    cleanup(server, dataDir);
    figures.firstStartMs = started.ms;
    for (let i = 0; i < o.restarts; i++) {
      figures.stopsMs.push(await stopServer(server));
      log(`restart ${i + 1} of ${o.restarts}`);
      started = await startServer(o, port, dataDir);
      server = started.server;
      cleanup(server, dataDir);
      figures.laterStartsMs.push(started.ms);
    }

    // A few requests, then rest: what a quiet instance costs.
    for (const path of ["/health", "/api/v1/instance", "/api/v2/instance"]) {
      await runLoad({ port, path, requests: 5, concurrency: 1 });
    }
    log("idle memory (3 s)");
    figures.memory.push({ label: "idle after start", ...(await idleMemory(server, 3000)) });

    let token: string | null = null;
    let tokenNote: string | undefined;
    try {
      token = await userToken(server);
    } catch (error) {
      tokenNote = `skipped: ${error instanceof Error ? error.message : String(error)}`;
    }

    const endpoints: { label: string; path: string; headers?: Record<string, string> }[] = [
      { label: "GET /health", path: "/health" },
      { label: "GET /api/v1/instance", path: "/api/v1/instance" },
      { label: "GET /api/v2/instance", path: "/api/v2/instance" },
    ];
    if (token) {
      endpoints.push({
        label: "GET /api/v1/accounts/verify_credentials",
        path: "/api/v1/accounts/verify_credentials",
        headers: { authorization: `Bearer ${token}` },
      });
    } else {
      figures.load.push({
        label: "GET /api/v1/accounts/verify_credentials",
        result: null,
        note: tokenNote,
      });
    }
    for (const e of endpoints) {
      log(`load: ${e.label}`);
      // A short warm-up (JIT, connection pool), not counted.
      await runLoad({
        port,
        path: e.path,
        headers: e.headers,
        requests: 200,
        concurrency: o.concurrency,
      });
      const result = await runLoad({
        port,
        path: e.path,
        headers: e.headers,
        requests: o.requests,
        concurrency: o.concurrency,
      });
      figures.load.push({ label: e.label, result });
    }
    log("idle memory after load (3 s)");
    figures.memory.push({ label: "idle after load", ...(await idleMemory(server, 3000)) });
    figures.stopsMs.push(await stopServer(server));
    server = null;
    cleanup(null, dataDir);
  } finally {
    if (server) await stopServer(server);
    removeDataDir(dataDir);
  }
  return figures;
}

function log(message: string) {
  process.stderr.write(`bench: ${message}\n`);
}

const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : "-");
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "-");
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "-");

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join("  "),
    )
    .join("\n");
}

function report(f: Figures, o: Options): string {
  const later = f.laterStartsMs;
  const lines = [
    `Herd bench: Node ${f.node}, ${f.cpus} CPUs, entry ${f.entry}` +
      (f.nodeFlags.length ? `, node flags ${f.nodeFlags.join(" ")}` : ", no node flags"),
    "",
    table([
      ["Start (spawn to first 200 from /health)", "ms"],
      ["first start, with initdb", f0(f.firstStartMs)],
      [`later starts (${later.length}): min`, f0(Math.min(...later))],
      ["later starts: median", f0(median(later))],
      ["later starts: max", f0(Math.max(...later))],
      ["stop on SIGTERM (Herd and PostgreSQL): median", f0(median(f.stopsMs))],
    ]),
    "",
    table([
      ["Memory (MiB)", "RSS", "PSS", "processes"],
      ...f.memory.flatMap((m) => [
        [`Herd, ${m.label}`, f1(m.herd.rss), f1(m.herd.pss), String(m.herd.processes)],
        [
          `PostgreSQL, ${m.label}`,
          f1(m.postgres.rss),
          f1(m.postgres.pss),
          String(m.postgres.processes),
        ],
      ]),
    ]),
    "",
    table([
      [
        `Load (${o.requests} requests, concurrency ${o.concurrency}, keep-alive)`,
        "req/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "non-200",
      ],
      ...f.load.map((l) =>
        l.result
          ? [
              l.label,
              f0(l.result.rps),
              f2(l.result.p50),
              f2(l.result.p99),
              f1(l.result.max),
              String(l.result.errors),
            ]
          : [l.label, "-", "-", "-", "-", "-"],
      ),
    ]),
  ];
  for (const l of f.load) if (l.note) lines.push(`  ${l.label}: ${l.note}`);
  for (const l of f.load) {
    if (l.result && l.result.errors > 0) {
      lines.push(`  ${l.label}: statuses ${JSON.stringify(l.result.statuses)}`);
    }
  }
  return lines.join("\n");
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  let current: { server: Server | null; dir: string } = { server: null, dir: "" };
  const guard = setTimeout(() => {
    log(`stopped after ${TIME_LIMIT_MS / 60_000} minutes`);
    current.server?.child.kill("SIGKILL");
    if (current.dir) removeDataDir(current.dir);
    process.exit(1);
  }, TIME_LIMIT_MS);
  guard.unref();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      current.server?.child.kill("SIGTERM");
      process.exitCode = 130;
    });
  }
  const figures = await bench(options, (server, dir) => (current = { server, dir }));
  process.stdout.write(report(figures, options) + "\n");
  if (options.json) process.stdout.write(JSON.stringify(figures, null, 2) + "\n");
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
