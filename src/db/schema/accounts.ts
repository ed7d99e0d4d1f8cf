import { boolean, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { id } from "./types.ts";

export interface AccountField {
  name: string;
  /** HTML, as the API shows it. */
  value: string;
  /** The plain text a local user typed (absent for remote accounts). */
  source?: string;
  verified_at: string | null;
}

export const accounts = pgTable("accounts", {
  id: id("id").primaryKey(),
  username: text("username").notNull(),
  domain: text("domain"),
  displayName: text("display_name").notNull().default(""),
  note: text("note").notNull().default(""),
  noteSource: text("note_source"),
  fields: jsonb("fields").$type<AccountField[]>().notNull().default([]),
  locked: boolean("locked").notNull().default(false),
  bot: boolean("bot").notNull().default(false),
  group: boolean("group").notNull().default(false),
  discoverable: boolean("discoverable"),
  indexable: boolean("indexable").notNull().default(false),
  hideCollections: boolean("hide_collections"),
  memorial: boolean("memorial").notNull().default(false),
  movedToAccountId: id("moved_to_account_id"),
  uri: text("uri"),
  url: text("url"),
  avatarUrl: text("avatar_url"),
  avatarStaticUrl: text("avatar_static_url"),
  headerUrl: text("header_url"),
  headerStaticUrl: text("header_static_url"),
  followersCount: integer("followers_count").notNull().default(0),
  followingCount: integer("following_count").notNull().default(0),
  statusesCount: integer("statuses_count").notNull().default(0),
  lastStatusAt: timestamp("last_status_at", { withTimezone: true }),
  suspendedAt: timestamp("suspended_at", { withTimezone: true }),
  silencedAt: timestamp("silenced_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  // Remote accounts (migrations/0050_remote_accounts.sql); null for local ones.
  inboxUrl: text("inbox_url"),
  sharedInboxUrl: text("shared_inbox_url"),
  outboxUrl: text("outbox_url"),
  followersUrl: text("followers_url"),
  followingUrl: text("following_url"),
  featuredUrl: text("featured_url"),
  featuredTagsUrl: text("featured_tags_url"),
  actorType: text("actor_type"),
  publicKeyPem: text("public_key_pem"),
  publicKeyId: text("public_key_id"),
  alsoKnownAs: text("also_known_as").array().notNull().default([]),
  lastWebfingerAt: timestamp("last_webfinger_at", { withTimezone: true }),
  fetchedAt: timestamp("fetched_at", { withTimezone: true }),
  suspensionOrigin: text("suspension_origin").$type<"local" | "remote">(),
});

export type AccountRow = typeof accounts.$inferSelect;
