// `herd media ...`: tootctl's media commands
// (https://docs.joinmastodon.org/admin/tootctl/#media): `usage` reports what
// the media storage holds, local files and cached copies of remote media
// (under cache/, CACHE_REMOTE_MEDIA) apart; `remove` deletes the cached
// copies of remote attachments older than --days (7 by default), keeping
// their rows, so that they are fetched again if someone looks at them, or
// with --prune-profiles / --remove-headers the cached avatars and headers of
// remote accounts not refreshed for that long.
import { CACHE_USAGE_FOLDERS } from "../domain/media/remote-cache-context.ts";
import { removeCachedRemoteMedia } from "../domain/media/remote-cache.ts";
import { pruneRemoteProfileImages } from "../domain/media/remote-cache-profiles.ts";
import { USAGE_FOLDERS } from "../domain/media/keys.ts";
import { humanSize } from "../domain/media/validation.ts";
import { createMediaStorage } from "../storage/index.ts";
import { CommandError, intFlag, type Command } from "./command.ts";

const usage: Command = {
  words: ["media", "usage"],
  maxArgs: 0,
  summary: "Show how much space media files take",
  description:
    "Counts the files in media storage (DATA_DIR/media, or the S3 bucket) by kind: attachments, avatars and headers of local accounts, then the cached copies of remote ones.",
  async run(ctx) {
    const storage = createMediaStorage(ctx.config());
    let total = 0;
    for (const [label, prefix] of [...USAGE_FOLDERS, ...CACHE_USAGE_FOLDERS]) {
      const { files, bytes } = await storage.usage(prefix);
      total += bytes;
      ctx.output.out(`${label}:\t${humanSize(bytes)} (${files} ${files === 1 ? "file" : "files"})`);
    }
    ctx.output.out(`Total:\t${humanSize(total)}`);
  },
};

const DAY_MS = 24 * 60 * 60 * 1000;

const remove: Command = {
  words: ["media", "remove"],
  maxArgs: 0,
  summary: "Remove locally cached copies of remote media attachments, headers or avatars",
  description:
    "Deletes the cached files of remote media attachments created more than --days ago; the attachments stay, and their files are fetched again when someone views them. " +
    "With --prune-profiles, removes instead the cached avatars and headers of remote accounts neither refreshed nor webfingered for --days (only headers with --remove-headers), " +
    "unless someone here follows them or they follow someone here (--include-follows: all of them).",
  options: {
    days: { type: "string", value: "N", description: "how old the media must be (default 7)" },
    "prune-profiles": {
      type: "boolean",
      description: "remove remote avatars and headers instead of attachments",
    },
    "remove-headers": {
      type: "boolean",
      description: "remove remote headers instead of attachments",
    },
    "include-follows": {
      type: "boolean",
      description: "with --prune-profiles or --remove-headers: also followed or following accounts",
    },
    "dry-run": { type: "boolean", description: "only count what would be removed" },
  },
  async run(ctx, _args, flags) {
    const days = intFlag(flags, "days") ?? 7;
    if (days < 0) throw new CommandError("--days must not be negative");
    const profiles = flags["prune-profiles"] === true;
    const headers = flags["remove-headers"] === true;
    const includeFollows = flags["include-follows"] === true;
    if (profiles && headers) {
      throw new CommandError(
        "--prune-profiles and --remove-headers should not be specified simultaneously",
      );
    }
    if (includeFollows && !profiles && !headers) {
      throw new CommandError(
        "--include-follows can only be used with --prune-profiles or --remove-headers",
      );
    }
    const dryRun = flags["dry-run"] === true;
    const suffix = dryRun ? " (DRY RUN)" : "";
    const db = await ctx.db();
    const storage = createMediaStorage(ctx.config());
    const before = new Date(Date.now() - days * DAY_MS);

    if (profiles || headers) {
      const pruned = await pruneRemoteProfileImages({ db, storage }, before, {
        headersOnly: headers,
        includeFollows,
        dryRun,
      });
      ctx.output.out(
        `Visited ${pruned.accounts} accounts and removed profile media totaling ${humanSize(pruned.bytes)}${suffix}`,
      );
      return;
    }
    const removed = await removeCachedRemoteMedia({ db, storage }, before, { dryRun });
    ctx.output.out(
      `Removed ${removed.count} media attachments (approx. ${humanSize(removed.bytes)})${suffix}`,
    );
  },
};

export const mediaCommands: Command[] = [usage, remove];
