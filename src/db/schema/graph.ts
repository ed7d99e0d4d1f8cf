import { boolean, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { id } from "./types.ts";

const relation = {
  id: id("id").primaryKey(),
  accountId: id("account_id").notNull(),
  targetAccountId: id("target_account_id").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
};

const followColumns = () => ({
  ...relation,
  showReblogs: boolean("show_reblogs").notNull().default(true),
  notify: boolean("notify").notNull().default(false),
  languages: text("languages").array(),
  uri: text("uri"),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const follows = pgTable("follows", followColumns());
export type FollowRow = typeof follows.$inferSelect;

export const followRequests = pgTable("follow_requests", followColumns());

export const blocks = pgTable("blocks", { ...relation, uri: text("uri") });

export const mutes = pgTable("mutes", {
  ...relation,
  hideNotifications: boolean("hide_notifications").notNull().default(true),
  expiresAt: timestamp("expires_at", { withTimezone: true }),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const accountDomainBlocks = pgTable("account_domain_blocks", {
  id: id("id").primaryKey(),
  accountId: id("account_id").notNull(),
  domain: text("domain").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const accountNotes = pgTable("account_notes", {
  ...relation,
  comment: text("comment").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Endorsements ("feature on profile"). */
export const accountPins = pgTable("account_pins", relation);

export const featuredTags = pgTable("featured_tags", {
  id: id("id").primaryKey(),
  accountId: id("account_id").notNull(),
  tagId: id("tag_id").notNull(),
  name: text("name").notNull(),
  statusesCount: integer("statuses_count").notNull().default(0),
  lastStatusAt: timestamp("last_status_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const tagFollows = pgTable("tag_follows", {
  id: id("id").primaryKey(),
  accountId: id("account_id").notNull(),
  tagId: id("tag_id").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
