// `herd emoji ...`: tootctl's emoji commands
// (https://docs.joinmastodon.org/admin/tootctl/#emoji). `import` reads a
// .tar.gz of PNG and GIF files, each becoming a local custom emoji named
// after its file (with --prefix and --suffix); `export` writes such an
// archive of the local ones (emoji-export.ts); `purge` removes custom emojis
// and their files.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { EmojiImportError, importCustomEmoji } from "../domain/emojis/import.ts";
import { purgeCustomEmojis } from "../domain/emojis/purge.ts";
import { readTar, TarError } from "../lib/tar.ts";
import { createMediaStorage } from "../storage/index.ts";
import { CommandError, stringFlag, type Command } from "./command.ts";
import { exportCommand } from "./emoji-export.ts";

/** An archive may not unpack to more than this (emoji packs are a few MB). */
const MAX_ARCHIVE_BYTES = 512 * 1024 * 1024;

async function readArchive(file: string): Promise<Uint8Array> {
  let packed: Buffer;
  try {
    packed = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CommandError(
      code === "ENOENT" ? `No such file: ${file}` : `Cannot read ${file}: ${code ?? error}`,
    );
  }
  try {
    return await promisify(gunzip)(packed, { maxOutputLength: MAX_ARCHIVE_BYTES });
  } catch {
    throw new CommandError(`${file} is not a TAR GZIP archive`);
  }
}

const importCommand: Command = {
  words: ["emoji", "import"],
  args: "PATH",
  minArgs: 1,
  maxArgs: 1,
  summary: "Import emoji from a TAR GZIP archive at PATH",
  description: [
    "Imports custom emoji from the PNG and GIF files of the TAR GZIP archive at PATH;",
    "each file's name (without its extension) is the shortcode.",
    "",
    "Existing emoji are skipped unless --overwrite is given, in which case they are",
    "replaced. --category groups the emojis under a category; --prefix and --suffix",
    "are added to every shortcode. With --unlisted, the emojis are not shown in the",
    "emoji picker (but can still be used).",
  ].join("\n"),
  options: {
    prefix: { type: "string", value: "PREFIX", description: "added before every shortcode" },
    suffix: { type: "string", value: "SUFFIX", description: "added after every shortcode" },
    overwrite: { type: "boolean", description: "replace existing emojis of the same shortcode" },
    unlisted: { type: "boolean", description: "do not show the emojis in the picker" },
    category: { type: "string", value: "NAME", description: "the category of the emojis" },
  },
  async run(ctx, [file], flags) {
    const archive = await readArchive(file!);
    const db = await ctx.db();
    const storage = createMediaStorage(ctx.config());
    const prefix = stringFlag(flags, "prefix") ?? "";
    const suffix = stringFlag(flags, "suffix") ?? "";
    const category = stringFlag(flags, "category")?.trim() || null;
    let imported = 0;
    let skipped = 0;
    let failed = 0;
    try {
      for (const entry of readTar(archive)) {
        if (entry.type !== "file" || !/\.(png|gif)$/.test(entry.name)) continue;
        const base = path.posix.basename(entry.name).replace(/\.[^.]*$/, "");
        // macOS's AppleDouble files (._name.png) are not images.
        if (base.startsWith("._")) continue;
        try {
          const outcome = await importCustomEmoji(db, storage, {
            shortcode: `${prefix}${base}${suffix}`,
            data: entry.data,
            overwrite: flags.overwrite === true,
            visibleInPicker: flags.unlisted !== true,
            category,
          });
          if (outcome === "imported") imported++;
          else skipped++;
        } catch (error) {
          if (!(error instanceof EmojiImportError)) throw error;
          failed++;
          ctx.output.out(`Failure/Error: ${entry.name}`);
          ctx.output.out(`    ${error.message}`);
        }
      }
    } catch (error) {
      if (error instanceof TarError) throw new CommandError(`${file}: ${error.message}`);
      throw error;
    }
    // tootctl reports failures on its summary line and still exits with 0.
    ctx.output.out(`Imported ${imported}, skipped ${skipped}, failed to import ${failed}`);
  },
};

const purge: Command = {
  words: ["emoji", "purge"],
  maxArgs: 0,
  summary: "Remove all custom emoji",
  description: [
    "Removes all custom emoji and their files.",
    "With --remote-only, only remote emoji are removed; with --suspended-only,",
    "only those of servers suspended by a domain block.",
  ].join("\n"),
  options: {
    "remote-only": { type: "boolean", description: "only remove remote emojis" },
    "suspended-only": {
      type: "boolean",
      description: "only remove the emojis of suspended servers",
    },
  },
  async run(ctx, _args, flags) {
    const db = await ctx.db();
    const storage = createMediaStorage(ctx.config());
    await purgeCustomEmojis(db, storage, {
      remoteOnly: flags["remote-only"] === true,
      suspendedOnly: flags["suspended-only"] === true,
    });
    ctx.output.out("OK");
  },
};

export const emojiCommands: Command[] = [importCommand, exportCommand, purge];
