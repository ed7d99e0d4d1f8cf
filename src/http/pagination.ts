// Mastodon's pagination (https://docs.joinmastodon.org/api/guidelines/#pagination):
// `max_id` (older than), `since_id` (newer than, newest first), `min_id`
// (newer than, oldest first, for reading forward), `limit`, and a `Link`
// header with `next` (older) and `prev` (newer) pages.
import { isId } from "../lib/ids.ts";

export interface PageQuery {
  maxId: string | null;
  sinceId: string | null;
  minId: string | null;
  limit: number;
}

/** Reads pagination parameters; ids that are not ids are ignored as Mastodon does. */
export function pageQuery(
  params: Record<string, unknown>,
  defaultLimit = 20,
  maxLimit = 40,
): PageQuery {
  const id = (v: unknown) =>
    typeof v === "string" && isId(v)
      ? v
      : typeof v === "number" && Number.isSafeInteger(v) && v >= 0
        ? String(v)
        : null;
  const raw = params.limit;
  let limit = defaultLimit;
  const n =
    typeof raw === "number"
      ? raw
      : typeof raw === "string" && /^-?\d+$/.test(raw)
        ? Number(raw)
        : NaN;
  // Mastodon clamps: a limit below 1 or unreadable means the default, above the cap the cap.
  if (Number.isInteger(n) && n > 0) limit = Math.min(n, maxLimit);
  return {
    maxId: id(params.max_id),
    sinceId: id(params.since_id),
    minId: id(params.min_id),
    limit,
  };
}

/**
 * The Link header for a page whose items run newest first. `ids` are the
 * ids used as cursors (the first and last item of the page); `baseUrl` the
 * request URL, whose other query parameters are kept. `options.next: false`
 * leaves out the `next` link, as Mastodon does when a page came back shorter
 * than its limit (records_continue?).
 */
export function linkHeader(
  baseUrl: string,
  ids: { newest: string; oldest: string } | null,
  options: { next?: boolean } = {},
): string | null {
  if (!ids) return null;
  const make = (key: "max_id" | "min_id", value: string) => {
    const url = new URL(baseUrl);
    for (const k of ["max_id", "min_id", "since_id"]) url.searchParams.delete(k);
    url.searchParams.set(key, value);
    return url.toString();
  };
  const prev = `<${make("min_id", ids.newest)}>; rel="prev"`;
  if (options.next === false) return prev;
  return `<${make("max_id", ids.oldest)}>; rel="next", ${prev}`;
}
