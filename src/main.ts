// The composition root: config → storage → migrations → mailer → app → listen.
// Everything is created here, nothing at import time.
//
// Lifecycle: SIGINT, SIGTERM and SIGHUP stop the server gracefully: it stops
// accepting connections, lets requests in flight finish (for up to 10 s),
// closes the database pool, then stops the embedded PostgreSQL if this
// process owns it. Every failure to start is one line on stderr naming what to
// fix, and exit code 1; never a stack trace.
import type { Server } from "node:http";
import { serve, type ServerType } from "@hono/node-server";
import { FrontResponse } from "./http/front-response.ts";
import { createApp } from "./app.ts";
import {
  createHerdFederation,
  FEDERATION_JOB_NAMES,
  type HerdFederation,
} from "./federation/federation.ts";
import { loadConfig, type Config } from "./config.ts";
import { migrate } from "./db/migrate.ts";
import { createEventBus } from "./domain/events/bus.ts";
import { withEvents } from "./domain/events/emit.ts";
import { createPgBossQueue } from "./jobs/pg-boss-queue.ts";
import type { JobRunner } from "./jobs/queue.ts";
import { JOB_NAMES, JOB_SCHEDULES, registerWorkers } from "./jobs/workers.ts";
import { createLogger, type Logger } from "./logger.ts";
import { createLogMailer, createSmtpMailer } from "./mail/mailer.ts";
import { publishDomainEvents } from "./pubsub/domain-events.ts";
import { createPostgresPubSub } from "./pubsub/postgres.ts";
import type { PubSub } from "./pubsub/pubsub.ts";
import { createRedisPubSub } from "./pubsub/redis.ts";
import { describeError, openStorage, type Storage } from "./storage-boot.ts";
import { createStreamingServer, type StreamingServer } from "./streaming/server.ts";
import { createMediaStorage } from "./storage/index.ts";

/** How long requests in flight may take to finish once a shutdown begins. */
export const DRAIN_MS = 10_000;
/** After this, the process exits whatever is still pending. */
const FORCE_EXIT_MS = 45_000;

/**
 * How long a fan-out waits at most for this process's streams to send the
 * status first (streaming/dispatcher.ts, delivered): the home feeds are
 * that much later at worst.
 */
const LIVE_FAN_OUT_WAIT_MS = 250;

/** One line on stderr, as every startup failure is reported. */
function complain(message: string) {
  process.stderr.write(`herd: ${message}\n`);
}

/**
 * Stops `server` accepting connections and waits for the requests in flight,
 * closing each keep-alive connection as soon as it is idle; after `graceMs`
 * the connections still open are cut. Resolves true if it had to cut.
 */
export async function closeServer(server: Server, graceMs = DRAIN_MS): Promise<boolean> {
  if (!server.listening) return false;
  let forced = false;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // close() closes the connections idle now; a connection whose response is
  // still being made becomes idle later, and must then be closed too.
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  const cut = setTimeout(() => {
    forced = true;
    server.closeAllConnections();
  }, graceMs);
  try {
    await closed;
  } finally {
    clearInterval(sweep);
    clearTimeout(cut);
  }
  return forced;
}

function listenError(error: NodeJS.ErrnoException, config: Config): string {
  const where = `${config.bind}:${config.port}`;
  if (error.code === "EADDRINUSE") {
    return `cannot listen on ${where}: the port is already in use; stop what uses it or set PORT`;
  }
  if (error.code === "EACCES") {
    return `cannot listen on ${where}: permission denied; use a PORT above 1023`;
  }
  if (error.code === "EADDRNOTAVAIL") {
    return `cannot listen on ${where}: no such address on this machine; check BIND`;
  }
  return `cannot listen on ${where}: ${error.code ?? error.message}`;
}

export interface MainOptions {
  /**
   * Stop when the parent process goes away. `npm start` forwards a SIGTERM
   * only to the shell it runs the script in, which dies without passing it
   * on (`docker stop` on an `npm start` container): Herd then notices that it
   * was orphaned and stops as if it had received the signal.
   */
  followParent?: boolean;
}

export async function main(options: MainOptions = {}): Promise<void> {
  const started = performance.now();
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    complain(describeError(error));
    process.exit(1);
  }
  const logger: Logger = createLogger(config.logLevel);
  if (config.allowPrivateAddress) {
    logger.warn("ALLOW_PRIVATE_ADDRESS is on: Herd may fetch loopback and private addresses");
  }

  let storage: Storage | null = null;
  let server: ServerType | null = null;
  let jobs: JobRunner | null = null;
  let pubsub: PubSub | null = null;
  let streaming: StreamingServer | null = null;
  let federation: HerdFederation | null = null;
  let phase: "starting" | "running" | "stopping" = "starting";
  let exitCode = 0;

  let stopCalled = false;
  const stop = async (code: number) => {
    if (stopCalled) return;
    stopCalled = true;
    const force = setTimeout(() => {
      complain("shutdown took too long; exiting anyway");
      process.exit(code || 1);
    }, FORCE_EXIT_MS);
    force.unref();
    // Open streams would hold requests open until the drain timeout: end them
    // first (clients reconnect, to another process if there is one).
    streaming?.close();
    if (server) {
      const forced = await closeServer(server as Server);
      if (forced) logger.warn("requests still running after 10 s were cut off");
    }
    // Jobs being run finish (for up to 10 s); the others wait in the database.
    federation?.stop();
    await jobs?.stop().catch((err) => logger.warn("job queue did not stop cleanly", { err }));
    await pubsub?.close();
    await storage?.close();
    logger.info("stopped");
    process.exit(code);
  };

  // A signal while starting is handled when the step under way ends. npm
  // forwards the signal it gets itself, so a second one is not an order to
  // hurry: it is ignored.
  const shutdown = (code: number) => {
    if (phase === "stopping") return;
    const wasRunning = phase === "running";
    phase = "stopping";
    exitCode = code;
    logger.info("shutting down");
    if (wasRunning) void stop(code);
  };
  // A function, so that TypeScript does not narrow `phase` across awaits.
  const stopping = () => phase === "stopping";
  const startupStep = async () => {
    if (stopping()) await stop(exitCode);
  };

  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => shutdown(0));
  }
  if (options.followParent) {
    const parent = process.ppid;
    const watch = setInterval(() => {
      if (process.ppid === parent) return;
      clearInterval(watch);
      logger.info("the parent process is gone");
      shutdown(0);
    }, 500);
    watch.unref();
  }
  process.on("uncaughtException", (err) => {
    logger.error("uncaught exception", { err });
    if (phase === "starting") phase = "running";
    shutdown(1);
  });
  process.on("unhandledRejection", (err) => {
    logger.error("unhandled rejection", { err });
  });

  try {
    storage = await openStorage(config, "server");
    await startupStep();
    const { applied } = await migrate(storage.database.pool);
    if (applied.length > 0) logger.info("migrations applied", { applied });
  } catch (error) {
    // Interrupted while starting (Ctrl-C reaches initdb too): not a failure to report.
    if (!stopping()) complain(`could not open the database: ${describeError(error)}`);
    await storage?.close();
    process.exit(stopping() ? exitCode : 1);
  }
  await startupStep();

  // Domain events (src/domain/events/) reach the streaming API of every
  // process through pub/sub: NOTIFY sent in each emitting transaction, or
  // Redis after its commit when REDIS_URL is set. From here on the database
  // handle carries the event bus, so every domain function emits.
  const bus = createEventBus((err) => logger.warn("an event subscriber failed", { err }));
  pubsub = config.redisUrl
    ? createRedisPubSub({
        url: config.redisUrl,
        channel: `herd:${config.localDomain}:events`,
        logger,
      })
    : createPostgresPubSub({
        url: storage.url,
        db: storage.database.db,
        channel: "herd_events",
        logger,
      });
  publishDomainEvents(bus, pubsub, logger);
  storage.database = withEvents(storage.database, bus);

  // Media files: DATA_DIR/media, or S3 (nothing is contacted until a file is read or written).
  const media = createMediaStorage(config);

  // The job queue: pg-boss installs or upgrades its own schema, then workers poll.
  try {
    jobs = createPgBossQueue({
      connectionString: storage.url,
      logger: logger.child({ component: "jobs" }),
      queues: [...JOB_NAMES, ...FEDERATION_JOB_NAMES],
      poll: true,
    });
    await jobs.start();
    await registerWorkers(
      jobs,
      { database: storage.database, media, config },
      // This process's streams (made below) first; a worker of its own has none.
      {
        beforeLiveFanOut: (id) =>
          streaming?.delivered(id, LIVE_FAN_OUT_WAIT_MS) ?? Promise.resolve(),
      },
    );
    for (const [name, cron] of Object.entries(JOB_SCHEDULES)) await jobs.schedule(name, cron);
    // ActivityPub: Fedify's deliveries and incoming activities are jobs too.
    federation = createHerdFederation({ config, database: storage.database, logger, jobs });
    // Local actions federate: a job in each emitting transaction (src/federation/outbox/).
    bus.inTransaction(federation.outgoing);
    await federation.startQueue();
  } catch (error) {
    complain(`could not start the job queue: ${describeError(error)}`);
    await jobs?.stop().catch(() => undefined);
    await storage.close();
    process.exit(1);
  }
  await startupStep();

  let mailer;
  try {
    mailer = config.smtp ? await createSmtpMailer(config.smtp, logger) : createLogMailer(logger);
  } catch (error) {
    complain(`could not set up mail: ${describeError(error)}`);
    await jobs.stop().catch(() => undefined);
    await storage.close();
    process.exit(1);
  }
  const app = createApp(
    {
      config,
      database: storage.database,
      logger,
      secrets: storage.secrets,
      mailer,
      jobs,
      media,
      resolver: federation?.resolver ?? null,
    },
    { federation: federation ?? undefined },
  );
  // The streaming API (src/streaming/) on the same port: event streams and the WebSocket.
  streaming = createStreamingServer({
    deps: { config, database: storage.database, logger },
    pubsub,
  });
  try {
    await streaming.start();
  } catch (error) {
    complain(`could not listen for events (${pubsub.name}): ${describeError(error)}`);
    phase = "stopping";
    await stop(1);
  }

  const listening = serve(
    {
      fetch: streaming.fetch(app.fetch),
      port: config.port,
      hostname: config.bind,
      // The front's default headers go with each answer's writeHead (src/http/front-response.ts).
      serverOptions: { ServerResponse: FrontResponse },
    },
    (info) => {
      if (phase === "starting") phase = "running";
      logger.info("listening", {
        url: `${config.protocol}//${config.webDomain}`,
        address: `${info.address}:${info.port}`,
        port: info.port,
        database: storage?.embedded ? "embedded" : "external",
        startupMs: Math.round(performance.now() - started),
      });
      // A signal that came while starting.
      if (phase === "stopping") void stop(exitCode);
    },
  );
  server = listening;
  listening.on("upgrade", streaming.upgrade);
  listening.on("error", (error: NodeJS.ErrnoException) => {
    complain(listenError(error, config));
    phase = "stopping";
    void stop(1);
  });
}
