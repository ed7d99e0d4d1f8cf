// createHerdFederation(deps): Herd's ActivityPub side, on Fedify
// (https://fedify.dev/manual/federation). Made by the composition roots
// (src/main.ts, test/kit/instance.ts), never at import time, with Herd's own
// adapters: the key–value store on PostgreSQL (kv-store.ts) and Fedify's
// task queues on Herd's durable job queue (job-queue.ts). Handles are
// LOCAL_DOMAIN's, URLs WEB_DOMAIN's with LOCAL_HTTPS's scheme (src/urls.ts);
// ALLOW_PRIVATE_ADDRESS lets Fedify fetch loopback and private addresses
// (development only). Local actions go out through the `outgoing` event
// subscriber (outbox/), deliveries are retried and failing hosts skipped
// (delivery-queue.ts), and carry Herd's User-Agent (delivery-user-agent.ts). This folder is the only one that knows ActivityPub's
// vocabulary; it never imports the client API (src/mastodon) nor the reverse.
import { createFederation, type Federation } from "@fedify/fedify";
import type { MiddlewareHandler } from "hono";
import type { Config } from "../config.ts";
import type { Database } from "../db/database.ts";
import type { InTransactionSubscriber } from "../domain/events/bus.ts";
import type { Resolver } from "../domain/federation-port.ts";
import { HERD_VERSION } from "../domain/instance/software.ts";
import type { HerdEnv } from "../http/env.ts";
import type { JobRunner, QueueSpec } from "../jobs/queue.ts";
import type { Logger } from "../logger.ts";
import { urlsFor } from "../urls.ts";
import { dispatchActor, dispatchKeyPairs } from "./actor.ts";
import { BACKFILL_JOB, backfillJobHandler } from "./backfill.ts";
import { registerCollections } from "./collections.ts";
import type { FederationEnv } from "./env.ts";
import { registerInbox } from "./inbox.ts";
import { createDeliveryFailures } from "./delivery-failures.ts";
import { FINAL_STATUS_CODES, OUTBOX_RETRY_POLICY, trackDeliveries } from "./delivery-queue.ts";
import { withDeliveryUserAgent } from "./delivery-user-agent.ts";
import {
  createJobMessageQueue,
  FEDERATION_JOB_NAMES as QUEUE_JOB_NAMES,
  FEDERATION_JOBS,
} from "./job-queue.ts";
import { createKeyStore } from "./keys.ts";
import { createPostgresKvStore } from "./kv-store.ts";
import { FEDERATION_MOUNTS, federationMiddleware } from "./middleware.ts";
import { registerObjects } from "./objects.ts";
import { registerActivityObjects } from "./outbox/activity-objects.ts";
import { OUTGOING_JOB, outgoingJobHandler, outgoingSubscriber } from "./outbox/outgoing.ts";
import { POLL_UPDATE_JOB, pollUpdateJobHandler } from "./outbox/polls.ts";
import { remoteLoaderFactories } from "./remote-fetch.ts";
import { createResolver } from "./resolver.ts";
import { registerWebFinger } from "./webfinger.ts";

/** Every job queue of federation: Fedify's tasks, the outgoing activities, backfills. */
export const FEDERATION_JOB_NAMES: readonly QueueSpec[] = [
  ...QUEUE_JOB_NAMES,
  OUTGOING_JOB,
  BACKFILL_JOB,
  { name: POLL_UPDATE_JOB, unique: true },
];

export interface FederationDeps {
  config: Config;
  database: Database;
  logger: Logger;
  /** The job runner Fedify's inbox, outbox and fan-out tasks are queued on. */
  jobs: JobRunner;
}

export interface HerdFederation {
  federation: Federation<void>;
  /** Hono middleware answering the federation's requests (mounted by createApp). */
  middleware: MiddlewareHandler<HerdEnv>;
  /** Where to mount it (Hono patterns): the only paths it may answer. */
  paths: readonly string[];
  /** Registers the workers of Fedify's queues on the job runner; resolves once they are. */
  startQueue(): Promise<void>;
  /** Stops listening for Fedify's tasks (the job runner's stop lets running ones finish). */
  stop(): void;
  /** Resolves handles and URLs of other servers for the client API (Deps.resolver). */
  resolver: Resolver;
  /**
   * The in-transaction event subscriber that makes local actions federate
   * (outbox/outgoing.ts); the composition root registers it on its event bus.
   */
  outgoing: InTransactionSubscriber;
}

export function createHerdFederation(deps: FederationDeps): HerdFederation {
  const { config } = deps;
  const urls = urlsFor(config);
  const env: FederationEnv = {
    config,
    db: deps.database.db,
    logger: deps.logger.child({ component: "federation" }),
    urls,
    keys: createKeyStore(deps.database.db),
    instanceIdentifier: config.localDomain,
    jobs: deps.jobs,
    fetchPolicy: {
      allowPrivateAddress: config.allowPrivateAddress,
      userAgent: `Herd/${HERD_VERSION} (+${urls.base}/)`,
    },
  };
  // Deliveries: retried for about a week, hosts failing for days skipped (delivery-queue.ts).
  const tracking = trackDeliveries(
    {
      inbox: createJobMessageQueue(deps.jobs, FEDERATION_JOBS.inbox),
      outbox: createJobMessageQueue(deps.jobs, FEDERATION_JOBS.outbox),
    },
    createDeliveryFailures(env.db),
    env.logger.child({ component: "delivery" }),
  );
  const queues = {
    inbox: tracking.inbox,
    outbox: withDeliveryUserAgent(tracking.outbox, env.fetchPolicy.userAgent),
    fanout: createJobMessageQueue(deps.jobs, FEDERATION_JOBS.fanout),
  };

  const kv = createPostgresKvStore(deps.database.pool);
  const federation = createFederation<void>({
    kv,
    queue: queues,
    manuallyStartQueue: true,
    outboxRetryPolicy: OUTBOX_RETRY_POLICY,
    permanentFailureStatusCodes: FINAL_STATUS_CODES,
    onOutboxError: tracking.onOutboxError,
    origin: { handleHost: config.localDomain, webOrigin: urls.base },
    // Remote fetches with Herd's limits (remote-fetch.ts), which also apply
    // ALLOW_PRIVATE_ADDRESS (Fedify refuses its own option beside them).
    ...remoteLoaderFactories(env.fetchPolicy, kv),
  });

  const actors = federation
    .setActorDispatcher("/users/{identifier}", (ctx, identifier) =>
      dispatchActor(env, ctx, identifier),
    )
    .setKeyPairsDispatcher((_ctx, identifier) => dispatchKeyPairs(env, identifier))
    .mapActorAlias("/actor", env.instanceIdentifier);
  registerWebFinger(federation, actors, env);
  registerCollections(federation, env);
  registerObjects(federation, env);
  registerActivityObjects(federation, env);
  registerInbox(federation, env);

  const controller = new AbortController();
  return {
    federation,
    middleware: federationMiddleware(federation, urls.base),
    paths: FEDERATION_MOUNTS,
    resolver: createResolver(env, federation),
    outgoing: outgoingSubscriber(env),
    async startQueue() {
      await deps.jobs.work(OUTGOING_JOB, outgoingJobHandler(env, federation));
      await deps.jobs.work(BACKFILL_JOB, backfillJobHandler(env, federation));
      await deps.jobs.work(POLL_UPDATE_JOB, pollUpdateJobHandler(env, federation));
      federation
        .startQueue(undefined, { signal: controller.signal })
        .catch((err) => env.logger.error("federation queue stopped", { err }));
      await Promise.all(Object.values(queues).map((q) => q.listening));
    },
    stop() {
      controller.abort();
    },
  };
}
