// Rendered pages of statuses (the home timeline, one status) kept per
// viewer, per process, and forgotten when the database says anything they
// show or anything deciding who may see it changed (channel `herd_pages`,
// migration 0152; db/notified-cache.ts for the guarantees). On the 2-core
// machine of bench/social.ts the page statement alone (visibility rules,
// versions and flags of 40 statuses) cost PostgreSQL 1-1.7 ms of CPU a
// request and held the home timeline at about a fifth of what a bare Hono
// app serving the same bytes does: a client that reads the same page again
// (another device, a refresh, a polling app) now costs no round trip.
//
// What a page depends on, as migration 0152 names it:
// - `v:viewer`: the viewer's feed, follows, blocks both ways, mutes, domain
//   blocks, mentions of them, favourites, bookmarks, pins, boosts, muted
//   conversations and poll votes (their flags and what they may see);
// - `s:id` for each status shown and each original of a boost shown;
// - `a:id` for each author shown (its accounts and users rows, and those of
//   the account it moved to: migration 0153 for the users row).
// A status not shown (hidden from the viewer) becomes visible only through
// a change of a `v:` row, an account's unsuspension or the clock; the
// first two notify, and the page is kept no longer than its first poll
// closes (by this process's clock, which decides `expired`) or the viewer's
// first mute ends (by PostgreSQL's).
// Only pages that show something are kept: "not found" depends on rows the
// page does not name.
import type { Database } from "../../db/database.ts";
import type { Deps } from "../../deps.ts";
import { notifiedCache, type NotifiedCache } from "../../db/notified-cache.ts";
import type { Urls } from "../../urls.ts";
import { renderPageJson, type RenderedStatuses } from "./status-json.ts";
import type { IdsStatement } from "./status-versions.ts";

/**
 * How long a page is trusted at most: a backstop for a notification missed
 * in a way the pool cannot see, not the means of freshness.
 */
const MAX_AGE_MS = 10_000;

/** Pages kept at most, whatever their size. */
const MAX_ENTRIES = 20_000;

interface PageCache {
  pages: NotifiedCache<RenderedStatuses>;
  /**
   * Renders under way, by key: a request that misses while one runs waits
   * for it instead of rendering the same page again (when an entry ends,
   * 50 concurrent readers of one page would otherwise all render it, the
   * p99 of bench/social.ts). It takes the result only if the cache kept it,
   * i.e. no notification naming its rows came after that render began,
   * and so after any write this request could have seen; otherwise it
   * renders its own.
   */
  inFlight: Map<string, Promise<RenderedStatuses | null>>;
}

const caches = new WeakMap<Database, PageCache | null>();

function cacheOf(database: Database, megabytes: number): PageCache | null {
  let cache = caches.get(database);
  if (cache === undefined) {
    cache =
      megabytes > 0
        ? {
            pages: notifiedCache(database.pageChanges, {
              maxEntries: MAX_ENTRIES,
              maxSize: megabytes * 1024 * 1024,
              maxAgeMs: MAX_AGE_MS,
            }),
            inFlight: new Map(),
          }
        : null;
    caches.set(database, cache);
  }
  return cache;
}

type Arrange = { key: string; ids: (ids: string[]) => string[] };

/**
 * renderPageJson through the cache of `deps.database` (PAGE_CACHE_MB
 * megabytes; 0: none). `arrange.key` names what decides the page besides `statement`,
 * `values` and the viewer (the arrangement of its ids).
 */
export async function cachedPageJson(
  deps: Pick<Deps, "database" | "config">,
  statement: IdsStatement,
  values: Record<string, unknown>,
  viewerAccountId: string | null,
  urls: Urls,
  arrange: Arrange = { key: "", ids: (ids) => ids },
): Promise<RenderedStatuses> {
  const { database } = deps;
  const cache = cacheOf(database, deps.config.pageCacheMb);
  const render = () =>
    renderPageJson(database.db, statement, values, viewerAccountId, urls, arrange.ids);
  if (cache === null) return render();
  const key = `${urls.base} ${statement.name} ${viewerAccountId ?? "-"} ${arrange.key} ${JSON.stringify(values)}`;
  const hit = cache.pages.get(key);
  if (hit) return hit;
  const running = cache.inFlight.get(key);
  if (running) {
    const shared = await running;
    if (shared) return shared;
    return render();
  }
  const store = cache.pages.begin();
  const work = render().then((page) => {
    const rendered: RenderedStatuses = { json: page.json, ids: page.ids };
    if (page.ids.length === 0) return { rendered, kept: false };
    // Kept in a buffer of its own size: a small Buffer is a slice of a
    // shared 8-64 KB block, which a cached slice would keep alive whole.
    const json = Buffer.allocUnsafeSlow(page.json.length);
    page.json.copy(json);
    const own: RenderedStatuses = { json, ids: page.ids };
    const keys: string[] = [];
    if (viewerAccountId !== null) keys.push(`v:${viewerAccountId}`);
    for (const id of page.versions.statuses.keys()) keys.push(`s:${id}`);
    for (const id of page.versions.accounts.keys()) keys.push(`a:${id}`);
    // Polls close by this process's clock (the one their `expired` was
    // decided by); mutes end by PostgreSQL's, a clock skew of milliseconds
    // away.
    const { until: muteEnds } = page.versions;
    const ends = [page.pollsUntil, muteEnds].filter((t) => t !== null);
    const kept = store(key, own, {
      keys,
      // The bytes, and about what the cache's indexes spend per key.
      size: json.length + 160 * keys.length + 2 * key.length + 16 * page.ids.length,
      until: ends.length === 0 ? undefined : performance.now() + (Math.min(...ends) - Date.now()),
    });
    return { rendered: kept ? own : rendered, kept };
  });
  const shared = work.then(
    (r) => (r.kept ? r.rendered : null),
    () => null,
  );
  cache.inFlight.set(key, shared);
  try {
    return (await work).rendered;
  } finally {
    if (cache.inFlight.get(key) === shared) cache.inFlight.delete(key);
  }
}
