// The names of the scheduled-status jobs (src/jobs/workers.ts registers their
// handlers, from publish.ts) and when the periodic one runs.
export const SCHEDULED_STATUS_JOBS = {
  /** { scheduledStatusId }: post it, at its time (PublishScheduledStatusWorker). */
  publish: "scheduled-statuses.publish",
  /** {}: post every scheduled status whose time has passed (Scheduler::ScheduledStatusesScheduler). */
  sweep: "scheduled-statuses.sweep",
} as const;

/** When the sweep runs (cron, UTC): every five minutes, as Mastodon's scheduler. */
export const SCHEDULED_STATUS_SWEEP_SCHEDULE = "*/5 * * * *";
