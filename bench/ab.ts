// A development tool beside `npm run bench`, not a figure: two or more
// builds of Herd (checkouts, e.g. git worktrees with node_modules linked)
// answering one path under the same load, in turns, with bare node:http
// serving the same bytes as the yardstick. Prints each build's requests a
// second and CPU per request as ratios of node:http's, round by round, and
// their geometric means. Each build runs on an empty embedded database of
// its own; no data is seeded, so it suits answers that need none (a
// constant API answer, /health, the instance).
//
//   npx node bench/ab.ts <checkout> [<checkout> ...] [--path=/api/v1/trends]
//     [--rounds=12] [--seconds=1] [--concurrency=50] [--whole]
//
// --whole adds a side: bare node:http giving the first build's whole answer
// (its headers too, a request id of its own for each), which shows what
// the answer itself costs node:http over its plain one.
//
// A checkout may name its own Node flags after "@" (`../base@--cpu-prof`);
// by default each runs with those of its own `npm start`.
//
// Why turns and ratios: this machine's speed drifts from second to second
// (a shared VM), and a build started second ran up to 8% cheaper than the
// same build started first; compare builds in both orders.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { runLoad } from "./load.ts";
import {
  cpuSeconds,
  freePort,
  makeDataDir,
  memoryOf,
  removeDataDir,
  serverEnv,
  stopServer,
  type Server,
} from "./server.ts";
import { startBare, startScriptFlags, type Bare } from "./social-server.ts";

function arg(name: string, fallback: string): string {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? found.slice(name.length + 3) : fallback;
}

const checkouts = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const urlPath = arg("path", "/api/v1/trends");
const rounds = Number(arg("rounds", "12"));
const seconds = Number(arg("seconds", "1"));
const concurrency = Number(arg("concurrency", "50"));
const whole = process.argv.includes("--whole");
if (![rounds, seconds, concurrency].every((n) => Number.isFinite(n) && n > 0)) {
  process.stderr.write("--rounds, --seconds and --concurrency take positive numbers\n");
  process.exit(2);
}
if (checkouts.length === 0) {
  process.stderr.write("usage: ab.ts <checkout> [<checkout> ...] [--path=...]\n");
  process.exit(2);
}

function probe(port: number): Promise<{ body: Buffer; headers: http.IncomingHttpHeaders } | null> {
  return new Promise((resolve) => {
    const req = http.get(
      { host: "127.0.0.1", port, path: urlPath, agent: false, timeout: 1000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve(
            res.statusCode === 200 ? { body: Buffer.concat(chunks), headers: res.headers } : null,
          ),
        );
      },
    );
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(null));
  });
}

/** A checkout, optionally with its own Node flags: `dir` or `dir@--flag --flag`. */
async function start(
  spec: string,
): Promise<Server & { body: Buffer; headers: http.IncomingHttpHeaders }> {
  const at = spec.indexOf("@-");
  const root = path.resolve(at < 0 ? spec : spec.slice(0, at));
  // By default the flags of that checkout's own `npm start`.
  const flags =
    at < 0
      ? startScriptFlags(root)
      : spec
          .slice(at + 1)
          .split(/\s+/)
          .filter(Boolean);
  const port = await freePort();
  const dataDir = makeDataDir();
  const env = serverEnv(port, dataDir);
  const child = spawn(process.execPath, [...flags, "bin/start.js"], {
    cwd: root,
    env,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const server = { port, dataDir, env, child, stderr: [] };
  const deadline = performance.now() + 120_000;
  for (;;) {
    const answer = await probe(port);
    if (answer) return { ...server, ...answer };
    if (child.exitCode !== null || performance.now() > deadline) {
      await stopServer(server).catch(() => undefined);
      removeDataDir(dataDir);
      throw new Error(`${root} did not start`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Side {
  name: string;
  /** The build it runs, if one. */
  server?: Server & { idle?: number };
  port: number;
  pid: number;
  path: string;
  requests: number;
  rps: number[];
  cpu: number[];
  user: number;
  system: number;
}

/** User and system CPU seconds of a process (10 ms ticks: for totals over many rounds). */
function userSystem(pid: number): [number, number] {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return [Number(fields[11]) / 100, Number(fields[12]) / 100];
}

const geomean = (xs: number[]) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);

async function main() {
  const servers: (Server & {
    body: Buffer;
    headers: http.IncomingHttpHeaders;
    idle?: number;
  })[] = [];
  let bare: Bare | null = null;
  const dir = mkdtempSync(path.join(os.tmpdir(), "herd-ab-"));
  try {
    for (const spec of checkouts) servers.push(await start(spec));
    writeFileSync(path.join(dir, "constant.json"), servers[0]!.body);
    writeFileSync(path.join(dir, "constant.headers"), JSON.stringify(servers[0]!.headers));
    bare = await startBare(startScriptFlags(), dir);
    const sides: Side[] = [
      {
        name: "node:http",
        port: bare.nodePort,
        pid: bare.child.pid!,
        path: "/constant",
        requests: 0,
        rps: [],
        cpu: [],
        user: 0,
        system: 0,
      },
      ...(whole
        ? [
            {
              name: "node:http whole answer",
              port: bare.nodePort,
              pid: bare.child.pid!,
              path: "/constant/whole",
              requests: 0,
              rps: [],
              cpu: [],
              user: 0,
              system: 0,
            },
          ]
        : []),
      ...servers.map((s, i) => ({
        name: checkouts[i]!,
        server: s,
        port: s.port,
        pid: s.child.pid!,
        path: urlPath,
        requests: 0,
        rps: [],
        cpu: [],
        user: 0,
        system: 0,
      })),
    ];
    for (const s of servers) s.idle = memoryOf([s.child.pid!]).rss;
    for (const side of sides) {
      // A round's size from a short run; then a long one, for the JIT.
      const warm = await runLoad({ port: side.port, path: side.path, requests: 3000, concurrency });
      await runLoad({ port: side.port, path: side.path, requests: 40_000, concurrency });
      side.requests = Math.max(concurrency * 4, Math.floor(warm.rps * seconds));
    }
    for (let r = 0; r < rounds; r++) {
      // Each round in another order: a rotation of the sides.
      const order = sides.map((_, i) => sides[(i + r) % sides.length]!);
      for (const side of order) {
        const before = cpuSeconds([side.pid]);
        const [user, system] = userSystem(side.pid);
        const result = await runLoad({
          port: side.port,
          path: side.path,
          requests: side.requests,
          concurrency,
        });
        if (result.errors) throw new Error(`${side.name}: ${result.errors} errors`);
        side.cpu.push(((cpuSeconds([side.pid]) - before) / side.requests) * 1e6);
        side.rps.push(result.rps);
        const [userAfter, systemAfter] = userSystem(side.pid);
        side.user += (userAfter - user) / (side.requests * rounds);
        side.system += (systemAfter - system) / (side.requests * rounds);
      }
      const base = sides[0]!;
      process.stderr.write(
        `round ${r + 1}: ` +
          sides
            .slice(1)
            .map(
              (s) =>
                `${s.name} ${Math.round((100 * s.rps[r]!) / base.rps[r]!)}% ` +
                `cpu ${(s.cpu[r]! / base.cpu[r]!).toFixed(2)}x`,
            )
            .join("  ") +
          `  (node:http ${Math.round(base.rps[r]!)}/s ${base.cpu[r]!.toFixed(1)} µs)\n`,
      );
    }
    const base = sides[0]!;
    for (const s of sides.slice(1)) {
      const rps = geomean(s.rps.map((x, i) => x / base.rps[i]!));
      const cpu = geomean(s.cpu.map((x, i) => x / base.cpu[i]!));
      const sorted = s.rps.map((x, i) => x / base.rps[i]!).sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)]!;
      console.log(
        `${s.name}: req/s ${(100 * rps).toFixed(1)}% of node:http (median ${(100 * median).toFixed(1)}%), ` +
          `CPU ${cpu.toFixed(3)}x, ${geomean(s.cpu).toFixed(1)} µs/request ` +
          `(user ${(s.user * 1e6).toFixed(1)}, system ${(s.system * 1e6).toFixed(1)})` +
          (s.server
            ? `; RSS ${Math.round(s.server.idle!)} MiB idle, ${Math.round(memoryOf([s.pid]).rss)} after`
            : ""),
      );
    }
    console.log(
      `node:http: ${geomean(base.cpu).toFixed(1)} µs/request ` +
        `(user ${(base.user * 1e6).toFixed(1)}, system ${(base.system * 1e6).toFixed(1)})`,
    );
  } finally {
    for (const s of servers) {
      await stopServer(s).catch(() => undefined);
      removeDataDir(s.dataDir);
    }
    bare?.child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/ab: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
