// GET /api/v1/instance and /api/v2/instance, rendered once and kept: every
// client asks for one when it starts, and making it (the settings, the rules
// and the contact account read through Drizzle, the description's Markdown,
// the serializer) cost 373 µs of CPU a request, and PostgreSQL 132 µs
// (bench/profile.ts instance). Mastodon keeps the rendered answer three
// minutes (render_with_cache).
//
// Kept until a row it shows changes, not for a fixed time: the site settings
// and the rules tell channel `herd_pages` of every change (migration 0154),
// as the contact account's accounts and users rows already did (0152, 0153),
// so an admin's change shows on the next request, whichever process made it
// (src/db/notified-cache.ts). The counts are the 30-second ones of
// domain/instance/stats.ts: an answer is kept with the counts it shows, and
// made again when they are taken again. A contact account named before it
// exists (no row to hear from) shows within the cache's maximum age.
import type { Database } from "../../db/database.ts";
import { notifiedCache, type NotifiedCache } from "../../db/notified-cache.ts";
import { getInstanceInfo, type InstanceInfo } from "../../domain/instance/instance-info.ts";
import { instanceStatsTakenAt, STATS_MAX_AGE_MS } from "../../domain/instance/stats.ts";
import type { Deps } from "../../deps.ts";
import type { Urls } from "../../urls.ts";
import { serializeInstance } from "./instance.ts";
import { serializeV1Instance } from "./instance-v1.ts";

export type InstanceVersion = "v1" | "v2";

/** Two versions, and an origin or two (urls.base) each, at most. */
const MAX_ENTRIES = 8;

const caches = new WeakMap<Database, NotifiedCache<string>>();

function cacheOf(database: Database): NotifiedCache<string> {
  let cache = caches.get(database);
  if (!cache) {
    cache = notifiedCache(database.pageChanges, {
      maxEntries: MAX_ENTRIES,
      maxAgeMs: STATS_MAX_AGE_MS,
    });
    caches.set(database, cache);
  }
  return cache;
}

function render(
  version: InstanceVersion,
  info: InstanceInfo,
  config: Deps["config"],
  urls: Urls,
): string {
  return JSON.stringify(
    version === "v1"
      ? serializeV1Instance(info, config, urls)
      : serializeInstance(info, config, urls),
  );
}

/** The rows an answer shows, as the notifications name them. */
function keysOf(info: InstanceInfo): string[] {
  const keys = ["settings:0", "rules:0"];
  if (info.contactAccount) keys.push(`a:${info.contactAccount.id}`);
  return keys;
}

/** The Instance entity of `version` as JSON text, from the cache when it still holds. */
export async function instanceJson(
  deps: Pick<Deps, "database" | "config">,
  version: InstanceVersion,
  urls: Urls,
): Promise<string> {
  const { database, config } = deps;
  const cache = cacheOf(database);
  const keyOf = (takenAt: number) => `${version} ${urls.base} ${takenAt}`;
  const takenAt = instanceStatsTakenAt(database.db);
  if (takenAt !== null) {
    const hit = cache.get(keyOf(takenAt));
    if (hit !== undefined) return hit;
  }
  const store = cache.begin();
  const info = await getInstanceInfo(database.db, config);
  const json = render(version, info, config, urls);
  // Under the time of the counts it shows: found while they are reused.
  store(keyOf(info.statsTakenAt), json, { keys: keysOf(info) });
  return json;
}
