// Actor documents (https://docs.joinmastodon.org/spec/activitypub/#as,
// spec/security/), as Mastodon's ActivityPub::ActorSerializer: a Person
// (Service for bots, Group for groups) with its profile, collections, shared
// inbox, RSA `publicKey` and both keys as `assertionMethod` Multikeys; the
// instance actor is an Application at /actor. A suspended account is served
// with `suspended: true` and nothing of its profile (Mastodon answers JSON
// for a temporarily suspended account); unknown, unconfirmed or unapproved
// accounts are not found. Its `tag` holds the local custom emojis its name,
// bio and fields use (ActorSerializer#virtual_tags, ActivityPub::EmojiSerializer),
// which other servers show beside its name.
import type { Context, RequestContext } from "@fedify/fedify";
import type { webcrypto } from "node:crypto";
import {
  Application,
  Endpoints,
  Group,
  Image,
  Person,
  PropertyValue,
  Service,
  type Actor,
  type Emoji,
} from "@fedify/vocab";
import type { AccountWithUser } from "../domain/accounts/read.ts";
import { accountEmojiTexts, shortcodesIn } from "../domain/emojis/shortcodes.ts";
import type { FederationEnv } from "./env.ts";
import { findLocalActor, instanceActorUsername } from "./local-actor.ts";
import { emojiOf } from "./note.ts";
import { localEmoji } from "./note-data.ts";
import { midnightInstant } from "./temporal.ts";

const MEDIA_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
};

/** An avatar or header (only when the account has one, as Mastodon: no default image). */
function imageOf(env: FederationEnv, stored: string | null): Image | null {
  const url = env.urls.file(stored);
  if (!url) return null;
  const extension = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase() ?? "";
  return new Image({ url: new URL(url), mediaType: MEDIA_TYPES[extension] ?? null });
}

/**
 * Account#emojis as Emoji tags: the local, enabled emojis the profile names,
 * in the order they first appear (the candidates come with the account,
 * src/domain/emojis/account-emojis.ts).
 */
function profileEmojis(env: FederationEnv, account: AccountWithUser): Emoji[] {
  const byCode = new Map(
    (account.emojis ?? [])
      .filter((e) => e.domain === null && !e.disabled)
      .map((e) => [e.shortcode, e]),
  );
  return shortcodesIn(...accountEmojiTexts(account)).flatMap((code) => {
    const row = byCode.get(code);
    const emoji = row ? localEmoji(env.urls, row) : null;
    return emoji ? [emojiOf(emoji)] : [];
  });
}

/** The actor URI of an account Herd knows (local: its /users/ URL). */
export function actorUriOf(
  env: Pick<FederationEnv, "urls">,
  account: { username: string; domain: string | null; uri: string | null },
): string {
  return account.domain === null ? env.urls.actor(account.username) : (account.uri ?? "");
}

/** What the key pairs add to an actor: `publicKey` (RSA) and every key as a Multikey. */
async function keyProperties(ctx: Context<void>, identifier: string) {
  const pairs = await ctx.getActorKeyPairs(identifier);
  return {
    publicKey: pairs[0]?.cryptographicKey ?? null,
    assertionMethods: pairs.map((p) => p.multikey),
  };
}

/** The URIs every local actor has (Fedify's routes, so that they match). */
function endpointsOf(ctx: Context<void>, identifier: string) {
  return {
    id: ctx.getActorUri(identifier),
    inbox: ctx.getInboxUri(identifier),
    outbox: ctx.getOutboxUri(identifier),
    followers: ctx.getFollowersUri(identifier),
    following: ctx.getFollowingUri(identifier),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
  };
}

function accountActor(
  env: FederationEnv,
  ctx: Context<void>,
  account: AccountWithUser,
  keys: Awaited<ReturnType<typeof keyProperties>>,
): Actor {
  const username = account.username;
  const suspended = account.suspendedAt !== null;
  const moved = !suspended && account.moved ? actorUriOf(env, account.moved) : null;
  const values = {
    ...endpointsOf(ctx, username),
    ...keys,
    featured: ctx.getFeaturedUri(username),
    featuredTags: ctx.getFeaturedTagsUri(username),
    preferredUsername: username,
    // ActivityPub::ActorSerializer#name: the display name, empty or not.
    name: suspended ? username : account.displayName,
    summary: suspended ? "" : account.note,
    url: new URL(env.urls.profile(username)),
    published: midnightInstant(account.createdAt),
    manuallyApprovesFollowers: suspended ? false : account.locked,
    discoverable: suspended ? false : (account.discoverable ?? false),
    indexable: suspended ? false : account.indexable,
    memorial: account.memorial,
    suspended: suspended ? true : null,
    icon: suspended ? null : imageOf(env, account.avatarUrl),
    image: suspended ? null : imageOf(env, account.headerUrl),
    attachments: suspended
      ? []
      : account.fields.map((f) => new PropertyValue({ name: f.name, value: f.value })),
    tags: suspended ? [] : profileEmojis(env, account),
    successor: moved ? new URL(moved) : null,
    // alsoKnownAs: the accounts this one says it also is (Move checks it).
    aliases: suspended
      ? []
      : account.alsoKnownAs.filter((u) => URL.canParse(u)).map((u) => new URL(u)),
  };
  if (account.bot) return new Service(values);
  if (account.group) return new Group(values);
  return new Person(values);
}

/** Mastodon's instance actor (InstanceActorsController): an Application named after the domain. */
function instanceActor(
  env: FederationEnv,
  ctx: Context<void>,
  keys: Awaited<ReturnType<typeof keyProperties>>,
): Actor {
  const identifier = env.instanceIdentifier;
  return new Application({
    ...endpointsOf(ctx, identifier),
    ...keys,
    preferredUsername: instanceActorUsername(env),
    name: identifier,
    url: new URL(`${env.urls.base}/about/more?instance_actor=true`),
    manuallyApprovesFollowers: true,
  });
}

/** The actor dispatcher: `identifier` is a username (any case) or the instance actor's. */
export async function dispatchActor(
  env: FederationEnv,
  ctx: RequestContext<void>,
  identifier: string,
): Promise<Actor | null> {
  const actor = await findLocalActor(env, identifier);
  if (!actor) return null;
  if (actor.kind === "instance") {
    return instanceActor(env, ctx, await keyProperties(ctx, env.instanceIdentifier));
  }
  const keys = await keyProperties(ctx, actor.account.username);
  return accountActor(env, ctx, actor.account, keys);
}

/** The key pairs dispatcher: RSA first (`#main-key`), then Ed25519 (`#key-2`). */
export async function dispatchKeyPairs(
  env: FederationEnv,
  identifier: string,
): Promise<webcrypto.CryptoKeyPair[]> {
  const actor = await findLocalActor(env, identifier);
  if (!actor) return [];
  const keys = await env.keys.keysFor(actor.kind === "instance" ? null : actor.account.id);
  return [keys.rsa, keys.ed25519];
}
