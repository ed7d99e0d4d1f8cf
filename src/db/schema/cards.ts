// Link previews (migrations/0080_preview_cards.sql), as Mastodon's
// preview_cards and preview_cards_statuses:
// https://docs.joinmastodon.org/entities/PreviewCard/
import { integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { id } from "./types.ts";

export type PreviewCardType = "link" | "photo" | "video" | "rich";

export const previewCards = pgTable("preview_cards", {
  id: id("id").primaryKey(),
  url: text("url").notNull(),
  title: text("title").notNull().default(""),
  description: text("description").notNull().default(""),
  type: text("type").$type<PreviewCardType>().notNull().default("link"),
  linkType: text("link_type").$type<"article" | "unknown">().notNull().default("unknown"),
  html: text("html").notNull().default(""),
  authorName: text("author_name").notNull().default(""),
  authorUrl: text("author_url").notNull().default(""),
  providerName: text("provider_name").notNull().default(""),
  providerUrl: text("provider_url").notNull().default(""),
  width: integer("width").notNull().default(0),
  height: integer("height").notNull().default(0),
  embedUrl: text("embed_url").notNull().default(""),
  imageKey: text("image_key"),
  imageContentType: text("image_content_type"),
  imageFileSize: integer("image_file_size"),
  imageDescription: text("image_description").notNull().default(""),
  blurhash: text("blurhash"),
  language: text("language"),
  publishedAt: timestamp("published_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type PreviewCardRow = typeof previewCards.$inferSelect;

export const previewCardsStatuses = pgTable("preview_cards_statuses", {
  statusId: id("status_id").primaryKey(),
  previewCardId: id("preview_card_id").notNull(),
  url: text("url").notNull(),
});
