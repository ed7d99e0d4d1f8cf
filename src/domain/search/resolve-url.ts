// What a URL searched for with `resolve` names, as Mastodon's ResolveURLService:
// - a URL of this server: the status of `/@user/:id` or
//   `/users/:user/statuses/:id`, the account of `/@user`, `/@user@domain` or
//   `/users/:user`;
// - another server's URL: a status or account Herd already knows by that URI
//   (process_url_from_db), guessing the URI of a `/@user/:id` status URL;
//   else, given a Resolver (federation, through the composition root), the
//   status or actor fetched from that server and stored.
// A status is returned only when the viewer may see it (statusVisibleTo and
// notHiddenBy), an account only when it is shown to others.
import { and, eq, inArray, isNull } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { accounts, statuses } from "../../db/schema/index.ts";
import { isId } from "../../lib/ids.ts";
import { loadAccount, lookupAccount, type AccountWithUser } from "../accounts/read.ts";
import type { Resolver } from "../federation-port.ts";
import { permittedStatusIds } from "../statuses/read.ts";

export type UrlResource =
  { type: "accounts"; account: AccountWithUser } | { type: "statuses"; statusId: string };

const segment = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

async function visibleStatus(db: Db, id: string, viewerId: string): Promise<UrlResource | null> {
  if (!isId(id)) return null;
  const [visible] = await permittedStatusIds(db, [id], viewerId);
  return visible ? { type: "statuses", statusId: visible } : null;
}

async function localResource(
  db: Db,
  path: string,
  viewerId: string,
  localDomains: readonly string[],
): Promise<UrlResource | null> {
  const status =
    /^\/users\/[^/]+\/statuses\/(\d+)\/?$/.exec(path) ?? /^\/@[^/]+\/(\d+)\/?$/.exec(path);
  if (status) return visibleStatus(db, status[1]!, viewerId);
  const account =
    /^\/users\/([^/@]+)\/?$/.exec(path) ??
    /^\/@([^/]+?)(?:\/(?:with_replies|media|tagged\/[^/]+))?\/?$/.exec(path);
  if (!account) return null;
  const found = await lookupAccount(db, segment(account[1]!), localDomains);
  return found ? { type: "accounts", account: found } : null;
}

async function knownResource(db: Db, url: URL, viewerId: string): Promise<UrlResource | null> {
  const href = url.toString();
  const [byUri] = await db
    .select({ id: accounts.id })
    .from(accounts)
    .where(eq(accounts.uri, href))
    .limit(1);
  if (byUri) {
    const account = await loadAccount(db, byUri.id, { visibleOnly: true });
    if (account) return { type: "accounts", account };
  }
  const uris = [href];
  const guessed = /^\/@([^/]+)\/(\d+)$/.exec(url.pathname);
  if (guessed) uris.push(`${url.origin}/users/${guessed[1]}/statuses/${guessed[2]}`);
  const [status] = await db
    .select({ id: statuses.id })
    .from(statuses)
    .where(and(inArray(statuses.uri, uris), isNull(statuses.deletedAt)))
    .limit(1);
  return status ? visibleStatus(db, status.id, viewerId) : null;
}

/** What the Resolver fetched for `url`, if the viewer may see it. */
async function fetchedResource(
  db: Db,
  resolver: Resolver,
  url: URL,
  viewerId: string,
): Promise<UrlResource | null> {
  const found = await resolver.resolveUrl(url.toString());
  if (!found) return null;
  if (found.type === "statuses") return visibleStatus(db, found.id, viewerId);
  const account = await loadAccount(db, found.id, { visibleOnly: true });
  return account ? { type: "accounts", account } : null;
}

/** The status or account `q` (an http(s) URL) names, or null. */
export async function resolveUrl(
  db: Db,
  q: string,
  viewerId: string,
  localDomains: readonly string[],
  resolver: Resolver | null = null,
): Promise<UrlResource | null> {
  let url: URL;
  try {
    url = new URL(q);
  } catch {
    return null;
  }
  const local = localDomains.some((d) => d.toLowerCase() === url.host.toLowerCase());
  if (local) return localResource(db, url.pathname, viewerId, localDomains);
  return (
    (await knownResource(db, url, viewerId)) ??
    (resolver ? fetchedResource(db, resolver, url, viewerId) : null)
  );
}
