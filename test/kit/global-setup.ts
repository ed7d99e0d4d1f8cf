// One PostgreSQL server for the whole run: the embedded one in a fresh folder
// under the system temp folder (every parent must be reachable by the
// `postgres` user when tests run as root), or the server of DATABASE_URL.
// A template database is migrated once; each test file copies it.
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { connect } from "../../src/db/database.ts";
import { migrate } from "../../src/db/migrate.ts";
import { createPgBossQueue } from "../../src/jobs/pg-boss-queue.ts";
import { JOB_NAMES } from "../../src/jobs/workers.ts";
import { silentLogger } from "../../src/logger.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** A URL of the test server's maintenance database (`postgres`). */
    herdAdminUrl: string;
    herdTemplate: string;
  }
}

export default async function setup(project: TestProject) {
  let adminUrl: string;
  let stop = async () => {};
  let tmp: string | null = null;
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = "/postgres";
    adminUrl = url.toString();
  } else {
    const { startEmbedded } = await import("../../src/db/embedded.ts");
    tmp = await mkdtemp(path.join(os.tmpdir(), "herd-test-"));
    // mkdtemp makes it 0700; the `postgres` user (tests as root) must enter it.
    await chmod(tmp, 0o755);
    const handle = await startEmbedded({
      dir: path.join(tmp, "postgres"),
      password: randomBytes(12).toString("hex"),
      role: "server",
      logFile: path.join(tmp, "postgres.log"),
    });
    const url = new URL(handle.url);
    url.pathname = "/postgres";
    adminUrl = url.toString();
    stop = handle.stop;
  }

  const template = `herd_test_tpl_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${template}`;
  const db = connect(url.toString(), 1);
  await migrate(db.pool);
  // The job queue's schema and queues, once, so that test files need not install them.
  const jobs = createPgBossQueue({
    pool: db.pool,
    logger: silentLogger,
    queues: JOB_NAMES,
    poll: false,
    maintenance: false,
  });
  await jobs.start();
  await jobs.stop();
  await db.close();

  project.provide("herdAdminUrl", adminUrl);
  project.provide("herdTemplate", template);

  return async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    // Test files drop their own databases; drop what a crashed file left.
    const left = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE $1",
      [`${template.replace("_tpl_", "_%_")}%`],
    );
    for (const { datname } of left.rows) {
      await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => undefined);
    }
    await client.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    await client.end();
    await stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  };
}
