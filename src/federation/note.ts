// A local status as an ActivityPub Note (https://docs.joinmastodon.org/spec/activitypub/#status),
// as Mastodon's ActivityPub::NoteSerializer, and its addressing as
// ActivityPub::TagManager#to and #cc:
// - public: to the Public collection, cc the author's followers;
// - unlisted: to the followers, cc Public;
// - private: to the followers;
// - direct: to the mentioned accounts only;
// and, except for direct, cc every account mentioned (silent mentions left
// out, as Mastodon's active_mentions). A status with a poll is a Question
// (oneOf/anyOf, endTime, closed, votersCount); its media are Documents
// (mediaType, url, name, blurhash, focalPoint, width, height) and its custom
// emojis Emoji tags (NoteSerializer#virtual_attachments, #virtual_tags,
// OptionSerializer, ActivityPub::EmojiSerializer). Pure: what it needs is
// loaded first (note-data.ts), for a page at once.
import {
  Announce,
  Collection,
  Create,
  Emoji,
  Hashtag,
  Image,
  LanguageString,
  Mention,
  Note,
  PUBLIC_COLLECTION,
  Question,
  Update,
} from "@fedify/vocab";
import type { Visibility } from "../db/schema/index.ts";
import type { Urls } from "../urls.ts";
import {
  MastodonDocument,
  TermsCreate,
  TermsNote,
  TermsQuestion,
  TermsUpdate,
} from "./mastodon-terms.ts";
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
  /** Its media, in the order it shows them. */
  attachments: NoteAttachment[];
  poll: NotePoll | null;
  /** The local custom emojis its text, content warning and poll options use. */
  emojis: NoteEmoji[];
}

/** A media attachment (NoteSerializer::MediaAttachmentSerializer). */
export interface NoteAttachment {
  url: string;
  mediaType: string | null;
  description: string | null;
  blurhash: string | null;
  focus: { x: number; y: number } | null;
  width: number | null;
  height: number | null;
  /** A custom thumbnail (`icon`). */
  thumbnailUrl: string | null;
}

/** A poll (Poll#loaded_options: a count is null while a hide_totals poll runs). */
export interface NotePoll {
  options: { title: string; votes: number | null }[];
  multiple: boolean;
  expiresAt: Date | null;
  /** Whether it has ended (`closed`, at expiresAt). */
  expired: boolean;
  votersCount: number | null;
}

/** A custom emoji (ActivityPub::EmojiSerializer). */
export interface NoteEmoji {
  /** Its URI (`<base>/emojis/<id>`, as TagManager#uri_for). */
  uri: string;
  shortcode: string;
  url: string;
  mediaType: string | null;
  updatedAt: Date;
}

/** A local status's object: a Note, or a Question when it has a poll. */
export type Post = Note | Question;

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

function attachmentOf(a: NoteAttachment): MastodonDocument {
  return MastodonDocument.of(
    {
      mediaType: a.mediaType,
      url: new URL(a.url),
      name: a.description,
      width: a.width,
      height: a.height,
      icon: a.thumbnailUrl ? new Image({ url: new URL(a.thumbnailUrl) }) : null,
    },
    { blurhash: a.blurhash, focalPoint: a.focus ? [a.focus.x, a.focus.y] : null },
  );
}

export function emojiOf(e: NoteEmoji): Emoji {
  return new Emoji({
    id: new URL(e.uri),
    name: `:${e.shortcode}:`,
    updated: instant(e.updatedAt),
    icon: new Image({ mediaType: e.mediaType, url: new URL(e.url) }),
  });
}

/** The Question's part (NoteSerializer: one_of/any_of, end_time, closed, voters_count). */
function pollValues(poll: NotePoll) {
  const options = poll.options.map(
    (o) =>
      new Note({
        name: o.title,
        replies: new Collection(o.votes === null ? {} : { totalItems: o.votes }),
      }),
  );
  const end = poll.expiresAt ? instant(poll.expiresAt) : null;
  return {
    ...(poll.multiple ? { inclusiveOptions: options } : { exclusiveOptions: options }),
    endTime: end,
    closed: poll.expired ? end : null,
    voters: poll.votersCount,
  };
}

export function buildNote(source: NoteSource, urls: Urls): Post {
  const { to, cc } = addressing(urls, source);
  const values = {
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
    attachments: source.attachments.map(attachmentOf),
    tags: [
      ...source.mentions.map((m) => new Mention({ href: new URL(m.uri), name: `@${m.acct}` })),
      ...source.tags.map(
        (name) => new Hashtag({ href: new URL(urls.tag(name)), name: `#${name}` }),
      ),
      ...source.emojis.map(emojiOf),
    ],
  };
  return source.poll
    ? new TermsQuestion({ ...values, ...pollValues(source.poll) })
    : new TermsNote(values);
}

/** The Create of a Note (ActivityPub::ActivitySerializer): `<status uri>/activity`, the Note's audience. */
export function buildCreate(note: Post, source: NoteSource, urls: Urls): Create {
  return new TermsCreate({
    id: new URL(`${source.uri}/activity`),
    actor: new URL(urls.actor(source.username)),
    published: instant(source.createdAt),
    tos: note.toIds,
    ccs: note.ccIds,
    object: note,
  });
}

/**
 * The Update of an edited status (`<uri>#updates/<edited_at>`), or of a
 * poll's counts (ActivityPub::UpdatePollSerializer: `<uri>#updates/<poll
 * updated_at>`), to the Note's audience.
 */
export function buildUpdate(note: Post, source: NoteSource, urls: Urls, at: Date): Update {
  return new TermsUpdate({
    id: new URL(`${source.uri}#updates/${at.getTime()}`),
    actor: new URL(urls.actor(source.username)),
    published: instant(at),
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
