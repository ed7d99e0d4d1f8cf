// Scheduled statuses (migrations/0062_scheduled_statuses.sql), as Mastodon's
// scheduled_statuses: https://docs.joinmastodon.org/entities/ScheduledStatus/
import { jsonb, pgTable, timestamp } from "drizzle-orm/pg-core";
import { id } from "./types.ts";

/**
 * The parameters of POST /api/v1/statuses kept for later, with Mastodon's
 * keys (ScheduledStatus#params; shown by the ScheduledStatus entity).
 */
export interface ScheduledParams {
  text: string | null;
  media_ids: string[] | null;
  sensitive: boolean | null;
  spoiler_text: string | null;
  visibility: string | null;
  language: string | null;
  scheduled_at: null;
  poll: ScheduledPoll | null;
  idempotency: null;
  with_rate_limit: boolean;
  in_reply_to_id: string | null;
  application_id: string | null;
  [key: string]: unknown;
}

/** The `poll` parameters as permitted (src/domain/polls/input.ts). */
export interface ScheduledPoll {
  options: string[] | null;
  expires_in: string | number | null;
  multiple: boolean;
  hide_totals: boolean;
}

export const scheduledStatuses = pgTable("scheduled_statuses", {
  id: id("id").primaryKey(),
  accountId: id("account_id").notNull(),
  scheduledAt: timestamp("scheduled_at", { withTimezone: true }).notNull(),
  params: jsonb("params").$type<ScheduledParams>().notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type ScheduledStatusRow = typeof scheduledStatuses.$inferSelect;
