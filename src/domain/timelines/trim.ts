// Keeping feeds to Mastodon's length (FeedManager::MAX_ITEMS): a home or list
// feed reaches back this many entries. Trimming runs as a periodic job rather
// than on every insert, which would cost the fan-out one extra index scan per
// receiver (see ARCHITECTURE.md, "Home feeds").
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";

export const MAX_ITEMS = 800;

export interface TrimResult {
  home: number;
  lists: number;
}

/**
 * The cut-off of every feed longer than `maxItems` (its newest entry past
 * the limit), computed once per feed: materialised, so that the planner
 * does not compute it again for every entry it deletes.
 */
function overLong(table: "home_feed_entries" | "list_feed_entries", maxItems: number) {
  const t = sql.raw(table);
  const col = sql.raw(table === "home_feed_entries" ? "account_id" : "list_id");
  const owners =
    table === "home_feed_entries"
      ? sql`SELECT id FROM accounts WHERE domain IS NULL`
      : sql`SELECT id FROM lists`;
  return sql`WITH cutoffs AS MATERIALIZED (
      SELECT o.id AS owner, (SELECT x.status_id FROM ${t} x WHERE x.${col} = o.id
                             ORDER BY x.status_id DESC OFFSET ${maxItems} LIMIT 1) AS cutoff
      FROM (${owners}) o)
    DELETE FROM ${t} e USING cutoffs c
    WHERE c.cutoff IS NOT NULL AND e.${col} = c.owner AND e.status_id <= c.cutoff`;
}

/** Deletes the entries past the MAX_ITEMS newest of every home and list feed. */
export async function trimFeeds(db: DbOrTx, maxItems = MAX_ITEMS): Promise<TrimResult> {
  const home = await db.execute(overLong("home_feed_entries", maxItems));
  const lists = await db.execute(overLong("list_feed_entries", maxItems));
  return { home: home.rowCount ?? 0, lists: lists.rowCount ?? 0 };
}
