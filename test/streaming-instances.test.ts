// Several server instances sharing one database: a post made through one
// reaches a client connected to another, once, through PostgreSQL's
// LISTEN/NOTIFY, and through Redis pub/sub when REDIS_URL is set (those
// cases are skipped otherwise). Two ways: a second instance in this process
// (its own pool, pub/sub connection, app and port), and two real server
// processes (`node bin/start.js` on this file's database), which is also
// main.ts's wiring end to end.
import { spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { follow, makeUser, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance, type TestInstance } from "./kit/instance.ts";
import { eventStream, listen, socket } from "./kit/streaming.ts";

const redisUrl = process.env.REDIS_URL;
const root = path.resolve(import.meta.dirname, "..");

async function followed(t: TestInstance) {
  const author = await makeUser(t);
  const reader = await makeUser(t);
  await follow(t, reader, author.account.id);
  await t.drainJobs();
  return { author, reader };
}

/** Two instances on one database: a reader on the second sees a post made through the first. */
async function acrossInstances(t: TestInstance) {
  const first = await listen(t);
  const second = await listen(t, { separate: true });
  const { author, reader } = await followed(t);
  const onSecond = await socket(`${second.ws}?stream=user`, { token: reader.token });
  const onFirst = await socket(`${first.ws}?stream=public`, { token: reader.token });
  const res = await fetch(`${first.http}/api/v1/statuses`, {
    method: "POST",
    headers: { authorization: `Bearer ${author.token}`, "content-type": "application/json" },
    body: JSON.stringify({ status: "Across instances" }),
  });
  const status = (await res.json()) as { id: string };
  await t.drainJobs();
  const message = await onSecond.next();
  expect(message).toMatchObject({ stream: ["user"], event: "update" });
  expect(message.body.id).toBe(status.id);
  expect((await onFirst.next()).body.id).toBe(status.id);
  // Once: the next message on the second instance is the next event.
  const fan = await makeUser(t);
  await follow(t, fan, reader.account.id);
  expect(await onSecond.next()).toMatchObject({ event: "notification" });
}

describe("two instances in one process", () => {
  it("deliver across instances through LISTEN/NOTIFY", async () => {
    const t = await createTestInstance();
    expect(t.pubsub.name).toBe("postgres");
    await acrossInstances(t);
  });

  it.skipIf(!redisUrl)("deliver across instances through Redis", async () => {
    const t = await createTestInstance({ env: { REDIS_URL: redisUrl! } });
    expect(t.pubsub.name).toBe("redis");
    await acrossInstances(t);
  });
});

interface Process {
  child: ChildProcess;
  port: number;
  stderr: () => string;
}

const children = new Set<ChildProcess>();
const folders: string[] = [];
afterAll(async () => {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        }),
    ),
  );
  for (const dir of folders) await rm(dir, { recursive: true, force: true });
});

/** `node bin/start.js` on `t`'s database; resolves once it listens. */
async function startServer(t: TestInstance, env: Record<string, string> = {}): Promise<Process> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "herd-stream-"));
  await chmod(dataDir, 0o755);
  folders.push(dataDir);
  const child = spawn(process.execPath, [path.join(root, "bin/start.js")], {
    cwd: os.tmpdir(),
    stdio: "pipe",
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "production",
      LOCAL_DOMAIN: "herd.test",
      BIND: "127.0.0.1",
      PORT: "0",
      LOG_LEVEL: "info",
      DATA_DIR: dataDir,
      DATABASE_URL: t.url,
      ...env,
    },
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line: ${stderr}`)), 30_000);
    child.stdout!.on("data", (d) => {
      stdout += d;
      for (const line of stdout.split("\n")) {
        if (!line.includes('"listening"')) continue;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    });
    child.once("exit", (code) => reject(new Error(`server exited (${code}): ${stderr}`)));
  });
  return { child, port, stderr: () => stderr };
}

async function acrossProcesses(t: TestInstance, env: Record<string, string> = {}) {
  const [a, b] = [await startServer(t, env), await startServer(t, env)];
  const { author, reader }: { author: TestUser; reader: TestUser } = await followed(t);
  const ws = await socket(`ws://127.0.0.1:${b.port}/api/v1/streaming?stream=user`, {
    token: reader.token,
  });
  const res = await fetch(`http://127.0.0.1:${a.port}/api/v1/statuses`, {
    method: "POST",
    headers: { authorization: `Bearer ${author.token}`, "content-type": "application/json" },
    body: JSON.stringify({ status: "From another process" }),
  });
  expect(res.status).toBe(200);
  const status = (await res.json()) as { id: string };
  // The fan-out job runs in one of the two processes (pg-boss), the event
  // reaches the other through pub/sub.
  const message = await ws.next(20_000);
  expect(message).toMatchObject({ stream: ["user"], event: "update" });
  expect(message.body.id).toBe(status.id);
  const deleted = await fetch(`http://127.0.0.1:${a.port}/api/v1/statuses/${status.id}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${author.token}` },
  });
  expect(deleted.status).toBe(200);
  expect(await ws.next(20_000)).toMatchObject({ event: "delete", payload: status.id });

  // Stopping a server ends its streams at once, and it exits cleanly.
  const sse = await eventStream(`http://127.0.0.1:${b.port}/api/v1/streaming/user`, {
    token: reader.token,
  });
  expect(sse.response.status).toBe(200);
  const exited = new Promise<number | null>((resolve) => b.child.once("exit", resolve));
  b.child.kill("SIGTERM");
  await sse.inbox.closed();
  await ws.inbox.closed();
  expect(await exited).toBe(0);
}

describe("two server processes", () => {
  it("deliver across processes through LISTEN/NOTIFY", { timeout: 90_000 }, async () => {
    const t = await createTestInstance();
    await acrossProcesses(t);
  });

  it.skipIf(!redisUrl)("deliver across processes through Redis", { timeout: 90_000 }, async () => {
    const t = await createTestInstance();
    await acrossProcesses(t, { REDIS_URL: redisUrl! });
  });
});
