// Every kind of job Herd runs, and the handlers that run them.
import type { Deps } from "../deps.ts";
import { FEED_JOBS, feedJobHandlers, TRIM_SCHEDULE } from "../domain/timelines/jobs.ts";
import { MEDIA_CLEANUP_SCHEDULE, MEDIA_JOBS } from "../domain/media/context.ts";
import { mediaJobHandlers } from "../domain/media/jobs.ts";
import type { JobRunner } from "./queue.ts";

/** The names of every queue (created on start if missing). */
export const JOB_NAMES: readonly string[] = [
  ...Object.values(FEED_JOBS),
  ...Object.values(MEDIA_JOBS),
];

/** Recurring jobs: name → cron expression (UTC). */
export const JOB_SCHEDULES: Readonly<Record<string, string>> = {
  [FEED_JOBS.trim]: TRIM_SCHEDULE,
  [MEDIA_JOBS.cleanup]: MEDIA_CLEANUP_SCHEDULE,
};

/** Registers the handler of every job on `queue`. */
export async function registerWorkers(
  queue: JobRunner,
  deps: Pick<Deps, "database" | "media" | "config">,
): Promise<void> {
  const handlers = {
    ...feedJobHandlers(deps.database.db),
    ...mediaJobHandlers({
      db: deps.database.db,
      storage: deps.media,
      jobs: queue,
      ffmpeg: deps.config.media,
    }),
  };
  for (const [name, handler] of Object.entries(handlers)) await queue.work(name, handler);
}
