// Remote actors as Herd accounts, as Mastodon's ResolveAccountService,
// ActivityPub::FetchRemoteAccountService and ProcessAccountService:
// - by URI: the stored account while it is fresh (a day), else its actor
//   document fetched again (the stored one kept when that fails);
// - by `user@domain`: WebFinger, then the `self` actor;
// - a new actor's `user@domain` is confirmed by WebFinger (the domain may be
//   another than its URI's host, LOCAL_DOMAIN ≠ WEB_DOMAIN); unconfirmed, it
//   is its URI's host;
// - mapped to plain data for src/domain/accounts/remote-accounts.ts, which
//   sanitises and stores it: profile, images (remote URLs as they are),
//   flags, endpoints and collections, the RSA key, alsoKnownAs, movedTo
//   (resolved one level deep), counts of its collections' totalItems,
//   `published`, the custom emojis of its `tag` (as a post's);
// - an account stored for the first time has its pinned and newest posts
//   fetched by a job (backfill.ts).
// https://docs.joinmastodon.org/spec/activitypub/#as
import { KeyObject } from "node:crypto";
import {
  getTypeId,
  isActor,
  PropertyValue,
  type Actor,
  type Collection,
  type Image,
} from "@fedify/vocab";
import {
  findRemoteAccountByHandle,
  findRemoteAccountByUri,
  isStale,
  upsertRemoteAccount,
  type RemoteAccountData,
} from "../domain/accounts/remote-accounts.ts";
import type { AccountRow } from "../db/schema/index.ts";
import { requestBackfill } from "./backfill.ts";
import { findLocalAccount } from "./local-actor.ts";
import { fetchObject, httpHref, preferredHref, text, type FetchContext } from "./remote-object.ts";
import { emojisOf } from "./remote-note-parts.ts";
import { lookupWebFinger, type WebFingerResult } from "./remote-webfinger.ts";

/** Usernames another server may give: no spaces, slashes or `@`, at most 255 characters. */
const USERNAME = /^[^\s@/?#:]{1,255}$/u;

const BOT_TYPES = new Set(["Service", "Application"]);

const hostOf = (uri: string) => new URL(uri).host.toLowerCase();

/** The account of actor `uri` if it is one of this server's (its /users/:username URI). */
export async function localAccountOfUri(fc: FetchContext, uri: string): Promise<AccountRow | null> {
  const base = fc.env.urls.base;
  if (!uri.startsWith(`${base}/`)) return null;
  const match = /^\/(?:users\/|@)([^/?#]+)$/.exec(uri.slice(base.length));
  if (!match) return null;
  let username: string;
  try {
    username = decodeURIComponent(match[1]!);
  } catch {
    return null; // a malformed escape (`%zz`) names no one
  }
  return findLocalAccount(fc.env, username);
}

/** The account (local or stored remote) of actor `uri`, without fetching anything. */
export async function knownAccountOfUri(fc: FetchContext, uri: string): Promise<AccountRow | null> {
  return (await localAccountOfUri(fc, uri)) ?? (await findRemoteAccountByUri(fc.env.db, uri));
}

async function imageHref(get: () => Promise<Image | null>): Promise<string | null> {
  try {
    const image = await get();
    return image ? preferredHref(image.urls, "image") : null;
  } catch {
    return null;
  }
}

async function total(get: () => Promise<Collection | null>): Promise<number | null> {
  try {
    return (await get())?.totalItems ?? null;
  } catch {
    return null;
  }
}

async function publicKeyOf(fc: FetchContext, actor: Actor) {
  try {
    const key = await actor.getPublicKey({ ...loaders(fc), suppressError: true });
    if (!key?.publicKey || !key.id) return { pem: null, id: null };
    const pem = KeyObject.from(key.publicKey).export({ type: "spki", format: "pem" }).toString();
    return { pem, id: key.id.href };
  } catch {
    return { pem: null, id: null };
  }
}

const loaders = (fc: FetchContext) => ({
  documentLoader: fc.documentLoader,
  contextLoader: fc.contextLoader,
});

/** `user@domain` of a new actor, confirmed by WebFinger where it can be (ProcessAccountService#check_webfinger!). */
async function confirmedHandle(
  fc: FetchContext,
  uri: string,
  username: string,
  given: WebFingerResult | undefined,
): Promise<{ username: string; domain: string; webfingered: boolean }> {
  if (given && given.actorUri === uri) {
    return { username: given.username, domain: given.domain, webfingered: true };
  }
  const host = hostOf(uri);
  const policy = fc.env.fetchPolicy;
  const first = await lookupWebFinger(policy, username, host);
  if (first?.actorUri === uri) {
    if (first.domain === host) return { username: first.username, domain: host, webfingered: true };
    const again = await lookupWebFinger(policy, first.username, first.domain);
    if (again?.actorUri === uri) {
      return { username: again.username, domain: again.domain, webfingered: true };
    }
  }
  return { username, domain: host, webfingered: false };
}

/** The stored (or fetched, one level deep) account an actor says it moved to. */
async function movedTo(fc: FetchContext, actor: Actor, depth: number): Promise<string | null> {
  const uri = httpHref(actor.successorId);
  if (!uri || uri === actor.id?.href) return null;
  const known = await knownAccountOfUri(fc, uri);
  if (known) return known.id;
  if (depth > 0) return null;
  return (await resolveActor(fc, uri, { depth: depth + 1 }))?.id ?? null;
}

interface StoreOptions {
  webfinger?: WebFingerResult;
  depth?: number;
}

/** Maps a fetched (or delivered) actor to account data and stores it; null when it is not usable. */
export async function storeActor(
  fc: FetchContext,
  actor: Actor,
  known: AccountRow | null,
  options: StoreOptions = {},
): Promise<AccountRow | null> {
  const uri = httpHref(actor.id);
  const inboxUrl = httpHref(actor.inboxId);
  const preferred = text(actor.preferredUsername).trim();
  if (!uri || !inboxUrl || !USERNAME.test(preferred)) return null;
  if (known && known.uri !== uri) return null;
  const handle =
    known && known.lastWebfingerAt && !isStale({ fetchedAt: known.lastWebfingerAt })
      ? { username: known.username, domain: known.domain!, webfingered: false }
      : await confirmedHandle(fc, uri, preferred, options.webfinger);
  const type = getTypeId(actor).href.replace(/^.*[#/]/, "");
  const [avatarUrl, headerUrl, key, followersCount, followingCount, statusesCount] =
    await Promise.all([
      imageHref(() => actor.getIcon({ ...loaders(fc), suppressError: true })),
      imageHref(() => actor.getImage({ ...loaders(fc), suppressError: true })),
      publicKeyOf(fc, actor),
      total(() => actor.getFollowers({ ...loaders(fc), suppressError: true })),
      total(() => actor.getFollowing({ ...loaders(fc), suppressError: true })),
      total(() => actor.getOutbox({ ...loaders(fc), suppressError: true })),
    ]);
  const fields: { name: string; value: string }[] = [];
  try {
    for await (const a of actor.getAttachments({ ...loaders(fc), suppressError: true })) {
      if (a instanceof PropertyValue) fields.push({ name: text(a.name), value: text(a.value) });
      if (fields.length >= 50) break;
    }
  } catch {
    // A field that cannot be read is left out.
  }
  const data: RemoteAccountData = {
    uri,
    username: handle.username,
    domain: handle.domain,
    url: preferredHref(actor.urls) ?? uri,
    displayName: text(actor.name),
    note: text(actor.summary),
    fields,
    avatarUrl,
    headerUrl,
    locked: actor.manuallyApprovesFollowers === true,
    bot: BOT_TYPES.has(type),
    group: type === "Group",
    discoverable: actor.discoverable,
    indexable: actor.indexable === true,
    memorial: actor.memorial === true,
    actorType: type,
    inboxUrl,
    sharedInboxUrl: httpHref(actor.endpoints?.sharedInbox),
    outboxUrl: httpHref(actor.outboxId),
    followersUrl: httpHref(actor.followersId),
    followingUrl: httpHref(actor.followingId),
    featuredUrl: httpHref(actor.featuredId),
    featuredTagsUrl: httpHref(actor.featuredTagsId),
    publicKeyPem: key.pem,
    publicKeyId: key.id,
    alsoKnownAs: actor.aliasIds.map((u) => httpHref(u)).filter((u) => u !== null),
    movedToAccountId: await movedTo(fc, actor, options.depth ?? 0),
    followersCount,
    followingCount,
    statusesCount,
    createdAt: actor.published ? new Date(actor.published.epochMilliseconds) : null,
    suspended: actor.suspended === true,
    webfingered: handle.webfingered,
    emojis: await emojisOf(fc, actor),
  };
  const stored = await upsertRemoteAccount(fc.env.db, data, fc.env.jobs);
  // First seen: its pinned and newest posts are fetched by a job (backfill.ts).
  if (!known) await requestBackfill(fc, stored);
  return stored;
}

/**
 * The account of remote actor `uri`: stored and fresh, else fetched (with
 * `refresh`, always fetched). Null for a local URI, or an actor that cannot
 * be had; a stored account is kept when its server cannot be reached.
 */
export async function resolveActor(
  fc: FetchContext,
  uri: string,
  options: StoreOptions & { refresh?: boolean } = {},
): Promise<AccountRow | null> {
  const href = httpHref(uri);
  if (!href || href.startsWith(`${fc.env.urls.base}/`)) return null;
  const known = await findRemoteAccountByUri(fc.env.db, href);
  if (known && !options.refresh && !isStale(known)) return known;
  const object = await fetchObject(fc, href);
  if (!object || !isActor(object) || object.id?.href !== href) return known;
  try {
    return (await storeActor(fc, object, known, options)) ?? known;
  } catch (error) {
    fc.env.logger.warn("remote actor not stored", { uri: href, err: error });
    return known;
  }
}

/** The account of `username@domain` (another server's), by WebFinger when unknown or stale. */
export async function resolveHandle(
  fc: FetchContext,
  username: string,
  domain: string,
): Promise<AccountRow | null> {
  const known = await findRemoteAccountByHandle(fc.env.db, username, domain);
  if (known && !isStale(known)) return known;
  const found = await lookupWebFinger(fc.env.fetchPolicy, username, domain);
  if (!found) return known;
  return (await resolveActor(fc, found.actorUri, { webfinger: found, refresh: true })) ?? known;
}
