// `herd emoji export PATH`, as `tootctl emoji export` (lib/mastodon/cli/emoji.rb,
// https://docs.joinmastodon.org/admin/tootctl/#emoji-export): writes
// PATH/export.tar.gz with the image of every local custom emoji (of
// --category NAME only, if given), named `<shortcode>.<ext>`, the archive
// `herd emoji import` reads. An existing archive is kept unless --overwrite.
// The archive is written beside its final name and renamed once complete, so
// a failure never leaves half an archive under that name.
import { createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { emojiCategoryExists, exportedEmojis } from "../domain/emojis/export.ts";
import { TAR_END, tarEntry } from "../lib/tar.ts";
import { createMediaStorage } from "../storage/index.ts";
import { CommandError, stringFlag, type Command } from "./command.ts";

/** Whether `file` is a regular file (Ruby's File.file?). */
async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

export const exportCommand: Command = {
  words: ["emoji", "export"],
  args: "PATH",
  minArgs: 1,
  maxArgs: 1,
  summary: "Export emoji to a TAR GZIP archive at PATH",
  description: [
    "Exports custom emoji to 'export.tar.gz' at PATH.",
    "",
    "The --category option dumps only the specified category.",
    "If this option is not specified, all emoji will be exported.",
    "",
    "The --overwrite option will overwrite an existing archive.",
  ].join("\n"),
  options: {
    category: { type: "string", value: "NAME", description: "only the emojis of this category" },
    overwrite: { type: "boolean", description: "replace an existing export.tar.gz" },
  },
  async run(ctx, [folder], flags) {
    const target = path.join(folder!, "export.tar.gz");
    if ((await isFile(target)) && flags.overwrite !== true) {
      throw new CommandError("Archive already exists! Use '--overwrite' to overwrite it!");
    }
    let folderStat;
    try {
      folderStat = await stat(folder!);
    } catch {
      folderStat = null;
    }
    if (!folderStat?.isDirectory()) throw new CommandError(`No such directory: ${folder}`);
    const db = await ctx.db();
    const category = stringFlag(flags, "category") ?? null;
    if (category !== null && !(await emojiCategoryExists(db, category))) {
      throw new CommandError(`Unable to find category '${category}'!`);
    }
    const storage = createMediaStorage(ctx.config());

    let exported = 0;
    async function* archive(): AsyncGenerator<Uint8Array> {
      for await (const emoji of exportedEmojis(db, storage, { category })) {
        ctx.output.out(`Adding '${emoji.shortcode}'...`);
        if (emoji.data === null) {
          ctx.output.err(`herd: the image of '${emoji.shortcode}' is missing from storage`);
          continue;
        }
        yield tarEntry(emoji.fileName, emoji.data);
        exported++;
      }
      yield TAR_END;
    }

    const partial = `${target}.${process.pid}.partial`;
    try {
      await pipeline(Readable.from(archive()), createGzip(), createWriteStream(partial));
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true }).catch(() => undefined);
      const code = (error as NodeJS.ErrnoException).code;
      if (typeof code === "string" && code.startsWith("E")) {
        throw new CommandError(`Cannot write ${target}: ${code}`);
      }
      throw error;
    }
    ctx.output.out(`Exported ${exported}`);
  },
};
