// Cached copies of remote accounts' avatars and headers
// (migrations/0100_remote_media_cache.sql): which remote URL each copy was
// made from, as Mastodon's avatar_remote_url / header_remote_url.
import { bigint, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { id } from "./types.ts";

export const remoteProfileImages = pgTable(
  "remote_profile_images",
  {
    accountId: id("account_id").notNull(),
    kind: text("kind").$type<"avatar" | "header">().notNull(),
    remoteUrl: text("remote_url").notNull(),
    fileKey: text("file_key").notNull(),
    staticKey: text("static_key"),
    fileSize: bigint("file_size", { mode: "number" }).notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.kind] })],
);

export type RemoteProfileImageRow = typeof remoteProfileImages.$inferSelect;
