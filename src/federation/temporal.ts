// Fedify's vocabulary and options take Temporal values; Node.js 24 has no
// global Temporal yet, so Herd uses the polyfill Fedify itself depends on.
import { Temporal as Polyfill } from "@js-temporal/polyfill";

/** A Date as the Temporal.Instant Fedify's vocabulary expects. */
// The polyfill's types differ from TypeScript's own Temporal lib (which
// Fedify's declarations use) in details only: its values are what Fedify checks.
export function instant(date: Date): Temporal.Instant {
  return Polyfill.Instant.fromEpochMilliseconds(date.getTime()) as unknown as Temporal.Instant;
}

/** Midnight UTC of the date's day, as Mastodon publishes an actor's `published`. */
export function midnightInstant(date: Date): Temporal.Instant {
  return instant(new Date(`${date.toISOString().slice(0, 10)}T00:00:00Z`));
}

/** A duration-like value (Temporal.Duration, native or polyfilled) in milliseconds. */
export function durationMs(duration: { total(options: object): number }): number {
  // relativeTo lets days, weeks and months be counted as the calendar has them.
  return duration.total({
    unit: "milliseconds",
    relativeTo: Polyfill.Now.zonedDateTimeISO("UTC"),
  });
}
