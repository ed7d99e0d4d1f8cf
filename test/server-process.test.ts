// The server and the CLI as real processes on the embedded PostgreSQL: cold
// start, the CLI beside a running server (one postmaster), graceful stop,
// recovery after a crash, and one-line failures (old Node, bad config, port
// in use). These spawn `node bin/start.js` and `node bin/herd.js` with
// Node 24 (process.execPath) and a fresh DATA_DIR under the temp folder.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { createServer as createNetServer, Socket } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { closeServer } from "../src/main.ts";

const root = path.resolve(import.meta.dirname, "..");
const startJs = path.join(root, "bin/start.js");
const herdJs = path.join(root, "bin/herd.js");
const children = new Set<ChildProcess>();
const folders: string[] = [];

async function freshFolder(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "herd-proc-"));
  // As root, the embedded PostgreSQL runs as user postgres: it must get in.
  await chmod(dir, 0o755);
  folders.push(dir);
  return dir;
}

/** A small environment: no DATABASE_URL (these tests are about the embedded database). */
function envFor(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    LOCAL_DOMAIN: "herd.test",
    BIND: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "info",
    DATA_DIR: dataDir,
    ...extra,
  };
}

interface Running {
  child: ChildProcess;
  port: number;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function launch(script: string, args: string[], env: NodeJS.ProcessEnv, node = process.execPath) {
  // The working directory is a temp folder: no stray .env is read.
  const child = spawn(node, [script, ...args], { env, cwd: os.tmpdir(), stdio: "pipe" });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, exit, stdout: () => stdout, stderr: () => stderr };
}

/** Starts the server and waits for its "listening" log line (PORT=0: it names the port). */
async function startServer(dataDir: string, extra: Record<string, string> = {}): Promise<Running> {
  const p = launch(startJs, [], envFor(dataDir, extra));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line: ${p.stderr()}`)), 30_000);
    const look = () => {
      for (const line of p.stdout().split("\n")) {
        if (!line.includes('"listening"')) continue;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
        return;
      }
    };
    p.child.stdout!.on("data", look);
    void p.exit.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening: ${p.stderr()}`));
    });
  });
  const res = await fetch(`http://127.0.0.1:${port}/health`);
  expect(await res.text()).toBe("OK");
  return { ...p, port };
}

async function herd(dataDir: string, ...args: string[]) {
  const p = launch(herdJs, args, envFor(dataDir));
  const { code } = await p.exit;
  return { code, out: p.stdout(), err: p.stderr() };
}

/** Whether `pid` runs (a zombie, exited but not reaped, does not). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** Pids of the postmasters whose data directory is `dir` (from /proc). */
function postmastersOf(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (path.basename(argv[0]!) === "postgres" && argv[argv.indexOf("-D") + 1] === dir) {
        found.push(Number(entry));
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

async function until(check: () => boolean, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

async function userCount(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/instance`);
  return ((await res.json()) as { stats: { user_count: number } }).stats.user_count;
}

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  for (const dir of folders) {
    for (const pid of postmastersOf(path.join(dir, "data/postgres"))) process.kill(pid, "SIGQUIT");
  }
  await new Promise((r) => setTimeout(r, 300));
  for (const dir of folders) await rm(dir, { recursive: true, force: true });
});

/** A Node older than 22 outside the project (the system's), if there is one. */
function oldNode(): string | null {
  for (const candidate of ["/usr/bin/node", "/usr/local/bin/node", "/usr/bin/nodejs"]) {
    try {
      const version = execFileSync(candidate, ["--version"], { encoding: "utf8" }).trim();
      if (Number(version.replace(/^v/, "").split(".")[0]) < 22) return candidate;
    } catch {
      // Not there.
    }
  }
  return null;
}

const old = oldNode();
const hasProc = existsSync("/proc/self/cmdline");

describe("startup failures: one line, exit code 1", () => {
  it.skipIf(!old)("refuses a Node older than 22", async () => {
    const dataDir = path.join(await freshFolder(), "data");
    for (const script of [startJs, herdJs]) {
      const p = launch(script, ["--help"], envFor(dataDir), old!);
      expect((await p.exit).code).toBe(1);
      expect(p.stderr()).toMatch(
        /^herd: Node\.js 22\.18 or newer is required \(this is v\d+\.[^)]*\); run it (through npm start|as npx herd)\n$/,
      );
      expect(p.stdout()).toBe("");
    }
    expect(existsSync(dataDir)).toBe(false);
  });

  it("names the variable of an invalid configuration", async () => {
    const dataDir = path.join(await freshFolder(), "data");
    const cases: [Record<string, string>, RegExp][] = [
      [{ PORT: "abc" }, /^herd: invalid configuration: PORT must be an integer/],
      [
        { LOCAL_DOMAIN: "bad domain" },
        /^herd: invalid configuration: LOCAL_DOMAIN is not a valid domain name/,
      ],
      [
        { DATABASE_URL: "mysql://x" },
        /^herd: invalid configuration: DATABASE_URL must start with postgres:\/\//,
      ],
    ];
    await Promise.all(
      cases.map(async ([extra, message]) => {
        const p = launch(startJs, [], envFor(dataDir, extra));
        expect((await p.exit).code).toBe(1);
        const lines = p.stderr().split("\n").filter(Boolean);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(message);
      }),
    );
    const cli = launch(herdJs, ["db", "status"], envFor(dataDir, { PORT: "abc" }));
    expect((await cli.exit).code).toBe(1);
    expect(cli.stderr()).toMatch(/^herd: invalid configuration: PORT must be an integer[^\n]*\n$/);
    // Nothing was started or created.
    expect(existsSync(dataDir)).toBe(false);
  });

  it.skipIf(process.getuid?.() !== 0)(
    "says when user postgres cannot reach DATA_DIR (running as root)",
    async () => {
      const closed = await mkdtemp(path.join(os.tmpdir(), "herd-closed-"));
      folders.push(closed);
      const p = launch(startJs, [], envFor(path.join(closed, "data")));
      expect((await p.exit).code).toBe(1);
      expect(p.stderr()).toBe(
        `herd: could not open the database: the embedded PostgreSQL runs as user postgres, which cannot enter ${closed}; make it reachable (chmod o+x) or choose another DATA_DIR\n`,
      );
    },
  );
});

describe.skipIf(!hasProc)("the server and the CLI on the embedded PostgreSQL", () => {
  let dataDir: string;
  let cluster: string;

  it("starts cold, lets the CLI share its postmaster, and stops on SIGTERM", async () => {
    dataDir = path.join(await freshFolder(), "data");
    cluster = path.join(dataDir, "postgres");
    const server = await startServer(dataDir);
    const [postmaster] = postmastersOf(cluster);
    expect(postmastersOf(cluster)).toEqual([postmaster]);

    const created = await herd(
      dataDir,
      "accounts",
      "create",
      "alice",
      "--email=alice@example.com",
      "--confirmed",
      "--role=Owner",
    );
    expect(created.err).toBe("");
    expect(created.out).toMatch(/^OK\nNew password: [0-9a-f]{32}\n$/);
    expect(created.code).toBe(0);
    // The same single postmaster, still serving the server.
    expect(postmastersOf(cluster)).toEqual([postmaster]);
    expect(await userCount(server.port)).toBe(1);

    server.child.kill("SIGTERM");
    expect(await server.exit).toEqual({ code: 0, signal: null });
    expect(alive(postmaster!)).toBe(false);
    expect(existsSync(path.join(cluster, "postmaster.pid"))).toBe(false);
    expect(existsSync(`${cluster}.owner.json`)).toBe(false);
  }, 45_000);

  it("runs the CLI with the server down on a postmaster of its own, stopped after", async () => {
    expect(postmastersOf(cluster)).toEqual([]);
    const r = await herd(dataDir, "accounts", "modify", "alice", "--reset-password");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^OK\nNew password: [0-9a-f]{32}\n$/);
    expect(postmastersOf(cluster)).toEqual([]);
    const status = await herd(dataDir, "db", "status");
    expect(status.out).toMatch(/^up {4}0001_initial\.sql\n/);
    expect(postmastersOf(cluster)).toEqual([]);
  });

  it("refuses a second server on the same DATA_DIR, leaving the first one alone", async () => {
    const first = await startServer(dataDir);
    const [postmaster] = postmastersOf(cluster);
    const second = launch(startJs, [], envFor(dataDir));
    expect((await second.exit).code).toBe(1);
    expect(second.stderr()).toBe(
      `herd: could not open the database: another Herd server (pid ${first.child.pid}) is using ${cluster}; stop it first\n`,
    );
    expect(postmastersOf(cluster)).toEqual([postmaster]);
    expect(await userCount(first.port)).toBe(1);
    first.child.kill("SIGINT");
    expect((await first.exit).code).toBe(0);
    expect(alive(postmaster!)).toBe(false);
  }, 30_000);

  it("after a SIGKILL, the next start takes over the orphaned postmaster; data kept", async () => {
    const crashed = await startServer(dataDir);
    const [postmaster] = postmastersOf(cluster);
    crashed.child.kill("SIGKILL");
    await crashed.exit;
    // The postmaster outlives Herd (its own process group)...
    expect(alive(postmaster!)).toBe(true);
    // ...and the next server adopts it instead of starting a second one.
    const next = await startServer(dataDir);
    expect(postmastersOf(cluster)).toEqual([postmaster]);
    expect(await userCount(next.port)).toBe(1);
    next.child.kill("SIGTERM");
    expect((await next.exit).code).toBe(0);
    expect(alive(postmaster!)).toBe(false);
  }, 30_000);

  it("after a SIGKILL, a command adopts the orphaned postmaster and stops it after", async () => {
    const crashed = await startServer(dataDir);
    const [postmaster] = postmastersOf(cluster);
    crashed.child.kill("SIGKILL");
    await crashed.exit;
    expect(alive(postmaster!)).toBe(true);
    const r = await herd(dataDir, "settings", "get", "site_title");
    expect(r).toEqual({ code: 0, out: "Herd\n", err: "" });
    expect(alive(postmaster!)).toBe(false);
    expect(postmastersOf(cluster)).toEqual([]);
  }, 30_000);

  it("after Herd and its postmaster are both killed, the next start recovers; data kept", async () => {
    const crashed = await startServer(dataDir);
    const [postmaster] = postmastersOf(cluster);
    crashed.child.kill("SIGKILL");
    process.kill(postmaster!, "SIGKILL");
    await crashed.exit;
    expect(await until(() => !alive(postmaster!))).toBe(true);
    // postmaster.pid is left behind, naming a dead process.
    expect(existsSync(path.join(cluster, "postmaster.pid"))).toBe(true);
    const next = await startServer(dataDir);
    expect(await userCount(next.port)).toBe(1);
    next.child.kill("SIGTERM");
    expect((await next.exit).code).toBe(0);
    expect(postmastersOf(cluster)).toEqual([]);
  }, 40_000);

  it("starts over a stale postmaster.pid whose pid now belongs to another process", async () => {
    // As after a reboot or a container restart: the pid is reused by a
    // process that is not PostgreSQL (here, this test's own).
    const stale = [process.pid, cluster, "1700000000", "5", "", "127.0.0.1", "0 0", "ready   "];
    await writeFile(path.join(cluster, "postmaster.pid"), stale.join("\n") + "\n");
    const next = await startServer(dataDir);
    expect(postmastersOf(cluster)).toHaveLength(1);
    expect(await userCount(next.port)).toBe(1);
    next.child.kill("SIGTERM");
    expect((await next.exit).code).toBe(0);
    expect(postmastersOf(cluster)).toEqual([]);
  }, 30_000);

  it("run by npm, stops when npm's shell dies without passing the signal on", async () => {
    // `npm start` runs `sh -c "node bin/start.js"`; on SIGTERM, npm signals
    // the shell, which dies and leaves Herd orphaned.
    const env = envFor(dataDir, { npm_lifecycle_event: "start" });
    const shell = spawn("sh", ["-c", `"${process.execPath}" "${startJs}"; true`], {
      env,
      cwd: os.tmpdir(),
      stdio: "pipe",
    });
    children.add(shell);
    let stdout = "";
    shell.stdout.on("data", (d) => (stdout += d));
    expect(await until(() => stdout.includes('"listening"'), 30_000)).toBe(true);
    const [postmaster] = postmastersOf(cluster);
    shell.kill("SIGKILL");
    expect(await until(() => stdout.includes('"stopped"'), 15_000)).toBe(true);
    expect(stdout).toContain('"msg":"the parent process is gone"');
    expect(await until(() => !alive(postmaster!))).toBe(true);
  }, 45_000);

  it("says in one line that the port is taken, exits 1 and stops its postmaster", async () => {
    const blocker = createNetServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as { port: number }).port)),
    );
    try {
      const p = launch(startJs, [], envFor(dataDir, { PORT: String(port) }));
      expect((await p.exit).code).toBe(1);
      expect(p.stderr()).toBe(
        `herd: cannot listen on 127.0.0.1:${port}: the port is already in use; stop what uses it or set PORT\n`,
      );
      expect(postmastersOf(cluster)).toEqual([]);
    } finally {
      blocker.close();
    }
  }, 30_000);
});

describe("closeServer: the graceful stop of the HTTP server", () => {
  async function listen(handler: Parameters<typeof createServer>[1]): Promise<[Server, number]> {
    const server = createServer({ keepAlive: true }, handler);
    const port = await new Promise<number>((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
    );
    return [server, port];
  }

  it("lets a request in flight finish, and refuses new connections meanwhile", async () => {
    const [server, port] = await listen((_req, res) => {
      setTimeout(() => res.end("done"), 300);
    });
    const inFlight = fetch(`http://127.0.0.1:${port}/`).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 50));
    const closing = closeServer(server, 5_000);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    expect(await inFlight).toBe("done");
    expect(await closing).toBe(false);
  });

  it("closes idle keep-alive connections at once", async () => {
    const [server, port] = await listen((_req, res) => res.end("hi"));
    const socket = new Socket();
    await new Promise<void>((resolve) => socket.connect(port, "127.0.0.1", resolve));
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
    await new Promise((r) => socket.once("data", r));
    expect(await closeServer(server, 5_000)).toBe(false);
    await closed;
  });

  it("cuts requests still running after the grace period", async () => {
    const [server, port] = await listen(() => {
      // Never answers.
    });
    const hung = fetch(`http://127.0.0.1:${port}/`).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 50));
    expect(await closeServer(server, 200)).toBe(true);
    expect(await hung).toBeInstanceOf(Error);
  });
});
