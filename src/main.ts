// The composition root: config → storage → migrations → mailer → app → listen.
// Everything is created here, nothing at import time.
import { serve, type ServerType } from "@hono/node-server";
import { createApp } from "./app.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { migrate } from "./db/migrate.ts";
import { createLogger } from "./logger.ts";
import { createLogMailer, createSmtpMailer } from "./mail/mailer.ts";
import { openStorage, type Storage } from "./storage-boot.ts";

export async function main(): Promise<void> {
  const started = performance.now();
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`herd: invalid configuration: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  if (config.allowPrivateAddress) {
    logger.warn("ALLOW_PRIVATE_ADDRESS is on: Herd may fetch loopback and private addresses");
  }

  let storage: Storage | null = null;
  let server: ServerType | null = null;
  let stopping = false;

  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down");
    const force = setTimeout(() => process.exit(code || 1), 15_000);
    force.unref();
    if (server) {
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    }
    await storage?.close();
    logger.info("stopped");
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
  process.on("uncaughtException", (err) => {
    logger.error("uncaught exception", { err });
    void shutdown(1);
  });
  process.on("unhandledRejection", (err) => {
    logger.error("unhandled rejection", { err });
  });

  try {
    storage = await openStorage(config, "server");
    const { applied } = await migrate(storage.database.pool);
    if (applied.length > 0) logger.info("migrations applied", { applied });
  } catch (error) {
    process.stderr.write(`herd: could not open the database: ${(error as Error).message}\n`);
    await storage?.close();
    process.exit(1);
  }

  const mailer = config.smtp
    ? await createSmtpMailer(config.smtp, logger)
    : createLogMailer(logger);
  const app = createApp({
    config,
    database: storage.database,
    logger,
    secrets: storage.secrets,
    mailer,
  });

  server = serve({ fetch: app.fetch, port: config.port, hostname: config.bind }, (info) => {
    logger.info("listening", {
      url: `${config.protocol}//${config.webDomain}`,
      address: `${info.address}:${info.port}`,
      database: storage?.embedded ? "embedded" : "external",
      startupMs: Math.round(performance.now() - started),
    });
  });
  server.on("error", (error: NodeJS.ErrnoException) => {
    process.stderr.write(
      `herd: cannot listen on ${config.bind}:${config.port}: ${error.code ?? error.message}\n`,
    );
    void shutdown(1);
  });
}
