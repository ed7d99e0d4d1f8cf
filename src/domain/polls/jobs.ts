// The names of the poll jobs (src/jobs/workers.ts registers their handlers,
// from close.ts) and when the periodic one runs.
export const POLL_JOBS = {
  /** { pollId }: the poll has ended: tell its voters and its author (PollExpirationNotifyWorker). */
  close: "polls.close",
  /** {}: close the polls that ended without their job having run (scheduled). */
  sweep: "polls.sweep",
} as const;

/** When the sweep runs (cron, UTC): every ten minutes. */
export const POLL_SWEEP_SCHEDULE = "*/10 * * * *";
