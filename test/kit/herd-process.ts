// Real Herd server processes for tests that go through the whole program, as
// README's "Two servers on one machine" runs them: `node bin/start.js`, with
// its own port, LOCAL_DOMAIN (localhost:PORT, so http URLs), database (a copy
// of the test template) and ALLOW_PRIVATE_ADDRESS=true; accounts made with
// `herd accounts create`, tokens by the OAuth password grant, and from then
// on the client API only. Results are polled for with a deadline (`until`),
// never waited for with a fixed sleep.
//
// A test file that starts servers calls `afterAll(stopHerdProcesses)`.
import { spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { inject } from "vitest";
import { createDatabase } from "./instance.ts";

const root = path.resolve(import.meta.dirname, "../..");
/** How long one federated effect may take to show on the other side. */
export const DEADLINE_MS = 20_000;

export interface HerdServer {
  name: string;
  port: number;
  /** `localhost:PORT`: LOCAL_DOMAIN, the domain of its accounts elsewhere. */
  domain: string;
  /** `http://localhost:PORT` */
  base: string;
  url: string;
  dataDir: string;
  child: ChildProcess;
  logs: () => string;
}

export interface HerdAccount {
  server: HerdServer;
  username: string;
  token: string;
  /** Its id on its own server. */
  id: string;
  /** `username@domain`, as the other server names it. */
  acct: string;
  /** Its Account entity on its own server. */
  me: any;
}

type Place = Pick<HerdServer, "name" | "port" | "domain" | "base" | "url" | "dataDir">;

const children = new Set<ChildProcess>();
const databases: string[] = [];
const folders: string[] = [];
/** Every process started, for the logs `until` shows when it times out. */
const started: HerdServer[] = [];

/** A port free at the moment (the server must know its LOCAL_DOMAIN before it listens). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A fresh database copied from the migrated template (test/kit/global-setup.ts). */
async function makeDatabase(): Promise<string> {
  const name = await createDatabase(inject("herdAdminUrl"), inject("herdTemplate"), "_fed");
  databases.push(name);
  const url = new URL(inject("herdAdminUrl"));
  url.pathname = `/${name}`;
  return url.toString();
}

/** A temporary folder, removed after the file's tests. */
export async function tempFolder(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  folders.push(dir);
  return dir;
}

function envOf(server: Place): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    PORT: String(server.port),
    BIND: "127.0.0.1",
    LOCAL_DOMAIN: server.domain,
    DATA_DIR: server.dataDir,
    DATABASE_URL: server.url,
    ALLOW_PRIVATE_ADDRESS: "true",
    LOG_LEVEL: "info",
  };
}

/** `node bin/start.js` at `place`; resolves once it listens. */
async function launch(place: Place): Promise<HerdServer> {
  const child = spawn(process.execPath, [path.join(root, "bin/start.js")], {
    cwd: os.tmpdir(),
    stdio: "pipe",
    env: envOf(place),
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${place.name} did not start: ${output}`)),
      30_000,
    );
    const look = () => {
      if (!output.includes('"listening"')) return;
      clearTimeout(timer);
      child.stdout!.off("data", look);
      resolve();
    };
    child.stdout!.on("data", look);
    child.once("exit", (code) => reject(new Error(`${place.name} exited (${code}): ${output}`)));
  });
  const server = { ...place, child, logs: () => output };
  started.push(server);
  return server;
}

/** A new server: its own port, domain, database and data folder. */
export async function startServer(name: string): Promise<HerdServer> {
  const port = await freePort();
  const dataDir = await tempFolder(`herd-fed-${name}-`);
  await chmod(dataDir, 0o755);
  const domain = `localhost:${port}`;
  return launch({
    name,
    port,
    domain,
    base: `http://${domain}`,
    url: await makeDatabase(),
    dataDir,
  });
}

/** Starts `server` again (its process has exited): same port, domain, database and data. */
export async function restartServer(server: HerdServer): Promise<HerdServer> {
  if (server.child.exitCode === null && server.child.signalCode === null) {
    throw new Error(`${server.name} is still running`);
  }
  const { child: _child, logs: _logs, ...place } = server;
  return launch(place);
}

async function signalChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  await exited;
}

/** Sends `signal` to `server`'s process and resolves once it has exited. */
export async function killServer(server: HerdServer, signal: NodeJS.Signals): Promise<void> {
  await signalChild(server.child, signal);
}

/** Stops every server still running, drops their databases and removes their folders. */
export async function stopHerdProcesses(): Promise<void> {
  await Promise.all([...children].map((child) => signalChild(child, "SIGTERM")));
  if (databases.length > 0) {
    const admin = new pg.Client({ connectionString: inject("herdAdminUrl") });
    await admin.connect();
    for (const name of databases) {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    }
    await admin.end();
  }
  for (const dir of folders) await rm(dir, { recursive: true, force: true });
}

/** `herd ARGS` on `server`'s database; resolves to its stdout (throws on failure). */
export async function herd(server: Place, ...args: string[]): Promise<string> {
  const child = spawn(process.execPath, [path.join(root, "bin/herd.js"), ...args], {
    cwd: os.tmpdir(),
    stdio: "pipe",
    env: envOf(server),
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  // "close", not "exit": the output may still be on its way when the process exits.
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  if (code !== 0) throw new Error(`herd ${args.join(" ")} exited ${code}: ${err}`);
  return out;
}

export interface Call {
  token?: string;
  method?: string;
  json?: unknown;
}

/** A client API call to `server`; the JSON body and the status. */
export async function api<T = any>(
  server: Place,
  apiPath: string,
  call: Call = {},
): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {};
  if (call.token) headers.authorization = `Bearer ${call.token}`;
  if (call.json !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`http://127.0.0.1:${server.port}${apiPath}`, {
    method: call.method ?? (call.json === undefined ? "GET" : "POST"),
    headers,
    body: call.json === undefined ? undefined : JSON.stringify(call.json),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as T };
  } catch {
    throw new Error(`${apiPath} on ${server.name} answered ${res.status}: ${text.slice(0, 200)}`);
  }
}

/** `api`, and throws unless it answered 200. */
export async function ok<T = any>(server: Place, apiPath: string, call: Call = {}): Promise<T> {
  const { status, body } = await api<T>(server, apiPath, call);
  if (status !== 200) {
    throw new Error(
      `${call.method ?? "GET"} ${apiPath} on ${server.name}: ${status} ${JSON.stringify(body)}`,
    );
  }
  return body;
}

/**
 * Polls `probe` until it gives a value (not null, undefined or false), for up to
 * `deadlineMs`; on timeout, the error shows the servers' latest warnings and errors.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  deadlineMs = DEADLINE_MS,
): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > end) {
      const problems = started.map(
        (s) =>
          `--- ${s.name}:\n` +
          s
            .logs()
            .split("\n")
            .filter((l) => /"level":"(warn|error)"/.test(l))
            .slice(-20)
            .join("\n"),
      );
      throw new Error(`timed out waiting for ${what}\n${problems.join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A confirmed, approved account made with the CLI, and a token by the password grant. */
export async function account(server: HerdServer, username: string): Promise<HerdAccount> {
  const email = `${username}@example.com`;
  const out = await herd(
    server,
    "accounts",
    "create",
    username,
    `--email=${email}`,
    "--confirmed",
    "--approve",
  );
  const password = /New password: (\S+)/.exec(out)?.[1];
  if (!password) throw new Error(`no password in: ${out}`);
  const app = await ok(server, "/api/v1/apps", {
    json: {
      client_name: "Federation test",
      redirect_uris: "urn:ietf:wg:oauth:2.0:oob",
      scopes: "read write follow",
    },
  });
  const token = await ok(server, "/oauth/token", {
    json: {
      grant_type: "password",
      client_id: app.client_id,
      client_secret: app.client_secret,
      username: email,
      password,
      scope: "read write follow",
    },
  });
  const me = await ok(server, "/api/v1/accounts/verify_credentials", {
    token: token.access_token,
  });
  return {
    server,
    username,
    token: token.access_token,
    id: me.id,
    acct: `${username}@${server.domain}`,
    me,
  };
}
