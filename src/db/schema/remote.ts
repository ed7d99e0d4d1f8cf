// What Herd keeps of remote statuses beyond the statuses table
// (migrations/0051_remote_statuses.sql): a Question's poll and a quoted
// post's URI, and the tombstones of deleted remote statuses.
import { jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { id } from "./types.ts";

/** A remote Question's poll as received (polls come with issue P5). */
export interface RemotePoll {
  options: { title: string; votes_count: number | null }[];
  multiple: boolean;
  expires_at: string | null;
  voters_count: number | null;
  closed: boolean;
}

export const remoteStatusData = pgTable("remote_status_data", {
  statusId: id("status_id").primaryKey(),
  poll: jsonb("poll").$type<RemotePoll>(),
  quoteUri: text("quote_uri"),
});

export const tombstones = pgTable("tombstones", {
  id: id("id").primaryKey(),
  uri: text("uri").notNull(),
  accountId: id("account_id"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
