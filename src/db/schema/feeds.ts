import { boolean, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { id, idArray } from "./types.ts";

export const homeFeedEntries = pgTable(
  "home_feed_entries",
  {
    accountId: id("account_id").notNull(),
    statusId: id("status_id").notNull(),
    reblogOfId: id("reblog_of_id"),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.statusId] })],
);

export type RepliesPolicy = "followed" | "list" | "none";

export const lists = pgTable("lists", {
  id: id("id").primaryKey(),
  accountId: id("account_id").notNull(),
  title: text("title").notNull(),
  repliesPolicy: text("replies_policy").$type<RepliesPolicy>().notNull().default("list"),
  exclusive: boolean("exclusive").notNull().default(false),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const listAccounts = pgTable("list_accounts", {
  id: id("id").primaryKey(),
  listId: id("list_id").notNull(),
  accountId: id("account_id").notNull(),
  followId: id("follow_id"),
  followRequestId: id("follow_request_id"),
});

export const listFeedEntries = pgTable(
  "list_feed_entries",
  {
    listId: id("list_id").notNull(),
    statusId: id("status_id").notNull(),
    reblogOfId: id("reblog_of_id"),
  },
  (t) => [primaryKey({ columns: [t.listId, t.statusId] })],
);

export const markers = pgTable("markers", {
  id: id("id").primaryKey(),
  accountId: id("account_id").notNull(),
  timeline: text("timeline").$type<"home" | "notifications">().notNull(),
  lastReadId: id("last_read_id").notNull(),
  lockVersion: integer("lock_version").notNull().default(0),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const accountConversations = pgTable("account_conversations", {
  id: id("id").primaryKey(),
  accountId: id("account_id").notNull(),
  conversationId: id("conversation_id").notNull(),
  participantAccountIds: idArray("participant_account_ids").notNull().default([]),
  statusIds: idArray("status_ids").notNull().default([]),
  lastStatusId: id("last_status_id"),
  unread: boolean("unread").notNull().default(false),
  lockVersion: integer("lock_version").notNull().default(0),
});
