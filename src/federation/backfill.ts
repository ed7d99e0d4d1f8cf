// Backfill (issue P3: "remote accounts' recent posts are fetched from their
// outbox when first seen"): when Herd first stores a remote account, a job
// fetches its pinned posts (its `featured` collection, as Mastodon's
// ActivityPub::FetchFeaturedCollectionService does on discovery) and the
// newest posts and boosts of its outbox (Mastodon reads no outbox; the issue
// asks for it), so that its profile is not empty when a user opens it:
// - both collections must be on the account's origin, and every item its
//   own: Fedify refuses embedded objects of another origin (it fetches them
//   by id), and the Create's actor, the post's origin and attribution
//   (remote-note.ts's postRefusal) and the Announce's actor and id are
//   checked again;
// - public and unlisted posts only (an outbox shows nothing else to the
//   instance actor, who signs the fetches), at most MAX_OUTBOX_ITEMS items
//   from at most MAX_OUTBOX_PAGES pages, and MAX_PINNED pins;
// - stored through the same functions as delivered posts (remote-note.ts,
//   createRemoteReblog), a reply with the post it answers but no further up
//   its thread;
// - what Herd was told of when it happened is left out, so that no one is
//   notified again, late: posts mentioning a local account, boosts of local
//   posts;
// - accounts first stored by a backfill (mentioned, boosted, replied to) are
//   not backfilled in turn: discovering an account never becomes a crawl;
// - the account's statuses_count is read again afterwards (each post stored
//   counted one more).
// Another server's failures end the backfill quietly (logged); it runs once.
import type { Federation } from "@fedify/fedify";
import {
  Announce,
  Collection,
  Create,
  Link,
  Mention,
  type CollectionPage,
  type Object as APObject,
} from "@fedify/vocab";
import type { AccountRow } from "../db/schema/index.ts";
import { loadAccounts } from "../domain/accounts/read.ts";
import {
  createRemoteReblog,
  pinRemoteStatus,
} from "../domain/statuses/interactions/remote-interactions.ts";
import { findStatusByUri } from "../domain/statuses/remote-statuses.ts";
import type { JobHandler } from "../jobs/queue.ts";
import type { FederationEnv } from "./env.ts";
import { localAccountOfUri, resolveActor } from "./remote-actor.ts";
import {
  isNoteLike,
  MAX_REPLY_DEPTH,
  resolveStatus,
  storeNote,
  visibilityFromAudience,
  type NoteLike,
} from "./remote-note.ts";
import { fetchObject, httpHref, sameOrigin, type FetchContext } from "./remote-object.ts";

/** The job that backfills one account: `{ accountId }`. */
export const BACKFILL_JOB = "federation.backfill";

/** Outbox items (posts and boosts) looked at, newest first. */
export const MAX_OUTBOX_ITEMS = 20;
/** Outbox pages read to find them. */
export const MAX_OUTBOX_PAGES = 3;
/** Pinned posts read from the featured collection. */
export const MAX_PINNED = 20;
/** How far up its thread a backfilled reply is followed: the post it answers only. */
const REPLY_DEPTH = MAX_REPLY_DEPTH - 1;

interface BackfillJob {
  accountId: string;
}

/** The fetch context of a backfill: accounts it stores are not backfilled in turn. */
interface BackfillContext extends FetchContext {
  readonly backfill: true;
}

const isBackfill = (fc: FetchContext) => (fc as Partial<BackfillContext>).backfill === true;

/**
 * Asks for the backfill of `account`, just stored for the first time with
 * `fc` (remote-actor.ts): a job, unless `fc` is a backfill's own. Never
 * throws: an account is stored whether or not its posts can be had.
 */
export async function requestBackfill(fc: FetchContext, account: AccountRow): Promise<void> {
  if (isBackfill(fc) || account.domain === null || account.suspendedAt) return;
  try {
    await fc.env.jobs.send(BACKFILL_JOB, { accountId: account.id } satisfies BackfillJob);
  } catch (err) {
    fc.env.logger.warn("backfill not queued", { account: account.uri, err });
  }
}

/** Runs BACKFILL_JOB, fetching as the instance actor (servers in authorized-fetch mode require a signature). */
export function backfillJobHandler(env: FederationEnv, federation: Federation<void>): JobHandler {
  return async (data) => {
    const { accountId } = data as BackfillJob;
    const [account] = await loadAccounts(env.db, [accountId]);
    if (!account?.uri || account.domain === null || account.suspendedAt) return;
    const ctx = federation.createContext(new URL(env.urls.base), undefined);
    const fc: BackfillContext = {
      env,
      documentLoader: await ctx.getDocumentLoader({ identifier: env.instanceIdentifier }),
      contextLoader: ctx.contextLoader,
      backfill: true,
    };
    await backfillAccount(fc, account as AccountRow & { uri: string });
  };
}

type Author = AccountRow & { uri: string };

const loaders = (fc: FetchContext) => ({
  documentLoader: fc.documentLoader,
  contextLoader: fc.contextLoader,
  suppressError: true,
});

/** Stores `account`'s pinned and newest posts; how many statuses it stored. */
export async function backfillAccount(fc: FetchContext, account: Author): Promise<number> {
  let stored = 0;
  for (const note of await items(fc, account, account.featuredUrl, MAX_PINNED, 1)) {
    stored += await attempt(fc, account, async () => {
      if (!isNoteLike(note)) return false;
      const known = await findStatusByUri(fc.env.db, note.id?.href ?? "");
      if (!known && (await mentionsLocal(fc, note))) return false;
      const status = known ?? (await storeNote(fc, note, account, { depth: REPLY_DEPTH }));
      if (!status) return false;
      await pinRemoteStatus(fc.env.db, account.id, status.id);
      return !known;
    });
  }
  const outbox = await items(fc, account, account.outboxUrl, MAX_OUTBOX_ITEMS, MAX_OUTBOX_PAGES);
  for (const item of outbox) {
    stored += await attempt(fc, account, async () => {
      if (item instanceof Create) return storeCreate(fc, account, item);
      if (item instanceof Announce) return storeAnnounce(fc, account, item);
      return false;
    });
  }
  // Stored posts were counted on top of the count the actor gave: read it again.
  if (stored > 0) await resolveActor(fc, account.uri, { refresh: true });
  return stored;
}

/** Runs one item's storing; 1 when it stored something. Errors are logged, never thrown. */
async function attempt(
  fc: FetchContext,
  account: Author,
  work: () => Promise<boolean>,
): Promise<number> {
  try {
    return (await work()) ? 1 : 0;
  } catch (err) {
    fc.env.logger.warn("backfill item not stored", { account: account.uri, err });
    return 0;
  }
}

/**
 * The first `max` items of collection `url` (its own items, else those of
 * its pages, at most `maxPages`); [] when it is missing, unreadable, or not
 * on the account's origin.
 */
async function items(
  fc: FetchContext,
  account: Author,
  url: string | null,
  max: number,
  maxPages: number,
): Promise<APObject[]> {
  if (!url || !sameOrigin(url, account.uri)) return [];
  const found: APObject[] = [];
  const take = async (from: Collection) => {
    for await (const item of from.getItems(loaders(fc))) {
      if (found.length >= max) return;
      if (!(item instanceof Link)) found.push(item);
    }
  };
  try {
    const collection = await fetchObject(fc, url);
    if (!(collection instanceof Collection) || !sameOrigin(collection.id!, account.uri)) return [];
    await take(collection);
    let page: CollectionPage | null =
      found.length > 0 ? null : await collection.getFirst(loaders(fc));
    for (let n = 1; page?.id && sameOrigin(page.id, account.uri); n++) {
      await take(page);
      if (found.length >= max || n >= maxPages) break;
      page = await page.getNext(loaders(fc));
    }
  } catch (err) {
    fc.env.logger.info("backfill collection not read", { url, err });
  }
  return found;
}

/** Whether a post names a local account (it was delivered here when it was made). */
async function mentionsLocal(fc: FetchContext, note: NoteLike): Promise<boolean> {
  for await (const tag of note.getTags(loaders(fc))) {
    if (!(tag instanceof Mention)) continue;
    const href = httpHref(tag.href);
    if (href && (await localAccountOfUri(fc, href))) return true;
  }
  return false;
}

const hrefs = (urls: readonly URL[]) => urls.map((u) => u.href);

const isPublic = (to: readonly URL[], cc: readonly URL[], account: Author) => {
  const visibility = visibilityFromAudience(hrefs(to), hrefs(cc), account.followersUrl);
  return visibility === "public" || visibility === "unlisted";
};

async function storeCreate(fc: FetchContext, account: Author, create: Create): Promise<boolean> {
  if (create.actorId?.href !== account.uri) return false;
  const note = await create.getObject(loaders(fc));
  if (!isNoteLike(note) || !isPublic(note.toIds, note.ccIds, account)) return false;
  if (await findStatusByUri(fc.env.db, note.id?.href ?? "")) return false;
  if (await mentionsLocal(fc, note)) return false;
  return (await storeNote(fc, note, account, { depth: REPLY_DEPTH })) !== null;
}

async function storeAnnounce(
  fc: FetchContext,
  account: Author,
  announce: Announce,
): Promise<boolean> {
  const uri = httpHref(announce.id);
  const objectUri = httpHref(announce.objectId);
  if (!uri || !objectUri || !sameOrigin(uri, account.uri)) return false;
  if (announce.actorId?.href !== account.uri) return false;
  if (!isPublic(announce.toIds, announce.ccIds, account)) return false;
  if (objectUri.startsWith(`${fc.env.urls.base}/`)) return false;
  if (await findStatusByUri(fc.env.db, uri)) return false;
  const original = await resolveStatus(fc, objectUri, REPLY_DEPTH);
  if (!original || original.local || original.reblogOfId !== null) return false;
  const boost = await createRemoteReblog(
    fc.env.db,
    {
      accountId: account.id,
      statusId: original.id,
      uri,
      visibility: visibilityFromAudience(
        hrefs(announce.toIds),
        hrefs(announce.ccIds),
        account.followersUrl,
      ),
      createdAt: announce.published ? new Date(announce.published.epochMilliseconds) : new Date(),
    },
    fc.env.jobs,
  );
  return boost !== null;
}
