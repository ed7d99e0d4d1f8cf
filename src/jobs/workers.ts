// Every kind of job Herd runs, and the handlers that run them.
import type { Deps } from "../deps.ts";
import { CARD_JOBS, DEFAULT_CARD_FETCH, type CardFetchSettings } from "../domain/cards/context.ts";
import { cardJobHandlers } from "../domain/cards/jobs.ts";
import { HERD_VERSION } from "../domain/instance/software.ts";
import {
  FEED_JOBS,
  feedJobHandlers,
  TRIM_SCHEDULE,
  type FeedJobOptions,
} from "../domain/timelines/jobs.ts";
import { MEDIA_CLEANUP_SCHEDULE, MEDIA_JOBS } from "../domain/media/context.ts";
import { mediaJobHandlers } from "../domain/media/jobs.ts";
import { DEFAULT_REMOTE_FETCH, REMOTE_MEDIA_JOBS } from "../domain/media/remote-cache-context.ts";
import { remoteMediaJobHandlers } from "../domain/media/remote-cache-jobs.ts";
import { pollJobHandlers } from "../domain/polls/close.ts";
import { POLL_JOBS, POLL_SWEEP_SCHEDULE } from "../domain/polls/jobs.ts";
import {
  SCHEDULED_STATUS_JOBS,
  SCHEDULED_STATUS_SWEEP_SCHEDULE,
} from "../domain/scheduled-statuses/jobs.ts";
import { scheduledStatusJobHandlers } from "../domain/scheduled-statuses/publish.ts";
import { urlsFor } from "../urls.ts";
import type { JobRunner } from "./queue.ts";

/** The names of every queue (created on start if missing). */
export const JOB_NAMES: readonly string[] = [
  ...Object.values(FEED_JOBS),
  ...Object.values(MEDIA_JOBS),
  ...Object.values(REMOTE_MEDIA_JOBS),
  ...Object.values(CARD_JOBS),
  ...Object.values(POLL_JOBS),
  ...Object.values(SCHEDULED_STATUS_JOBS),
];

/** Recurring jobs: name → cron expression (UTC). */
export const JOB_SCHEDULES: Readonly<Record<string, string>> = {
  [FEED_JOBS.trim]: TRIM_SCHEDULE,
  [MEDIA_JOBS.cleanup]: MEDIA_CLEANUP_SCHEDULE,
  [POLL_JOBS.sweep]: POLL_SWEEP_SCHEDULE,
  [SCHEDULED_STATUS_JOBS.sweep]: SCHEDULED_STATUS_SWEEP_SCHEDULE,
};

/** Registers the handler of every job on `queue`. */
export async function registerWorkers(
  queue: JobRunner,
  deps: Pick<Deps, "database" | "media" | "config">,
  /**
   * Tests shorten the link preview fetch limits and name their own hosts;
   * main lets its streams go before a fan-out (FeedJobOptions).
   */
  options: { cardFetch?: Partial<CardFetchSettings> } & FeedJobOptions = {},
): Promise<void> {
  const urls = urlsFor(deps.config);
  const handlers = {
    ...feedJobHandlers(deps.database.db, { beforeLiveFanOut: options.beforeLiveFanOut }),
    ...mediaJobHandlers({
      db: deps.database.db,
      storage: deps.media,
      jobs: queue,
      ffmpeg: deps.config.media,
    }),
    ...remoteMediaJobHandlers({
      db: deps.database.db,
      storage: deps.media,
      jobs: queue,
      ffmpeg: deps.config.media,
      mode: deps.config.media.cacheRemoteMedia,
      fetch: {
        ...DEFAULT_REMOTE_FETCH,
        allowPrivateAddress: deps.config.allowPrivateAddress,
        userAgent: `Herd/${HERD_VERSION} (+${urls.base}/)`,
        // The tests' DNS, as for link previews: no test reaches the network.
        ...(options.cardFetch?.lookup ? { lookup: options.cardFetch.lookup } : {}),
      },
    }),
    ...pollJobHandlers(deps.database.db, queue),
    ...cardJobHandlers({
      db: deps.database.db,
      storage: deps.media,
      jobs: queue,
      urls,
      localHosts: [deps.config.localDomain, deps.config.webDomain],
      fetch: {
        ...DEFAULT_CARD_FETCH,
        allowPrivateAddress: deps.config.allowPrivateAddress,
        userAgent: `Herd/${HERD_VERSION} (+${urls.base}/)`,
        ...options.cardFetch,
      },
    }),
    ...scheduledStatusJobHandlers(deps.database.db, {
      urls: urlsFor(deps.config),
      // LOCAL_DOMAIN and WEB_DOMAIN (as the client API's formatContext).
      localDomains: [
        ...new Set([
          deps.config.localDomain,
          deps.config.webDomain,
          deps.config.localDomain.replace(/:\d+$/, ""),
        ]),
      ],
      jobs: queue,
    }),
  };
  for (const [name, handler] of Object.entries(handlers)) await queue.work(name, handler);
}
