// Every kind of job Herd runs, and the handlers that run them.
import type { Deps } from "../deps.ts";
import { FEED_JOBS, feedJobHandlers, TRIM_SCHEDULE } from "../domain/timelines/jobs.ts";
import type { JobRunner } from "./queue.ts";

/** The names of every queue (created on start if missing). */
export const JOB_NAMES: readonly string[] = [...Object.values(FEED_JOBS)];

/** Recurring jobs: name → cron expression (UTC). */
export const JOB_SCHEDULES: Readonly<Record<string, string>> = {
  [FEED_JOBS.trim]: TRIM_SCHEDULE,
};

/** Registers the handler of every job on `queue`. */
export async function registerWorkers(
  queue: JobRunner,
  deps: Pick<Deps, "database">,
): Promise<void> {
  const handlers = { ...feedJobHandlers(deps.database.db) };
  for (const [name, handler] of Object.entries(handlers)) await queue.work(name, handler);
}
