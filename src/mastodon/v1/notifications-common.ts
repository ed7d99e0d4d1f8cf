// What the notification and conversation routes share: the Link header built
// from the kept parameters only (Mastodon's pagination_params), and reading
// listing filters as Rails permits them.
import type { Context } from "hono";
import type { BrowseFilter } from "../../domain/notifications/browse.ts";
import type { HerdEnv } from "../../http/env.ts";
import { idsParam, scalar, truthy, urlsOf } from "./accounts-common.ts";

/**
 * Sets `Link: <...max_id=next>; rel="next", <...min_id=prev>; rel="prev"` for
 * the request's path, keeping only the query parameters in `keep` (array
 * parameters are kept with their `[]`). A null cursor leaves its link out.
 */
export function setPageLinks(
  c: Context<HerdEnv>,
  keep: readonly string[],
  cursors: { next: string | null; prev: string | null },
): void {
  const links: string[] = [];
  const build = (key: "max_id" | "min_id", value: string) => {
    const request = new URL(c.req.url);
    const url = new URL(request.pathname, urlsOf(c).base);
    for (const [k, v] of request.searchParams) {
      if (keep.includes(k.replace(/\[\]$/, ""))) url.searchParams.append(k, v);
    }
    url.searchParams.set(key, value);
    return url.toString();
  };
  if (cursors.next) links.push(`<${build("max_id", cursors.next)}>; rel="next"`);
  if (cursors.prev) links.push(`<${build("min_id", cursors.prev)}>; rel="prev"`);
  if (links.length > 0) c.header("Link", links.join(", "));
}

/** An array parameter (`types[]=a&types[]=b`, `{"types": [...]}`, or one value). */
export function listParam(value: unknown): string[] {
  return idsParam(value);
}

/** The filters of a notification listing (Notification.browserable's parameters). */
export function browseFilter(
  p: Record<string, unknown>,
  options: { accountId: boolean },
): BrowseFilter {
  const accountId = options.accountId ? scalar(p.account_id) : undefined;
  return {
    types: listParam(p.types),
    excludeTypes: listParam(p.exclude_types),
    fromAccountId: accountId === undefined || accountId === "" ? null : accountId,
    includeFiltered: truthy(p.include_filtered),
  };
}
