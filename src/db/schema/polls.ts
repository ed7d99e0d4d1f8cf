// Polls and their votes (migrations/0061_polls.sql), as Mastodon's polls and
// poll_votes: https://docs.joinmastodon.org/entities/Poll/
import { boolean, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { id } from "./types.ts";

export const polls = pgTable("polls", {
  id: id("id").primaryKey(),
  accountId: id("account_id").notNull(),
  statusId: id("status_id").notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true }),
  options: text("options").array().notNull().default([]),
  cachedTallies: integer("cached_tallies").array().notNull().default([]),
  multiple: boolean("multiple").notNull().default(false),
  hideTotals: boolean("hide_totals").notNull().default(false),
  votesCount: integer("votes_count").notNull().default(0),
  votersCount: integer("voters_count"),
  lastFetchedAt: timestamp("last_fetched_at", { withTimezone: true }),
  closedAt: timestamp("closed_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type PollRow = typeof polls.$inferSelect;

export const pollVotes = pgTable("poll_votes", {
  id: id("id").primaryKey(),
  accountId: id("account_id").notNull(),
  pollId: id("poll_id").notNull(),
  choice: integer("choice").notNull(),
  uri: text("uri"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
