// Reports (migrations/0110_reports.sql), as Mastodon's reports table:
// https://docs.joinmastodon.org/entities/Report/
import { boolean, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { id, idArray } from "./types.ts";

export type ReportCategory = "other" | "spam" | "legal" | "violation";

export const reports = pgTable("reports", {
  id: id("id").primaryKey(),
  /** The reporter (a remote account for a Flag). */
  accountId: id("account_id").notNull(),
  targetAccountId: id("target_account_id").notNull(),
  statusIds: idArray("status_ids").notNull().default([]),
  /** Rules cited by a `violation` report; null for the other categories. */
  ruleIds: idArray("rule_ids"),
  comment: text("comment").notNull().default(""),
  category: text("category").$type<ReportCategory>().notNull().default("other"),
  forwarded: boolean("forwarded").notNull().default(false),
  /** Where the Flag goes: the target's domain (when forwarded), those of replied-to accounts. */
  forwardToDomains: text("forward_to_domains").array().notNull().default([]),
  /** The Flag's id, for a report from another server. */
  uri: text("uri"),
  actionTakenAt: timestamp("action_taken_at", { withTimezone: true }),
  actionTakenByAccountId: id("action_taken_by_account_id"),
  assignedAccountId: id("assigned_account_id"),
  applicationId: id("application_id"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type ReportRow = typeof reports.$inferSelect;
