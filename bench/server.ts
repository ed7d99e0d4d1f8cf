// The server under test, run as a user would run it: `node bin/start.js` in a
// child process, on a free loopback port, with a fresh DATA_DIR (and so the
// embedded PostgreSQL). Also reads the memory and CPU time of Herd and of its
// postmaster and backends from /proc.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { requestJson } from "./load.ts";

export const ROOT = path.resolve(import.meta.dirname, "..");

export interface ServerOptions {
  /** Extra flags for the Node process of the server (e.g. --max-semi-space-size=2). */
  nodeFlags: string[];
  /** The entry script, relative to the repository. */
  entry: string;
}

export interface Server {
  port: number;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  child: ChildProcess;
  stderr: string[];
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** A fresh data folder that user `postgres` can enter (the database runs as it under root). */
export function makeDataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "herd-bench-"));
  chmodSync(dir, 0o755);
  return dir;
}

export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function serverEnv(port: number, dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The bench's own database settings must not leak into the server.
  for (const key of ["DATABASE_URL", "DB_HOST", "DB_NAME", "DB_USER", "DB_PASS", "DB_PORT"]) {
    delete env[key];
  }
  return {
    ...env,
    NODE_ENV: "production",
    PORT: String(port),
    BIND: "127.0.0.1",
    LOCAL_DOMAIN: `localhost:${port}`,
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
  };
}

/** One GET on loopback; resolves the status (0 when the connection fails). */
function probe(port: number, urlPath: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(
      { host: "127.0.0.1", port, path: urlPath, agent: false, timeout: timeoutMs },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
  });
}

/**
 * Spawns the server and waits for its first 200 from /health; returns the
 * time from spawn to that answer (ms).
 */
export async function startServer(
  options: ServerOptions,
  port: number,
  dataDir: string,
  timeoutMs = 120_000,
): Promise<{ server: Server; ms: number }> {
  const env = serverEnv(port, dataDir);
  const stderr: string[] = [];
  const started = performance.now();
  const child = spawn(process.execPath, [...options.nodeFlags, options.entry], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => stderr.push(chunk));
  let exited = false;
  child.once("exit", () => (exited = true));
  const deadline = started + timeoutMs;
  for (;;) {
    if (exited) {
      throw new Error(`the server exited while starting:\n${stderr.join("").slice(-2000)}`);
    }
    if ((await probe(port, "/health", 1000)) === 200) break;
    if (performance.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the server did not answer /health within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  return { server: { port, dataDir, env, child, stderr }, ms: performance.now() - started };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The postmaster's pid, from DATA_DIR/postgres/postmaster.pid, if it runs. */
export function postmasterPid(dataDir: string): number | null {
  try {
    const pid = Number(
      readFileSync(path.join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0],
    );
    return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** SIGTERM, then waits for Herd and its postmaster to exit; returns how long it took (ms). */
export async function stopServer(server: Server, timeoutMs = 30_000): Promise<number> {
  const started = performance.now();
  const pm = postmasterPid(server.dataDir);
  const exited = new Promise<void>((resolve) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) resolve();
    else server.child.once("exit", () => resolve());
  });
  server.child.kill("SIGTERM");
  const timer = setTimeout(() => server.child.kill("SIGKILL"), timeoutMs);
  await exited;
  clearTimeout(timer);
  while (pm && alive(pm) && performance.now() - started < timeoutMs) {
    await new Promise((r) => setTimeout(r, 10));
  }
  if (pm && alive(pm)) process.kill(pm, "SIGQUIT");
  return performance.now() - started;
}

/** Runs `node bin/herd.js ...args` against the server's DATA_DIR; returns stdout. */
export function herdCli(server: Server, args: string[]): string {
  const result = spawnSync(process.execPath, ["bin/herd.js", ...args], {
    cwd: ROOT,
    env: server.env,
    encoding: "utf8",
    timeout: 60_000,
  });
  if (result.status !== 0) {
    throw new Error(`herd ${args.join(" ")} failed (${result.status}): ${result.stderr}`);
  }
  return result.stdout;
}

// ---- memory, from /proc

export interface Memory {
  /** Resident set size, MiB. */
  rss: number;
  /** Proportional set size, MiB: shared pages split among the processes sharing them. */
  pss: number;
  processes: number;
}

function kib(text: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  return m ? Number(m[1]) : 0;
}

function readOr(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

export function memoryOf(pids: number[]): Memory {
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    rss += kib(readOr(`/proc/${pid}/status`), "VmRSS");
    pss += kib(readOr(`/proc/${pid}/smaps_rollup`), "Pss");
  }
  return { rss: rss / 1024, pss: pss / 1024, processes: pids.length };
}

/**
 * CPU seconds used so far by `pids`, all their threads, from each thread's
 * schedstat (nanoseconds; /proc/PID/stat counts 10 ms ticks, too coarse for
 * a round of a fraction of a second). Exited processes and threads count
 * nothing.
 */
export function cpuSeconds(pids: number[]): number {
  let ns = 0;
  for (const pid of pids) {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // gone
    }
    for (const task of tasks) {
      ns += Number(readOr(`/proc/${pid}/task/${task}/schedstat`).split(" ")[0]) || 0;
    }
  }
  return ns / 1e9;
}

/** `pid` and its children (one level: the postmaster's backends and workers). */
export function withChildren(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readOr(`/proc/${entry}/stat`);
    // The command name is in parentheses and may hold spaces: read after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[1]) === pid) children.push(Number(entry));
  }
  return [pid, ...children];
}

/** A user, an app and a password-grant token, as a client would get them. */
export async function userToken(
  server: Server,
  scopes = "read",
  username = "benchuser",
): Promise<string> {
  const out = herdCli(server, [
    "accounts",
    "create",
    username,
    `--email=${username}@example.com`,
    "--confirmed",
  ]);
  const password = /New password: (\S+)/.exec(out)?.[1];
  if (!password) throw new Error(`no password in: ${out}`);
  const app = await requestJson(server.port, "POST", "/api/v1/apps", {
    client_name: "bench",
    redirect_uris: "urn:ietf:wg:oauth:2.0:oob",
    scopes,
  });
  if (app.status !== 200) throw new Error(`POST /api/v1/apps answered ${app.status}`);
  const token = await requestJson(server.port, "POST", "/oauth/token", {
    grant_type: "password",
    client_id: app.body.client_id,
    client_secret: app.body.client_secret,
    username: `${username}@example.com`,
    password,
    scope: scopes,
  });
  if (token.status !== 200 || !token.body?.access_token) {
    throw new Error(`POST /oauth/token answered ${token.status}: ${JSON.stringify(token.body)}`);
  }
  return token.body.access_token as string;
}
