// Remote posts (Note, Question; Article and Page converted to a title and a
// link) as Herd statuses, as Mastodon's ActivityPub::Activity::Create,
// ActivityPub::Parser::StatusParser and FetchRemoteStatusService:
// - the post's id must be on its author's origin, and it must be attributed
//   to its author;
// - visibility from its audience (visibility_from_audience): Public in `to`
//   is public, in `cc` unlisted, the author's followers in `to` private,
//   anything else direct (Mastodon's "limited" is direct here: only those
//   mentioned may see it);
// - mentions from its Mention tags (unknown remote accounts fetched, a few
//   per post), silent mentions from the known accounts of its audience and
//   the local account whose inbox it came to; hashtags from its Hashtag tags;
// - the status it replies to, fetched when unknown, up to MAX_REPLY_DEPTH
//   posts up the thread;
// - its conversation (`conversation` or `context`), language (the first key
//   of contentMap), attachments, a Question's poll, custom emojis
//   (remote-note-parts.ts), and the quoted post's URI (`quoteUrl`,
//   `_misskey_quote`, `quoteUri`, FEP-e232);
// then src/domain/statuses/remote-statuses.ts sanitises and stores it.
// https://docs.joinmastodon.org/spec/activitypub/#status
import {
  Article,
  Hashtag,
  Mention,
  Note,
  Page,
  PUBLIC_COLLECTION,
  Question,
  type Activity,
} from "@fedify/vocab";
import type { AccountRow, StatusRow, Visibility } from "../db/schema/index.ts";
import { validLanguage } from "../domain/statuses/languages.ts";
import {
  createRemoteStatus,
  findStatusByUri,
  type RemoteMention,
  type RemoteStatusContent,
} from "../domain/statuses/remote-statuses.ts";
import { updateRemoteStatus } from "../domain/statuses/remote-status-edits.ts";
import { escapeHtml } from "../lib/html.ts";
import { knownAccountOfUri, resolveActor } from "./remote-actor.ts";
import { attachmentsOf, emojisOf, loaders, pollOf, postJson, toDate } from "./remote-note-parts.ts";
import {
  fetchObject,
  httpHref,
  preferredHref,
  rawJson,
  rawString,
  sameOrigin,
  text,
  type FetchContext,
} from "./remote-object.ts";

export type NoteLike = Note | Article | Page | Question;

/** How far up a thread unknown parents are fetched. */
export const MAX_REPLY_DEPTH = 5;
/** Unknown mentioned accounts fetched for one post. */
const MAX_FETCHED_MENTIONS = 5;
const PUBLIC = new Set([PUBLIC_COLLECTION.href, "as:Public", "Public"]);

export function isNoteLike(object: unknown): object is NoteLike {
  return (
    object instanceof Note ||
    object instanceof Article ||
    object instanceof Page ||
    object instanceof Question
  );
}

/** ActivityPub::Activity#visibility_from_audience. */
export function visibilityFromAudience(
  to: readonly string[],
  cc: readonly string[],
  followersUrl: string | null,
): Visibility {
  if (to.some((u) => PUBLIC.has(u))) return "public";
  if (cc.some((u) => PUBLIC.has(u))) return "unlisted";
  if (followersUrl !== null && to.includes(followersUrl)) return "private";
  return "direct";
}

const hrefs = (urls: readonly URL[]) => urls.map((u) => u.href);

/** `content` (a plain one first, else the first of contentMap) and its language. */
function contentOf(note: NoteLike): { content: string; language: string | null } {
  const values = note.contents;
  const plain = values.find((v) => typeof v === "string");
  const tagged = values.find((v) => typeof v !== "string");
  const language = tagged ? validLanguage(tagged.locale.baseName) : null;
  return { content: text(plain ?? tagged ?? null), language };
}

/** StatusParser for converted types: the title, the summary and the link. */
function convertedContent(note: NoteLike, url: string): string {
  const title = text(note.name).trim();
  const summary = text(note.summary).trim();
  return [
    title ? `<p><strong>${escapeHtml(title)}</strong></p>` : "",
    summary ? `<p>${escapeHtml(summary)}</p>` : "",
    `<p><a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p>`,
  ].join("");
}

/** Mentions (Mention tags, then silent ones from the audience) and hashtag names. */
async function tagsOf(
  fc: FetchContext,
  note: NoteLike,
  audience: readonly string[],
  deliveredTo: string | null,
): Promise<{ mentions: RemoteMention[]; tags: string[] }> {
  const mentions: RemoteMention[] = [];
  const tags: string[] = [];
  let fetched = 0;
  try {
    for await (const tag of note.getTags({ ...loaders(fc), suppressError: true })) {
      if (tag instanceof Hashtag) {
        const name = text(tag.name).trim();
        if (name) tags.push(name);
      } else if (tag instanceof Mention) {
        const href = httpHref(tag.href);
        if (!href) continue;
        let account = await knownAccountOfUri(fc, href);
        if (!account && fetched < MAX_FETCHED_MENTIONS) {
          fetched++;
          account = await resolveActor(fc, href);
        }
        if (account) mentions.push({ accountId: account.id, silent: false });
      }
      if (tags.length + mentions.length >= 150) break;
    }
  } catch {
    // A tag that cannot be read is left out.
  }
  for (const uri of new Set(audience)) {
    if (PUBLIC.has(uri)) continue;
    const account = await knownAccountOfUri(fc, uri);
    if (account) mentions.push({ accountId: account.id, silent: true });
  }
  if (deliveredTo) mentions.push({ accountId: deliveredTo, silent: true });
  return { mentions, tags };
}

/** A local conversation's id from its OStatus tag (note-data.ts), or the remote URI. */
function conversationOf(fc: FetchContext, raw: Record<string, unknown>, note: NoteLike) {
  const uri =
    rawString(raw, "conversation", "http://ostatus.org#conversation") ??
    note.contextIds[0]?.href ??
    null;
  if (!uri || uri.length > 2048) return { conversationId: null, conversationUri: null };
  const domain = fc.env.config.localDomain.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const own = new RegExp(
    `^tag:${domain},\\d{4}-\\d{2}-\\d{2}:objectId=(\\d+):objectType=Conversation$`,
  );
  const match = own.exec(uri);
  return match
    ? { conversationId: match[1]!, conversationUri: null }
    : { conversationId: null, conversationUri: uri };
}

/** What an edit may change, read from the post (shared by Create and Update). */
async function contentData(
  fc: FetchContext,
  note: NoteLike,
  author: AccountRow,
  deliveredTo: string | null,
  activity: Activity | null,
): Promise<RemoteStatusContent & { url: string | null; audience: string[] }> {
  const uri = note.id!.href;
  const url = preferredHref(note.urls);
  const sameHostUrl = url && sameOrigin(url, author.uri ?? uri) ? url : null;
  const converted = note instanceof Article || note instanceof Page;
  const { content, language } = contentOf(note);
  const audience = [...hrefs(note.toIds), ...hrefs(note.ccIds)];
  const { mentions, tags } = await tagsOf(fc, note, audience, deliveredTo);
  return {
    url: sameHostUrl,
    audience,
    content: converted ? convertedContent(note, sameHostUrl ?? uri) : content,
    spoilerText: converted ? "" : text(note.summary),
    sensitive: note.sensitive === true,
    language,
    mentions,
    tags,
    attachments: await attachmentsOf(fc, note, await postJson(note, activity)),
    poll: await pollOf(fc, note),
    emojis: await emojisOf(fc, note),
    quoteUri: "quoteUrl" in note ? (httpHref(note.quoteUrl) ?? httpHref(note.quoteId)) : null,
  };
}

/** Why a post is refused (the activity is dropped, nothing is stored). */
export function postRefusal(note: NoteLike, author: AccountRow): string | null {
  if (!note.id || !httpHref(note.id)) return "post without an id";
  if (!author.uri || !sameOrigin(note.id, author.uri)) return "post from another origin";
  const attribution = note.attributionId?.href;
  if (attribution && attribution !== author.uri) return "post attributed to someone else";
  return null;
}

export interface StoreNoteOptions {
  /** How many parents up the thread this post is (0: the post delivered or asked for). */
  depth: number;
  /** The local account whose inbox it was delivered to, if any. */
  deliveredTo?: string | null;
  /** The activity it came embedded in (whose JSON as received has the post's). */
  activity?: Activity | null;
}

/** Stores a remote post by `author` (checked with postRefusal first); null when refused. */
export async function storeNote(
  fc: FetchContext,
  note: NoteLike,
  author: AccountRow,
  options: StoreNoteOptions,
): Promise<StatusRow | null> {
  if (postRefusal(note, author)) return null;
  const uri = note.id!.href;
  const existing = await findStatusByUri(fc.env.db, uri);
  if (existing) return existing;
  const data = await contentData(
    fc,
    note,
    author,
    options.deliveredTo ?? null,
    options.activity ?? null,
  );
  const parentUri = httpHref(note.replyTargetId);
  let parent = parentUri ? await findStatusByUri(fc.env.db, parentUri) : null;
  if (!parent && parentUri && options.depth < MAX_REPLY_DEPTH) {
    parent = await resolveStatus(fc, parentUri, options.depth + 1);
  }
  const published = toDate(note.published) ?? new Date();
  return createRemoteStatus(
    fc.env.db,
    {
      ...data,
      uri,
      accountId: author.id,
      visibility: visibilityFromAudience(hrefs(note.toIds), hrefs(note.ccIds), author.followersUrl),
      createdAt: published,
      editedAt: toDate(note.updated),
      inReplyToId: parent?.id ?? null,
      ...conversationOf(fc, await rawJson(note), note),
    },
    { jobs: fc.env.jobs },
  );
}

/** Applies an edit (Update) of a post Herd has; null when it does not have it. */
export async function updateNote(
  fc: FetchContext,
  note: NoteLike,
  author: AccountRow,
  activity: Activity | null = null,
): Promise<StatusRow | null> {
  if (postRefusal(note, author)) return null;
  const data = await contentData(fc, note, author, null, activity);
  return updateRemoteStatus(
    fc.env.db,
    author.id,
    note.id!.href,
    { ...data, editedAt: toDate(note.updated) },
    { jobs: fc.env.jobs },
  );
}

/**
 * The status of post `uri`: stored, else fetched from its server (with its
 * author, and its thread up to MAX_REPLY_DEPTH). Null when it cannot be had.
 */
export async function resolveStatus(
  fc: FetchContext,
  uri: string,
  depth = 0,
): Promise<StatusRow | null> {
  const href = httpHref(uri);
  if (!href) return null;
  const known = await findStatusByUri(fc.env.db, href);
  if (known || href.startsWith(`${fc.env.urls.base}/`)) return known;
  const object = await fetchObject(fc, href);
  if (!isNoteLike(object) || !object.id) return null;
  if (object.id.href !== href) {
    const stored = await findStatusByUri(fc.env.db, object.id.href);
    if (stored) return stored;
  }
  const authorUri = httpHref(object.attributionId);
  if (!authorUri || !sameOrigin(authorUri, object.id)) return null;
  const author = await resolveActor(fc, authorUri);
  if (!author || author.suspendedAt) return null;
  return storeNote(fc, object, author, { depth });
}
