// Storage keys of media files, in Paperclip's layout as Mastodon uses it
// (`:class/:attachment/:id_partition/:style/:filename`), so URLs look like
// Mastodon's: media_attachments/files/110/357/222/516/183/152/original/0cd99648c23005ed.png.
import { randomBytes } from "node:crypto";

/**
 * Paperclip's id_partition: the id zero-padded to 9 digits and cut in groups
 * of three. Paperclip drops a last group shorter than three; Herd pads on the
 * left instead, so two ids never share a folder.
 */
export function idPartition(id: string): string {
  const width = Math.max(9, Math.ceil(id.length / 3) * 3);
  return (id.padStart(width, "0").match(/\d{3}/g) ?? []).join("/");
}

/** A new random file name, as Mastodon's (SecureRandom.hex(8) and the type's extension). */
export function newFileName(ext: string): string {
  return `${randomBytes(8).toString("hex")}.${ext}`;
}

export type MediaFolder =
  | "media_attachments/files"
  | "media_attachments/thumbnails"
  | "accounts/avatars"
  | "accounts/headers";

export function fileKey(folder: MediaFolder, id: string, style: string, fileName: string): string {
  return `${folder}/${idPartition(id)}/${style}/${fileName}`;
}

/** The folders `herd media usage` reports, with tootctl's labels. */
export const USAGE_FOLDERS: readonly [label: string, prefix: string][] = [
  ["Attachments", "media_attachments"],
  ["Avatars", "accounts/avatars"],
  ["Headers", "accounts/headers"],
];
