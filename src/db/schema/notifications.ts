import { boolean, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { id } from "./types.ts";

export type NotificationType =
  | "mention"
  | "status"
  | "reblog"
  | "follow"
  | "follow_request"
  | "favourite"
  | "poll"
  | "update"
  | "admin.sign_up"
  | "admin.report"
  | "severed_relationships"
  | "moderation_warning"
  | "quote"
  | "quoted_update";

export const notifications = pgTable("notifications", {
  id: id("id").primaryKey(),
  accountId: id("account_id").notNull(),
  fromAccountId: id("from_account_id").notNull(),
  type: text("type").$type<NotificationType>().notNull(),
  statusId: id("status_id"),
  /** The report an `admin.report` is about (migrations/0110_reports.sql). */
  reportId: id("report_id"),
  groupKey: text("group_key"),
  filtered: boolean("filtered").notNull().default(false),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export type NotificationRow = typeof notifications.$inferSelect;

export type PolicyValue = "accept" | "filter" | "drop";

export const notificationPolicies = pgTable("notification_policies", {
  accountId: id("account_id").primaryKey(),
  forNotFollowing: text("for_not_following").$type<PolicyValue>().notNull().default("accept"),
  forNotFollowers: text("for_not_followers").$type<PolicyValue>().notNull().default("accept"),
  forNewAccounts: text("for_new_accounts").$type<PolicyValue>().notNull().default("accept"),
  forPrivateMentions: text("for_private_mentions").$type<PolicyValue>().notNull().default("filter"),
  forLimitedAccounts: text("for_limited_accounts").$type<PolicyValue>().notNull().default("filter"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const notificationRequests = pgTable("notification_requests", {
  id: id("id").primaryKey(),
  accountId: id("account_id").notNull(),
  fromAccountId: id("from_account_id").notNull(),
  lastStatusId: id("last_status_id"),
  notificationsCount: integer("notifications_count").notNull().default(0),
  dismissed: boolean("dismissed").notNull().default(false),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const notificationPermissions = pgTable("notification_permissions", {
  id: id("id").primaryKey(),
  accountId: id("account_id").notNull(),
  fromAccountId: id("from_account_id").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
