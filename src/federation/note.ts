// A local status as an ActivityPub Note (https://docs.joinmastodon.org/spec/activitypub/#status),
// as Mastodon's ActivityPub::NoteSerializer, and its addressing as
// ActivityPub::TagManager#to and #cc:
// - public: to the Public collection, cc the author's followers;
// - unlisted: to the followers, cc Public;
// - private: to the followers;
// - direct: to the mentioned accounts only;
// and, except for direct, cc every account mentioned (silent mentions left
// out, as Mastodon's active_mentions). Pure: what it needs is loaded first
// (note-data.ts), for a page at once.
import {
  Announce,
  Create,
  Hashtag,
  LanguageString,
  Mention,
  Note,
  PUBLIC_COLLECTION,
} from "@fedify/vocab";
import type { Visibility } from "../db/schema/index.ts";
import type { Urls } from "../urls.ts";
import { instant } from "./temporal.ts";

export interface NoteMention {
  /** The mentioned actor's URI. */
  uri: string;
  /** `username` for a local account, `username@domain` for a remote one. */
  acct: string;
}

/** Everything a Note of a local status needs. */
export interface NoteSource {
  id: string;
  uri: string;
  url: string;
  /** The author's username (a local account). */
  username: string;
  content: string;
  spoilerText: string;
  sensitive: boolean;
  visibility: Visibility;
  language: string | null;
  createdAt: Date;
  editedAt: Date | null;
  /** The URI of the status it replies to. */
  inReplyToUri: string | null;
  conversationUri: string | null;
  mentions: NoteMention[];
  /** Hashtag names (normalised), as linked from the content. */
  tags: string[];
}

export interface Addressing {
  to: URL[];
  cc: URL[];
}

const followersOf = (urls: Urls, username: string) => `${urls.actor(username)}/followers`;

/** TagManager#to and #cc of a status (`reblogOf`: the boosted status's author, for a boost). */
export function addressing(
  urls: Urls,
  status: { username: string; visibility: Visibility; mentions: readonly NoteMention[] },
  reblogOfAuthorUri: string | null = null,
): Addressing {
  const followers = new URL(followersOf(urls, status.username));
  const mentioned = status.mentions.map((m) => new URL(m.uri));
  const to: URL[] = [];
  const cc: URL[] = [];
  if (reblogOfAuthorUri) cc.push(new URL(reblogOfAuthorUri));
  switch (status.visibility) {
    case "public":
      to.push(PUBLIC_COLLECTION);
      cc.push(followers);
      break;
    case "unlisted":
      to.push(followers);
      cc.push(PUBLIC_COLLECTION);
      break;
    case "private":
      to.push(followers);
      break;
    case "direct":
      to.push(...mentioned);
      break;
  }
  if (status.visibility !== "direct") cc.push(...mentioned);
  return { to, cc };
}

export function buildNote(source: NoteSource, urls: Urls): Note {
  const { to, cc } = addressing(urls, source);
  return new Note({
    id: new URL(source.uri),
    attribution: new URL(urls.actor(source.username)),
    url: new URL(source.url),
    summary: source.spoilerText === "" ? null : source.spoilerText,
    // `content`, and `contentMap` with the language when it is known.
    contents: source.language
      ? [source.content, new LanguageString(source.content, source.language)]
      : [source.content],
    sensitive: source.sensitive,
    published: instant(source.createdAt),
    updated: source.editedAt ? instant(source.editedAt) : null,
    replyTarget: source.inReplyToUri ? new URL(source.inReplyToUri) : null,
    contexts: source.conversationUri ? [new URL(source.conversationUri)] : [],
    tos: to,
    ccs: cc,
    tags: [
      ...source.mentions.map((m) => new Mention({ href: new URL(m.uri), name: `@${m.acct}` })),
      ...source.tags.map(
        (name) => new Hashtag({ href: new URL(urls.tag(name)), name: `#${name}` }),
      ),
    ],
  });
}

/** The Create of a Note (ActivityPub::ActivitySerializer): `<status uri>/activity`, the Note's audience. */
export function buildCreate(note: Note, source: NoteSource, urls: Urls): Create {
  return new Create({
    id: new URL(`${source.uri}/activity`),
    actor: new URL(urls.actor(source.username)),
    published: instant(source.createdAt),
    tos: note.toIds,
    ccs: note.ccIds,
    object: note,
  });
}

/** A local boost as an Announce of the boosted status's URI. */
export interface BoostSource {
  /** The boost's own URI (`.../statuses/<id>/activity`, as Mastodon). */
  uri: string;
  username: string;
  visibility: Visibility;
  createdAt: Date;
  /** The boosted status and its author's actor URI. */
  objectUri: string;
  objectAuthorUri: string;
}

export function buildAnnounce(boost: BoostSource, urls: Urls): Announce {
  const { to, cc } = addressing(
    urls,
    { username: boost.username, visibility: boost.visibility, mentions: [] },
    boost.objectAuthorUri,
  );
  return new Announce({
    id: new URL(boost.uri),
    actor: new URL(urls.actor(boost.username)),
    published: instant(boost.createdAt),
    tos: to,
    ccs: cc,
    object: new URL(boost.objectUri),
  });
}
