// The processes of bench/social.ts: the real Herd server (bin/start.js) on a
// loopback port, with the embedded PostgreSQL of a fresh DATA_DIR or with a
// database of its own on an external server (created here, dropped after),
// and the bare baselines (social-bare.ts). Reuses bench/server.ts's helpers.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import pg from "pg";
import { freePort, postmasterPid, ROOT, type Server } from "./server.ts";

/** The Node flags of `npm start` (package.json: "node <flags> bin/start.js"), as a user runs it. */
export function startScriptFlags(root = ROOT): string[] {
  const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
    scripts?: Record<string, string>;
  };
  const m = /^node\s+(.*?)\s*bin\/start\.js\b/.exec(pkg.scripts?.start ?? "");
  return m?.[1] ? m[1].split(/\s+/).filter(Boolean) : [];
}

/** A database of the bench's own on an external server: its URL, and how to drop it. */
export async function createExternalDatabase(
  adminUrl: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `herd_bench_social_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      const again = new pg.Client({ connectionString: adminUrl });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}

function probe(port: number, urlPath: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(
      { host: "127.0.0.1", port, path: urlPath, agent: false, timeout: 1000 },
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
 * Starts `node <flags> bin/start.js` with LOG_LEVEL=warn, on `port`, with
 * DATA_DIR `dataDir` and, when given, DATABASE_URL `databaseUrl`; resolves
 * once /health answers 200.
 */
export async function startHerd(
  nodeFlags: string[],
  port: number,
  dataDir: string,
  databaseUrl: string | null,
  timeoutMs = 180_000,
): Promise<Server> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ["DATABASE_URL", "DB_HOST", "DB_NAME", "DB_USER", "DB_PASS", "DB_PORT"]) {
    delete env[key];
  }
  Object.assign(env, {
    NODE_ENV: "production",
    PORT: String(port),
    BIND: "127.0.0.1",
    LOCAL_DOMAIN: `localhost:${port}`,
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
  });
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  const stderr: string[] = [];
  const child = spawn(process.execPath, [...nodeFlags, "bin/start.js"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr.push(chunk);
    if (stderr.length > 200) stderr.splice(0, 100);
  });
  let exited = false;
  child.once("exit", () => (exited = true));
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`Herd exited while starting:\n${stderr.join("").slice(-2000)}`);
    if ((await probe(port, "/health")) === 200) break;
    if (performance.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`Herd did not answer /health within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, dataDir, env, child, stderr };
}

/** The URL of the embedded PostgreSQL a running Herd started in `dataDir`. */
export function embeddedUrl(dataDir: string): string {
  const { postgresPassword } = JSON.parse(
    readFileSync(path.join(dataDir, "secrets.json"), "utf8"),
  ) as { postgresPassword: string };
  const lines = readFileSync(path.join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n");
  if (!postmasterPid(dataDir)) throw new Error("the embedded PostgreSQL is not running");
  const port = Number(lines[3]);
  return `postgres://postgres:${encodeURIComponent(postgresPassword)}@127.0.0.1:${port}/herd`;
}

export interface Bare {
  child: ChildProcess;
  honoPort: number;
  nodePort: number;
}

/** Starts the baselines (social-bare.ts) over the bodies in `dir`. */
export async function startBare(nodeFlags: string[], dir: string): Promise<Bare> {
  const honoPort = await freePort();
  const nodePort = await freePort();
  const child = spawn(
    process.execPath,
    [...nodeFlags, "bench/social-bare.ts", dir, String(honoPort), String(nodePort)],
    { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the bare servers did not start")), 30_000);
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      if (chunk.includes("ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the bare servers exited (${code})`));
    });
  });
  return { child, honoPort, nodePort };
}
