// Opens the database for a server or a command: the embedded PostgreSQL in
// DATA_DIR/postgres when no DATABASE_URL is set, the given server otherwise.
import path from "node:path";
import { ConfigError, type Config } from "./config.ts";
import { connect, type Database } from "./db/database.ts";
import type { EmbeddedHandle } from "./db/embedded.ts";
import { loadSecrets, type Secrets } from "./secrets.ts";

export interface Storage {
  database: Database;
  secrets: Secrets;
  embedded: EmbeddedHandle | null;
  /** The connection URL of the database (for the job queue's own connections). */
  url: string;
  /** Closes the pool, then stops the embedded PostgreSQL if this process owns it. */
  close(): Promise<void>;
}

export async function openStorage(config: Config, role: "server" | "command"): Promise<Storage> {
  const stored = await loadSecrets(config.dataDir);
  const secrets = { ...stored, secretKeyBase: config.secretKeyBase ?? stored.secretKeyBase };
  let embedded: EmbeddedHandle | null = null;
  let url = config.databaseUrl;
  if (url === null) {
    const { startEmbedded } = await import("./db/embedded.ts");
    embedded = await startEmbedded({
      dir: path.join(config.dataDir, "postgres"),
      password: secrets.postgresPassword,
      role,
      logFile: path.join(config.dataDir, "postgres.log"),
    });
    url = embedded.url;
  }
  // Few connections serve best on a small machine: on 2 cores, 4 connections
  // gave 15% more home timeline pages per second than 10, and a lower p99
  // (bench/profile.ts), fewer PostgreSQL processes competing for the cores.
  const database = connect(url, role === "server" ? config.dbPool : 2);
  return {
    database,
    secrets,
    embedded,
    url,
    async close() {
      await database.close().catch(() => undefined);
      await embedded?.stop();
    },
  };
}

/**
 * One line for an error met while configuring or opening storage, for the
 * server's and the CLI's error output: never empty (a refused connection to
 * "localhost" is an AggregateError without a message), never a stack.
 */
export function describeError(error: unknown): string {
  if (error instanceof ConfigError) return `invalid configuration: ${error.message}`;
  if (error instanceof AggregateError && !error.message && error.errors.length > 0) {
    return describeError(error.errors[0]);
  }
  if (error instanceof Error) {
    return error.message || (error as NodeJS.ErrnoException).code || error.name;
  }
  return String(error);
}
