// The cache of rendered statuses: for each status, the JSON text of what
// every viewer sees of it (status.ts statusBase), and for each author the
// JSON text of their Account entity, each kept with the version it was
// rendered from (status-versions.ts). Mastodon keeps rendered statuses in
// its Rails cache for the same reason: a timeline page is mostly the same
// statuses rendered again (Status.cache_ids, cache_collection).
//
// It lives in the process (one per database handle and set of URLs), holds
// nothing a viewer may not see (the viewer's flags, votes and the rules of
// who sees what are applied on each request), and is never trusted without
// the version read in the same request: a status changed through another
// process is rendered again. Bounded by entry count, least recently used
// first out.
import type { Db } from "../../db/database.ts";
import { Lru } from "../../lib/lru.ts";
import type { Urls } from "../../urls.ts";
import type { CustomEmoji } from "./custom-emoji.ts";
import type { LoadedPoll } from "./status-loader.ts";

export interface CachedStatus {
  version: string;
  epoch: string;
  /** `{` and the JSON members of statusBase and `content` (no closing brace), as UTF-8. */
  head: Buffer;
  accountId: string;
  reblogOfId: string | null;
  conversationId: string | null;
  /** Whether its author may see `pinned` on it (status.ts showsPinned, less the viewer). */
  pinnable: boolean;
  /** JSON of `application` (null when the status has none), as UTF-8. */
  application: Buffer;
  poll: LoadedPoll | null;
  pollEmojis: CustomEmoji[];
}

export interface CachedAccount {
  version: string;
  epoch: string;
  /** JSON of the Account entity, as UTF-8. */
  json: Buffer;
  /** The author's user shows the application of their statuses. */
  showApplication: boolean;
}

export interface StatusCache {
  statuses: Lru<CachedStatus>;
  accounts: Lru<CachedAccount>;
}

/**
 * About 2 KB per status and 1 KB per account as the benchmark's statuses
 * render: 5,000 statuses hold the first pages of a few hundred home feeds in
 * about 10 MiB.
 */
const STATUS_ENTRIES = 5000;
const ACCOUNT_ENTRIES = 2000;

const caches = new WeakMap<Db, Map<string, StatusCache>>();

/** The cache of `db` for statuses rendered with `urls`, made on first use. */
export function statusCacheFor(db: Db, urls: Urls): StatusCache {
  let byUrls = caches.get(db);
  if (!byUrls) {
    byUrls = new Map();
    caches.set(db, byUrls);
  }
  // Urls objects are made per request (urlsFor): what tells them apart is
  // the addresses they make.
  const key = `${urls.base} ${urls.file("k")} ${urls.streaming}`;
  let cache = byUrls.get(key);
  if (!cache) {
    cache = { statuses: new Lru(STATUS_ENTRIES), accounts: new Lru(ACCOUNT_ENTRIES) };
    byUrls.set(key, cache);
  }
  return cache;
}
