import { boolean, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { id } from "./types.ts";

/** Keys as Mastodon's user settings (`posting:default:visibility`, ...). */
export type UserSettings = Record<string, string | boolean | null>;

export const users = pgTable("users", {
  id: id("id").primaryKey(),
  accountId: id("account_id").notNull(),
  email: text("email").notNull(),
  encryptedPassword: text("encrypted_password").notNull(),
  roleId: integer("role_id"),
  confirmedAt: timestamp("confirmed_at", { withTimezone: true }),
  confirmationTokenDigest: text("confirmation_token_digest"),
  confirmationSentAt: timestamp("confirmation_sent_at", { withTimezone: true }),
  unconfirmedEmail: text("unconfirmed_email"),
  approved: boolean("approved").notNull().default(true),
  disabled: boolean("disabled").notNull().default(false),
  locale: text("locale"),
  signUpReason: text("sign_up_reason"),
  signUpIp: text("sign_up_ip"),
  settings: jsonb("settings").$type<UserSettings>().notNull().default({}),
  agreement: boolean("agreement").notNull().default(false),
  currentSignInAt: timestamp("current_sign_in_at", { withTimezone: true }),
  lastSignInAt: timestamp("last_sign_in_at", { withTimezone: true }),
  /** The application the user signed up with (POST /api/v1/accounts), if any. */
  createdByApplicationId: id("created_by_application_id"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type UserRow = typeof users.$inferSelect;

export const webSessions = pgTable("web_sessions", {
  id: id("id").primaryKey(),
  sessionDigest: text("session_digest").notNull(),
  userId: id("user_id").notNull(),
  userAgent: text("user_agent"),
  ip: text("ip"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
});
