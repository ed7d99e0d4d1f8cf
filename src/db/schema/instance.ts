import { boolean, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { id } from "./types.ts";

export const siteSettings = pgTable("site_settings", {
  key: text("key").primaryKey(),
  value: jsonb("value").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const rules = pgTable("rules", {
  id: id("id").primaryKey(),
  text: text("text").notNull(),
  hint: text("hint").notNull().default(""),
  priority: integer("priority").notNull().default(0),
  deletedAt: timestamp("deleted_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const domainBlocks = pgTable("domain_blocks", {
  id: id("id").primaryKey(),
  domain: text("domain").notNull(),
  severity: text("severity").$type<"silence" | "suspend" | "noop">().notNull().default("silence"),
  rejectMedia: boolean("reject_media").notNull().default(false),
  rejectReports: boolean("reject_reports").notNull().default(false),
  publicComment: text("public_comment"),
  privateComment: text("private_comment"),
  obfuscate: boolean("obfuscate").notNull().default(false),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const customEmojis = pgTable("custom_emojis", {
  id: id("id").primaryKey(),
  shortcode: text("shortcode").notNull(),
  domain: text("domain"),
  imageUrl: text("image_url").notNull(),
  staticImageUrl: text("static_image_url").notNull(),
  category: text("category"),
  visibleInPicker: boolean("visible_in_picker").notNull().default(true),
  disabled: boolean("disabled").notNull().default(false),
  uri: text("uri"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const instances = pgTable("instances", {
  domain: text("domain").primaryKey(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
