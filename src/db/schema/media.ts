import { bigint, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { id } from "./types.ts";

export type MediaType = "image" | "gifv" | "video" | "audio" | "unknown";
export type MediaProcessing = "queued" | "in_progress" | "complete" | "failed";

/** MediaAttachment#meta: Paperclip's file_meta as Mastodon serializes it. */
export interface MediaMeta {
  focus?: { x: number; y: number };
  /** width, height, size, aspect (images); frame_rate, duration, bitrate (video, audio). */
  original?: object;
  small?: object;
}

export const mediaAttachments = pgTable("media_attachments", {
  id: id("id").primaryKey(),
  accountId: id("account_id").notNull(),
  statusId: id("status_id"),
  type: text("type").$type<MediaType>().notNull().default("image"),
  fileKey: text("file_key"),
  fileContentType: text("file_content_type"),
  fileSize: bigint("file_size", { mode: "number" }),
  previewKey: text("preview_key"),
  thumbnailKey: text("thumbnail_key"),
  remoteUrl: text("remote_url"),
  meta: jsonb("meta").$type<MediaMeta>().notNull().default({}),
  description: text("description"),
  blurhash: text("blurhash"),
  processing: text("processing").$type<MediaProcessing>().notNull().default("complete"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type MediaAttachmentRow = typeof mediaAttachments.$inferSelect;
