// `herd media ...`: tootctl's media commands
// (https://docs.joinmastodon.org/admin/tootctl/#media): `usage` reports what
// the media storage holds; `remove` deletes the local copies of remote media
// older than --days (7 by default), which can be fetched again. Herd caches
// no remote media yet (federation of media comes later), so `remove` finds
// nothing until it does.
import { and, eq, isNotNull, lt, sql } from "drizzle-orm";
import { mediaAttachments } from "../db/schema/index.ts";
import { USAGE_FOLDERS } from "../domain/media/keys.ts";
import { humanSize } from "../domain/media/validation.ts";
import { createMediaStorage } from "../storage/index.ts";
import { CommandError, intFlag, type Command } from "./command.ts";

const usage: Command = {
  words: ["media", "usage"],
  maxArgs: 0,
  summary: "Show how much space media files take",
  description:
    "Counts the files in media storage (DATA_DIR/media, or the S3 bucket) by kind: attachments, avatars and headers.",
  async run(ctx) {
    const storage = createMediaStorage(ctx.config());
    let total = 0;
    for (const [label, prefix] of USAGE_FOLDERS) {
      const { files, bytes } = await storage.usage(prefix);
      total += bytes;
      ctx.output.out(`${label}:\t${humanSize(bytes)} (${files} ${files === 1 ? "file" : "files"})`);
    }
    ctx.output.out(`Total:\t${humanSize(total)}`);
  },
};

const remove: Command = {
  words: ["media", "remove"],
  maxArgs: 0,
  summary: "Remove locally cached copies of remote media attachments",
  description:
    "Deletes the files of remote media attachments older than --days; they are fetched again when needed.",
  options: {
    days: { type: "string", value: "N", description: "how old the media must be (default 7)" },
    "dry-run": { type: "boolean", description: "only count what would be removed" },
  },
  async run(ctx, _args, flags) {
    const days = intFlag(flags, "days") ?? 7;
    if (days < 0) throw new CommandError("--days must not be negative");
    const dryRun = flags["dry-run"] === true;
    const db = await ctx.db();
    const storage = createMediaStorage(ctx.config());
    const before = new Date(Date.now() - days * 24 * 60 * 60 * 1000);
    const cached = and(
      isNotNull(mediaAttachments.remoteUrl),
      isNotNull(mediaAttachments.fileKey),
      lt(mediaAttachments.createdAt, before),
    );
    const rows = await db
      .select({
        id: mediaAttachments.id,
        fileKey: mediaAttachments.fileKey,
        previewKey: mediaAttachments.previewKey,
        thumbnailKey: mediaAttachments.thumbnailKey,
        size: mediaAttachments.fileSize,
      })
      .from(mediaAttachments)
      .where(cached);
    let bytes = 0;
    for (const row of rows) {
      bytes += row.size ?? 0;
      if (dryRun) continue;
      const keys = [row.fileKey, row.previewKey, row.thumbnailKey].filter(
        (k): k is string => k !== null,
      );
      // The row first: a file a row no longer names is never served.
      await db
        .update(mediaAttachments)
        .set({ fileKey: null, previewKey: null, thumbnailKey: null, updatedAt: sql`now()` })
        .where(eq(mediaAttachments.id, row.id));
      await storage.delete(keys);
    }
    ctx.output.out(
      `Removed ${rows.length} media attachments (approx. ${humanSize(bytes)})${dryRun ? " (DRY RUN)" : ""}`,
    );
  },
};

export const mediaCommands: Command[] = [usage, remove];
