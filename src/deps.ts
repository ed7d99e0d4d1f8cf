// What the composition root (main.ts, or test/kit) hands to routes and
// domain functions. Nothing here is created at import time.
import type { Config } from "./config.ts";
import type { Database } from "./db/database.ts";
import type { Resolver } from "./domain/federation-port.ts";
import type { JobQueue } from "./jobs/queue.ts";
import type { Logger } from "./logger.ts";
import type { Mailer } from "./mail/mailer.ts";
import type { Secrets } from "./secrets.ts";
import type { MediaStorage } from "./storage/storage.ts";

export interface Deps {
  config: Config;
  database: Database;
  logger: Logger;
  secrets: Secrets;
  mailer: Mailer;
  /** Durable background jobs (src/jobs/): send them inside the transaction they belong to. */
  jobs: JobQueue;
  /** Where media files are kept (src/storage/: DATA_DIR/media or S3). */
  media: MediaStorage;
  /** Resolves other servers' handles and URLs (src/federation/resolver.ts); none: known ones only. */
  resolver?: Resolver | null;
}
