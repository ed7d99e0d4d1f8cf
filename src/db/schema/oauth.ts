import { pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { id } from "./types.ts";

export const oauthApplications = pgTable("oauth_applications", {
  id: id("id").primaryKey(),
  name: text("name").notNull(),
  website: text("website"),
  redirectUri: text("redirect_uri").notNull(),
  scopes: text("scopes").notNull().default("read"),
  clientId: text("client_id").notNull(),
  clientSecretDigest: text("client_secret_digest").notNull(),
  ownerUserId: id("owner_user_id"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type ApplicationRow = typeof oauthApplications.$inferSelect;

export const oauthAccessGrants = pgTable("oauth_access_grants", {
  id: id("id").primaryKey(),
  codeDigest: text("code_digest").notNull(),
  applicationId: id("application_id").notNull(),
  userId: id("user_id").notNull(),
  redirectUri: text("redirect_uri").notNull(),
  scopes: text("scopes").notNull(),
  codeChallenge: text("code_challenge"),
  codeChallengeMethod: text("code_challenge_method"),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  usedAt: timestamp("used_at", { withTimezone: true }),
  /** The token this code was exchanged for (migration 0003). */
  accessTokenId: id("access_token_id"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export type AccessGrantRow = typeof oauthAccessGrants.$inferSelect;

export const oauthAccessTokens = pgTable("oauth_access_tokens", {
  id: id("id").primaryKey(),
  tokenDigest: text("token_digest").notNull(),
  refreshTokenDigest: text("refresh_token_digest"),
  applicationId: id("application_id"),
  userId: id("user_id"),
  scopes: text("scopes").notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true }),
  revokedAt: timestamp("revoked_at", { withTimezone: true }),
  lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export type AccessTokenRow = typeof oauthAccessTokens.$inferSelect;
