// Federation storage (migrations/0020_federation.sql): actors' key pairs and
// Fedify's key–value store.
import { jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { id } from "./types.ts";

/** A local actor's key pairs, PEM; `accountId` null is the instance actor. */
export const actorKeys = pgTable("actor_keys", {
  accountId: id("account_id"),
  rsaPublicKey: text("rsa_public_key").notNull(),
  rsaPrivateKey: text("rsa_private_key").notNull(),
  ed25519PublicKey: text("ed25519_public_key").notNull(),
  ed25519PrivateKey: text("ed25519_private_key").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export type ActorKeysRow = typeof actorKeys.$inferSelect;

export const federationKv = pgTable("federation_kv", {
  key: text("key").array().primaryKey(),
  value: jsonb("value").notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true }),
});
