import { boolean, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { id } from "./types.ts";

export type Visibility = "public" | "unlisted" | "private" | "direct";

export const conversations = pgTable("conversations", {
  id: id("id").primaryKey(),
  uri: text("uri"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const statuses = pgTable("statuses", {
  id: id("id").primaryKey(),
  uri: text("uri"),
  url: text("url"),
  accountId: id("account_id").notNull(),
  inReplyToId: id("in_reply_to_id"),
  inReplyToAccountId: id("in_reply_to_account_id"),
  reblogOfId: id("reblog_of_id"),
  conversationId: id("conversation_id"),
  text: text("text").notNull().default(""),
  content: text("content").notNull().default(""),
  spoilerText: text("spoiler_text").notNull().default(""),
  sensitive: boolean("sensitive").notNull().default(false),
  visibility: text("visibility").$type<Visibility>().notNull().default("public"),
  language: text("language"),
  applicationId: id("application_id"),
  local: boolean("local").notNull().default(true),
  repliesCount: integer("replies_count").notNull().default(0),
  reblogsCount: integer("reblogs_count").notNull().default(0),
  favouritesCount: integer("favourites_count").notNull().default(0),
  editedAt: timestamp("edited_at", { withTimezone: true }),
  deletedAt: timestamp("deleted_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type StatusRow = typeof statuses.$inferSelect;

export const statusEdits = pgTable("status_edits", {
  id: id("id").primaryKey(),
  statusId: id("status_id").notNull(),
  accountId: id("account_id"),
  text: text("text").notNull().default(""),
  content: text("content").notNull().default(""),
  spoilerText: text("spoiler_text").notNull().default(""),
  sensitive: boolean("sensitive").notNull().default(false),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const mentions = pgTable("mentions", {
  id: id("id").primaryKey(),
  statusId: id("status_id").notNull(),
  accountId: id("account_id").notNull(),
  silent: boolean("silent").notNull().default(false),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const tags = pgTable("tags", {
  id: id("id").primaryKey(),
  name: text("name").notNull(),
  displayName: text("display_name").notNull(),
  usable: boolean("usable"),
  listable: boolean("listable"),
  trendable: boolean("trendable"),
  lastStatusAt: timestamp("last_status_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type TagRow = typeof tags.$inferSelect;

export const statusesTags = pgTable(
  "statuses_tags",
  { statusId: id("status_id").notNull(), tagId: id("tag_id").notNull() },
  (t) => [primaryKey({ columns: [t.tagId, t.statusId] })],
);

export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    accountId: id("account_id").notNull(),
    key: text("key").notNull(),
    statusId: id("status_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.key] })],
);

export const favourites = pgTable("favourites", {
  id: id("id").primaryKey(),
  accountId: id("account_id").notNull(),
  statusId: id("status_id").notNull(),
  uri: text("uri"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const bookmarks = pgTable("bookmarks", {
  id: id("id").primaryKey(),
  accountId: id("account_id").notNull(),
  statusId: id("status_id").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const statusPins = pgTable("status_pins", {
  id: id("id").primaryKey(),
  accountId: id("account_id").notNull(),
  statusId: id("status_id").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const conversationMutes = pgTable(
  "conversation_mutes",
  { accountId: id("account_id").notNull(), conversationId: id("conversation_id").notNull() },
  (t) => [primaryKey({ columns: [t.accountId, t.conversationId] })],
);
