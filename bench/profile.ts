// Where Herd spends its CPU on one endpoint: starts the real server with
// --cpu-prof over the small social data set (bench/social-seed.ts), loads
// the endpoint, stops the server and prints the functions and files with the
// most self time. A development tool beside `npm run bench`, not a figure.
//
//   npx node bench/profile.ts [home|status|health|instance|/any/path] [--requests=3000]
//     [--concurrency=50] [--keep] [--no-prof] [--anonymous] [--node-flags="..."]
//     [--explain [--plans] [--time]]
// --keep: leave the .cpuprofile in /tmp; --no-prof: CPU figures only;
// --anonymous: no token (as bench/social.ts's (d) asks);
// --node-flags: added after the start script's; --explain: EXPLAIN ANALYZE
// each statement of one request instead of a load (--time: and time 1,000
// executions of each as Herd sends it).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { inProcessApp } from "./in-process-app.ts";
import { runLoad } from "./load.ts";
import {
  cpuSeconds,
  freePort,
  makeDataDir,
  postmasterPid,
  removeDataDir,
  stopServer,
  withChildren,
} from "./server.ts";
import { seed, SMALL_SCALE } from "./social-seed.ts";
import { embeddedUrl, startHerd, startScriptFlags } from "./social-server.ts";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}

function summarize(file: string, top: number) {
  const profile = JSON.parse(readFileSync(file, "utf8")) as {
    nodes: Node[];
    samples: number[];
  };
  const total = profile.samples.length;
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const n of profile.nodes) {
    const url = n.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|src)\//, "$1/");
    const fn = `${n.callFrame.functionName || "(anonymous)"} ${url}:${n.callFrame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + n.hitCount);
    const pkg = url.startsWith("node_modules/")
      ? url
          .split("/")
          .slice(0, url.startsWith("node_modules/@") ? 3 : 2)
          .join("/")
      : url || n.callFrame.functionName;
    byFile.set(pkg, (byFile.get(pkg) ?? 0) + n.hitCount);
  }
  const show = (title: string, m: Map<string, number>) => {
    console.log(`\n${title}`);
    for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
    }
  };
  show("self time by package or file", byFile);
  show("self time by function", byFunction);
}

/**
 * Runs one GET of `urlPath` in process (the real app over the seeded
 * database), records its statements and prints EXPLAIN ANALYZE timings of each.
 */
async function explain(url: string, port: number, token: string, urlPath: string) {
  const { app, database } = inProcessApp(url, `localhost:${port}`, 2, { PAGE_CACHE_MB: "0" });
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const original = proto.query;
  const seen: { text: string; values: unknown[] }[] = [];
  let recording = false;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0] as { text?: string; values?: unknown[] } | string;
    if (recording && typeof first === "object" && first?.text) {
      seen.push({ text: first.text, values: (args[1] as unknown[]) ?? first.values ?? [] });
    }
    return original.apply(this, args);
  };
  const headers = { authorization: `Bearer ${token}` };
  await app.request(urlPath, { headers });
  recording = true;
  await app.request(urlPath, { headers });
  recording = false;
  proto.query = original;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  for (const q of seen) {
    let total = 0;
    let plan: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await client.query<{ "QUERY PLAN": string }>(
        `EXPLAIN (ANALYZE, BUFFERS) ${q.text}`,
        q.values,
      );
      plan = r.rows.map((row) => row["QUERY PLAN"]);
      total = Number(/Execution Time: ([\d.]+)/.exec(plan.join("\n"))?.[1] ?? NaN);
    }
    console.log(`\n--- ${total.toFixed(3)} ms: ${q.text.replace(/\s+/g, " ").slice(0, 120)}`);
    if (process.argv.includes("--time")) {
      // The statement as Herd sends it (named, prepared), 1,000 times in a
      // row: wall time and the server process's CPU per execution, without
      // EXPLAIN's per-node clocks.
      const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      const backend = rows[0]!.pid;
      const name = `profile_${seen.indexOf(q)}`;
      for (let i = 0; i < 50; i++) await client.query({ name, text: q.text, values: q.values });
      const cpuBefore = cpuSeconds([backend]);
      const started = performance.now();
      for (let i = 0; i < 1000; i++) await client.query({ name, text: q.text, values: q.values });
      const wall = (performance.now() - started) / 1000;
      const cpu = ((cpuSeconds([backend]) - cpuBefore) / 1000) * 1e6;
      console.log(
        `    executed: ${(wall * 1000).toFixed(0)} µs wall, ${cpu.toFixed(0)} µs PostgreSQL CPU`,
      );
    }
    if (process.argv.includes("--plans")) console.log(plan.join("\n"));
  }
  await client.end();
  await database.close();
}

async function main() {
  const argv = process.argv.slice(2);
  const target = argv.find((a) => !a.startsWith("--")) ?? "home";
  const num = (name: string, d: number) =>
    Number(argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? d);
  const profDir = mkdtempSync(path.join(os.tmpdir(), "herd-prof-"));
  const dataDir = makeDataDir();
  const port = await freePort();
  const server = await startHerd(
    [
      ...startScriptFlags(),
      ...(argv
        .find((a) => a.startsWith("--node-flags="))
        ?.slice(13)
        .split(/\s+/) ?? []),
      ...(argv.includes("--no-prof") ? [] : ["--cpu-prof", `--cpu-prof-dir=${profDir}`]),
    ].filter(Boolean),
    port,
    dataDir,
    null,
  );
  try {
    const db = new pg.Client({ connectionString: embeddedUrl(dataDir) });
    db.on("error", () => undefined);
    await db.connect();
    const seeded = await seed(db, SMALL_SCALE, `http://localhost:${port}`, () => undefined);
    await db.end();
    const paths: Record<string, string> = {
      home: "/api/v1/timelines/home?limit=40",
      status: `/api/v1/statuses/${seeded.sampleStatusId}`,
      health: "/health",
      instance: "/api/v1/instance",
    };
    const urlPath = paths[target] ?? target;
    if (argv.includes("--explain")) {
      await explain(embeddedUrl(dataDir), port, seeded.readerToken, urlPath);
      return;
    }
    const headers: Record<string, string> = argv.includes("--anonymous")
      ? {}
      : { authorization: `Bearer ${seeded.readerToken}` };
    await runLoad({ port, path: urlPath, headers, requests: 300, concurrency: 10 });
    const postgres = postmasterPid(dataDir);
    const pgPids = postgres ? withChildren(postgres) : [];
    const herdBefore = cpuSeconds([server.child.pid!]);
    const pgBefore = cpuSeconds(pgPids);
    const r = await runLoad({
      port,
      path: urlPath,
      headers,
      requests: num("requests", 3000),
      concurrency: num("concurrency", 50),
    });
    const perRequest = (before: number, pids: number[]) =>
      (((cpuSeconds(pids) - before) / r.requests) * 1e6).toFixed(0);
    console.log(
      `CPU per request: Herd ${perRequest(herdBefore, [server.child.pid!])} µs, ` +
        `PostgreSQL ${perRequest(
          pgBefore,
          withChildren(postgres ?? 0).filter((p) => p !== 0),
        )} µs`,
    );
    console.log(
      `${urlPath}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, errors ${r.errors}`,
    );
  } finally {
    await stopServer(server);
    removeDataDir(dataDir);
  }
  const file = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
  if (file) summarize(path.join(profDir, file), 25);
  if (argv.includes("--keep")) console.log(`\nprofile: ${profDir}/${file}`);
  else rmSync(profDir, { recursive: true, force: true });
}

await main();
