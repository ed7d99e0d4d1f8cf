// A Herd instance for one test file: its own database copied from the
// migrated template, the real app, a mailer that keeps what it sends, and
// helpers that call the app over HTTP as a client would.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, inject } from "vitest";
import { createApp, type App } from "../../src/app.ts";
import { parseConfig, type Config } from "../../src/config.ts";
import { connect, type Database } from "../../src/db/database.ts";
import type { Deps } from "../../src/deps.ts";
import { createMemoryRateStore } from "../../src/http/rate-limit.ts";
import { createPgBossQueue } from "../../src/jobs/pg-boss-queue.ts";
import type { JobRunner } from "../../src/jobs/queue.ts";
import type { CardFetchSettings } from "../../src/domain/cards/context.ts";
import { JOB_NAMES, registerWorkers } from "../../src/jobs/workers.ts";
import { silentLogger } from "../../src/logger.ts";
import { createMediaStorage } from "../../src/storage/index.ts";
import {
  createHerdFederation,
  FEDERATION_JOB_NAMES,
  type HerdFederation,
} from "../../src/federation/federation.ts";
import type { Mail, Mailer } from "../../src/mail/mailer.ts";
import type { PubSub } from "../../src/pubsub/pubsub.ts";
import { withTestEvents } from "./events.ts";

export interface TestInstance {
  app: App;
  deps: Deps;
  config: Config;
  database: Database;
  /** The URL of this file's database (for a second connection, or the CLI). */
  url: string;
  /** Mails "sent" by the instance, oldest first. */
  mails: Mail[];
  /** The instance's job queue (pg-boss on this file's database); jobs run only when drained. */
  jobs: JobRunner;
  /** ActivityPub (src/federation): Fedify's federation object and its queue. */
  federation: HerdFederation;
  /** Runs every queued job (and the jobs they queue) to completion; resolves to how many ran. */
  drainJobs(): Promise<number>;
  /** Where domain events are published (NOTIFY, or Redis with env REDIS_URL); see kit/streaming.ts. */
  pubsub: PubSub;
  rateStore: ReturnType<typeof createMemoryRateStore>;
  request(path: string, init?: RequestOptions): Promise<Response>;
  /** Like request, and parses the JSON body (throws if it is not JSON). */
  json<T = any>(
    path: string,
    init?: RequestOptions,
  ): Promise<{ status: number; body: T; res: Response }>;
}

export interface RequestOptions {
  method?: string;
  token?: string;
  /** Sent as application/json. */
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded (arrays as repeated keys). */
  form?: Record<string, string | string[]> | [string, string][];
  /** Sent as multipart/form-data. */
  multipart?: FormData;
  /** Sent as is. */
  body?: string;
  headers?: Record<string, string>;
}

/** A database copied from the migrated `template`, named after it with `tag`; its name. */
export async function createDatabase(
  adminUrl: string,
  template: string,
  tag = "",
): Promise<string> {
  const name = `${template.replace("_tpl_", "_f_")}${tag}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
        break;
      } catch (error) {
        // "source database is being accessed by other users": a sibling file
        // is copying the template at this very moment.
        if ((error as { code?: string }).code !== "55006" || attempt > 50) throw error;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end();
  }
  return name;
}

async function dropDatabase(adminUrl: string, name: string) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
  await admin.end();
}

export interface TestInstanceOptions {
  env?: Record<string, string>;
  mailer?: Mailer;
  /** Link preview fetch limits and DNS (src/domain/cards/context.ts), for tests of their edges. */
  cardFetch?: Partial<CardFetchSettings>;
}

/** Makes an instance for the calling test file; it is torn down after the file. */
export async function createTestInstance(options: TestInstanceOptions = {}): Promise<TestInstance> {
  const adminUrl = inject("herdAdminUrl");
  const template = inject("herdTemplate");
  const name = await createDatabase(adminUrl, template);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = connect(url.toString(), 4);
  const config = parseConfig({
    NODE_ENV: "test",
    LOCAL_DOMAIN: "herd.test",
    LOCAL_HTTPS: "true",
    DATA_DIR: "/tmp/herd-test-unused",
    ...options.env,
  });
  const mails: Mail[] = [];
  const mailer: Mailer = options.mailer ?? {
    async send(mail) {
      mails.push(mail);
    },
  };
  // pg-boss's schema is in the template already (global-setup.ts): no migration here.
  const jobs = createPgBossQueue({
    pool: database.pool,
    logger: silentLogger,
    queues: [...JOB_NAMES, ...FEDERATION_JOB_NAMES],
    poll: false,
    migrate: false,
    maintenance: false,
  });
  await jobs.start();
  const events = withTestEvents(database, url.toString(), config);
  const deps: Deps = {
    config,
    database: events.database,
    logger: silentLogger,
    secrets: { secretKeyBase: "x".repeat(64), postgresPassword: "unused" },
    mailer,
    jobs,
    media: createMediaStorage(config),
  };
  // Link previews never reach the network from tests: no name resolves
  // unless the test names its own hosts (test/link-cards.test.ts).
  const noDns: CardFetchSettings["lookup"] = (hostname, _options, callback) =>
    callback(Object.assign(new Error(`${hostname}: no DNS in tests`), { code: "ENOTFOUND" }), []);
  await registerWorkers(jobs, deps, { cardFetch: { lookup: noDns, ...options.cardFetch } });
  const federation = createHerdFederation({ ...deps, jobs });
  deps.resolver = federation.resolver;
  events.bus.inTransaction(federation.outgoing);
  await federation.startQueue();
  const rateStore = createMemoryRateStore();
  const app = createApp(deps, { rateStore, federation });

  afterAll(async () => {
    federation.stop();
    await jobs.stop();
    await events.pubsub.close();
    await database.close();
    await dropDatabase(adminUrl, name);
  });

  const request = (path: string, init: RequestOptions = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    let body: string | FormData | undefined;
    if (init.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(init.json);
    } else if (init.form !== undefined) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      const entries = Array.isArray(init.form)
        ? init.form
        : Object.entries(init.form).flatMap(([k, v]) =>
            Array.isArray(v)
              ? v.map((x) => [k, x] as [string, string])
              : [[k, v] as [string, string]],
          );
      body = new URLSearchParams(entries).toString();
    } else if (init.multipart !== undefined) {
      body = init.multipart;
    } else if (init.body !== undefined) {
      body = init.body;
    }
    const method = init.method ?? (body === undefined ? "GET" : "POST");
    return Promise.resolve(app.request(`https://herd.test${path}`, { method, headers, body }));
  };

  return {
    app,
    deps,
    config,
    database,
    url: url.toString(),
    mails,
    jobs,
    federation,
    drainJobs: () => jobs.drain(),
    pubsub: events.pubsub,
    rateStore,
    request,
    async json(path, init) {
      const res = await request(path, init);
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error(
          `${init?.method ?? "GET"} ${path} answered ${res.status} with non-JSON: ${text.slice(0, 200)}`,
        );
      }
      return { status: res.status, body: body as never, res };
    },
  };
}
