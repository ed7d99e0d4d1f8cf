// Bearer tokens as last read, per process, so that an API request does not
// pay a round trip to PostgreSQL before its own statement: on the 2-core
// machine of bench/profile.ts that round trip was about a third of the CPU
// of a `GET /api/v1/statuses/:id` (Herd ~1,000 → ~550 µs, PostgreSQL
// ~830 → ~640 µs per request; 740–850 → 1,170–1,190 requests a second).
//
// Never stale for this process's own writes, stale for milliseconds for
// other processes' (db/notified-cache.ts): the database tells of every
// change to a token, its application, its user or the user's account
// (migration 0151's triggers,
// whatever code or process wrote it) on `herd_auth`, which every connection
// of the pool listens to (db/pool-notifications.ts), and a connection hears
// its own notifications before its write returns. An entry is dropped on
// each notification naming one of its rows, and trusted for MAX_AGE_MS at
// most. While no connection listens (the pool emptied, or one of its
// connections could not LISTEN) nothing is kept, and nothing read before a
// notification naming one of its rows is stored after it. A change written through
// another pool (the CLI, a second web process, a job queue's own pool)
// therefore takes effect here when its notification arrives, milliseconds
// later, where Mastodon (which reads the token on each request) has no such
// delay; the streaming API's check of open streams (streaming/token-watch.ts)
// reads the database. A proxy that pools transactions (PgBouncer's
// transaction mode) breaks LISTEN and is not supported, as for the job
// queue and the pub/sub that LISTEN too.
import { notifiedCache, type NotifiedCache } from "../../db/notified-cache.ts";
import type { PoolNotifications } from "../../db/pool-notifications.ts";
import type { Authenticated } from "./authenticate.ts";

/** A token as read, and when this process last recorded its use. */
export interface CachedToken {
  auth: Authenticated;
  touchedAt: number;
}

export interface TokenCache {
  get(digest: string): CachedToken | undefined;
  /**
   * Call before reading a token from the database; the function it returns
   * keeps what was read, unless one of its rows changed meanwhile.
   */
  begin(): (digest: string, entry: CachedToken) => void;
}

/** Entries kept at most: least recently used first out. */
const MAX_ENTRIES = 10_000;

/**
 * How long an entry is trusted at most: a backstop for a notification
 * missed in a way the pool cannot see (a connection dead but not yet
 * removed, triggers switched off by hand), not the means of freshness.
 */
const MAX_AGE_MS = 30_000;

/** The keys a cached token is forgotten by: `kind:id` as the triggers name rows. */
function keysOf(auth: Authenticated): string[] {
  const keys = [`t:${auth.token.id}`];
  if (auth.application) keys.push(`app:${auth.application.id}`);
  if (auth.user) keys.push(`u:${auth.user.id}`);
  if (auth.account) keys.push(`a:${auth.account.id}`);
  return keys;
}

function createTokenCache(cache: NotifiedCache<CachedToken>): TokenCache {
  return {
    get: (digest) => cache.get(digest),
    begin() {
      const store = cache.begin();
      return (digest, entry) => void store(digest, entry, { keys: keysOf(entry.auth) });
    },
  };
}

const caches = new WeakMap<PoolNotifications, TokenCache>();

/** The token cache of a database (one per pool, made the first time it is asked for). */
export function tokenCacheOf(database: { authChanges: PoolNotifications }): TokenCache {
  let cache = caches.get(database.authChanges);
  if (!cache) {
    cache = createTokenCache(
      notifiedCache(database.authChanges, { maxEntries: MAX_ENTRIES, maxAgeMs: MAX_AGE_MS }),
    );
    caches.set(database.authChanges, cache);
  }
  return cache;
}
