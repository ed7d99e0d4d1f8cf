// Removing custom emojis, as `tootctl emoji purge`
// (lib/mastodon/cli/emoji.rb): all of them, only remote ones, or only those
// of servers suspended by a domain block (and their subdomains). Rows go
// first, in batches, then the files they named.
import { inArray, isNotNull, sql, type SQL } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { customEmojis } from "../../db/schema/index.ts";
import type { MediaStorage } from "../../storage/storage.ts";
import { storedEmojiFiles } from "./import.ts";

const BATCH = 1000;

export interface PurgeOptions {
  remoteOnly?: boolean;
  suspendedOnly?: boolean;
}

/** Deletes the emojis `options` name and their files; returns how many. */
export async function purgeCustomEmojis(
  db: Db,
  storage: MediaStorage,
  options: PurgeOptions = {},
): Promise<number> {
  const where: SQL | undefined = options.suspendedOnly
    ? sql`EXISTS (SELECT 1 FROM domain_blocks b WHERE b.severity = 'suspend'
        AND (${customEmojis.domain} = b.domain OR ${customEmojis.domain} LIKE '%.' || b.domain))`
    : options.remoteOnly
      ? isNotNull(customEmojis.domain)
      : undefined;
  let total = 0;
  for (;;) {
    const rows = await db
      .select({
        id: customEmojis.id,
        imageUrl: customEmojis.imageUrl,
        staticImageUrl: customEmojis.staticImageUrl,
      })
      .from(customEmojis)
      .where(where)
      .limit(BATCH);
    if (rows.length === 0) return total;
    await db.delete(customEmojis).where(
      inArray(
        customEmojis.id,
        rows.map((r) => r.id),
      ),
    );
    await storage.delete(rows.flatMap(storedEmojiFiles));
    total += rows.length;
  }
}
