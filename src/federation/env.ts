// What the federation's dispatchers and listeners share, made once by
// createHerdFederation (src/federation/federation.ts).
import type { Config } from "../config.ts";
import type { Db } from "../db/database.ts";
import type { JobQueue } from "../jobs/queue.ts";
import type { Logger } from "../logger.ts";
import type { Urls } from "../urls.ts";
import type { KeyStore } from "./keys.ts";
import type { FetchPolicy } from "./remote-fetch.ts";

export interface FederationEnv {
  config: Config;
  db: Db;
  logger: Logger;
  urls: Urls;
  keys: KeyStore;
  /**
   * The instance actor's identifier: the local domain, which is also its
   * username, as Mastodon's Account.representative. Served at /actor.
   */
  instanceIdentifier: string;
  /** Where the feed jobs of incoming statuses and follows are queued. */
  jobs: JobQueue;
  /** Limits and ALLOW_PRIVATE_ADDRESS for fetches from other servers (remote-fetch.ts). */
  fetchPolicy: FetchPolicy;
}
