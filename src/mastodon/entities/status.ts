// Status (https://docs.joinmastodon.org/entities/Status/), as Mastodon's
// REST::StatusSerializer with the relationship maps of
// StatusRelationshipsPresenter: ONE loader and serializer for every path that
// shows statuses. It loads a whole page in one statement, whatever the page
// size (status-loader.ts: the statuses and their boosted originals, authors,
// mentions, tags, applications, media attachments, polls, custom emojis and
// the viewer's flags). It
// does NOT check visibility: callers select the ids the viewer may see first
// (src/domain/statuses/visibility.ts).
//
// As Mastodon:
// - favourited, reblogged, muted, bookmarked and `filtered` appear only when
//   there is a signed-in viewer; `pinned` only on the viewer's own pinnable
//   statuses (not boosts, not direct);
// - `application` appears when the author's user shows it (the default), or
//   for the author; it is null when the status has none;
// - the `mentions` are the non-silent ones, in the order they were made;
// - `text` (the source) replaces `content` when the source is requested
//   (DELETE /api/v1/statuses/:id, for delete-and-redraft);
// - `media_attachments` in the order the status gives them
//   (Status#ordered_media_attachments), `poll` with the viewer's own votes
//   (poll.ts), `card` the preview card of its link (preview-card.ts), null
//   until the background fetch has made one.
// Herd has no filters or quotes yet: those keys carry their empty values. Herd announces the 4.5 API, so `tagged_collections`
// (4.6) is not shown.
import type { Db } from "../../db/database.ts";
import type { Visibility } from "../../db/schema/index.ts";
import { isId } from "../../lib/ids.ts";
import type { Urls } from "../../urls.ts";
import { serializeAccount, type Account, type AccountView } from "./account.ts";
import { serializeCustomEmoji, type CustomEmoji } from "./custom-emoji.ts";
import { serializeMediaAttachment, type MediaAttachment } from "./media-attachment.ts";
import { pollShortcodes, serializePoll, type Poll } from "./poll.ts";
import { serializePreviewCard, type PreviewCard } from "./preview-card.ts";
import {
  loadStatusPage,
  type LoadedPoll,
  type LoadedStatus,
  type StatusPage,
} from "./status-loader.ts";

export interface StatusMention {
  id: string;
  username: string;
  url: string;
  acct: string;
}

export interface StatusTag {
  name: string;
  url: string;
}

export interface StatusApplication {
  name: string;
  website: string | null;
}

export interface QuoteApproval {
  automatic: string[];
  manual: string[];
  current_user: "automatic" | "manual" | "denied" | "unknown";
}

export interface Status {
  id: string;
  created_at: string;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  sensitive: boolean;
  spoiler_text: string;
  visibility: Visibility;
  language: string | null;
  uri: string;
  url: string | null;
  replies_count: number;
  reblogs_count: number;
  favourites_count: number;
  quotes_count: number;
  edited_at: string | null;
  /** Signed-in viewers only. */
  favourited?: boolean;
  reblogged?: boolean;
  muted?: boolean;
  bookmarked?: boolean;
  /** The viewer's own pinnable statuses only. */
  pinned?: boolean;
  /** Absent when the source is requested. */
  content?: string;
  /** Only when the source is requested. */
  text?: string;
  /** Signed-in viewers only. */
  filtered?: unknown[];
  reblog: Status | null;
  application?: StatusApplication | null;
  account: Account;
  media_attachments: MediaAttachment[];
  mentions: StatusMention[];
  tags: StatusTag[];
  emojis: CustomEmoji[];
  quote: null;
  quote_approval: QuoteApproval;
  card: PreviewCard | null;
  poll: Poll | null;
}

export interface RenderOptions {
  /** Show `text` (the source) instead of `content`, as after a delete. */
  source?: boolean;
}

const PINNABLE: readonly Visibility[] = ["public", "unlisted", "private"];

/** CustomEmoji::SCAN_RE: `:shortcode:` not glued to letters, digits or colons. */
const EMOJI_RE = /(?<=[^\p{L}\p{N}:]|^):([a-zA-Z0-9_]{2,}):(?=[^\p{L}\p{N}:]|$)/gmu;

function shortcodesOf(...texts: string[]): string[] {
  const out = new Set<string>();
  for (const text of texts) for (const m of text.matchAll(EMOJI_RE)) out.add(m[1] ?? "");
  return [...out];
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** What every viewer sees of a status, but its boost, author, poll and application. */
export type StatusBase = Omit<
  Status,
  | "reblog"
  | "account"
  | "poll"
  | "application"
  | "favourited"
  | "reblogged"
  | "muted"
  | "bookmarked"
  | "pinned"
  | "filtered"
  | "content"
  | "text"
>;

/** The status's custom emoji of `code`, from its author's domain. */
function emojiFinder(page: StatusPage, author: AccountView) {
  return (code: string) => page.emojis.get(`${author.domain ?? ""}|${code}`);
}

/** The part of `s`'s entity that is the same for every viewer. */
export function statusBase(
  s: LoadedStatus,
  author: AccountView,
  page: StatusPage,
  urls: Urls,
): StatusBase {
  const local = author.domain === null;
  return {
    id: s.id,
    created_at: s.createdAt.toISOString(),
    in_reply_to_id: s.inReplyToId,
    in_reply_to_account_id: s.inReplyToAccountId,
    sensitive: s.sensitive,
    spoiler_text: s.spoilerText,
    visibility: s.visibility,
    language: s.language,
    uri: local
      ? `${urls.actor(author.username)}/statuses/${s.id}${s.reblogOfId ? "/activity" : ""}`
      : (s.uri ?? ""),
    url: local ? `${urls.profile(author.username)}/${s.id}` : (s.url ?? s.uri),
    replies_count: s.repliesCount,
    reblogs_count: s.reblogsCount,
    favourites_count: s.favouritesCount,
    quotes_count: 0,
    edited_at: iso(s.editedAt),
    media_attachments: (page.media.get(s.id) ?? []).map((m) => serializeMediaAttachment(m, urls)),
    mentions: (page.mentions.get(s.id) ?? []).map((m) => ({
      id: m.accountId,
      username: m.username,
      url: m.domain === null ? urls.profile(m.username) : (m.url ?? m.uri ?? urls.base),
      acct: m.domain === null ? m.username : `${m.username}@${m.domain}`,
    })),
    tags: (page.tags.get(s.id) ?? []).map((name) => ({ name, url: urls.tag(name) })),
    emojis: shortcodesOf(s.text === "" ? s.content : s.text, s.spoilerText)
      .map(emojiFinder(page, author))
      .filter((e) => e !== undefined)
      .map((e) => serializeCustomEmoji(e, urls)),
    // Herd has no quote posts: nobody is expected to be able to quote.
    quote: null,
    quote_approval: { automatic: [], manual: [], current_user: "denied" },
    card: page.cards.has(s.id) ? serializePreviewCard(page.cards.get(s.id)!, urls) : null,
  };
}

/** The author as statuses show it; the page's emojis include those of the authors' profiles. */
export function statusAuthor(view: AccountView, page: StatusPage, urls: Urls): Account {
  return serializeAccount({ ...view, emojis: [...page.emojis.values()] }, urls);
}

/** The custom emojis of a poll's options. */
export function pollEmojis(
  poll: LoadedPoll,
  author: AccountView,
  page: StatusPage,
  urls: Urls,
): CustomEmoji[] {
  return pollShortcodes(poll.options)
    .map(emojiFinder(page, author))
    .filter((e) => e !== undefined)
    .map((e) => serializeCustomEmoji(e, urls));
}

/** Whether `viewer` sees `pinned` on `s`: their own pinnable statuses, not boosts. */
export function showsPinned(s: LoadedStatus, viewerAccountId: string | null): boolean {
  return (
    viewerAccountId !== null &&
    viewerAccountId === s.accountId &&
    s.reblogOfId === null &&
    PINNABLE.includes(s.visibility)
  );
}

/**
 * The statuses of `ids` that exist, in the order of `ids`, as `viewerAccountId`
 * (null: a visitor) sees them. Does not check visibility.
 */
export async function renderStatuses(
  db: Db,
  ids: readonly string[],
  viewerAccountId: string | null,
  urls: Urls,
  options: RenderOptions = {},
): Promise<Status[]> {
  const wanted = ids.filter(isId);
  if (wanted.length === 0) return [];
  const page = await loadStatusPage(db, [...new Set(wanted)], viewerAccountId);
  const rows = page.statuses;
  if (rows.size === 0) return [];
  const flags = page.flags;
  const now = Date.now();

  const serializedAccounts = new Map<string, Account>();
  const accountOf = (id: string): Account | null => {
    const cached = serializedAccounts.get(id);
    if (cached) return cached;
    const view = page.authors.get(id);
    if (!view) return null;
    const entity = statusAuthor(view, page, urls);
    serializedAccounts.set(id, entity);
    return entity;
  };

  const serialize = (s: LoadedStatus, nested: boolean): Status | null => {
    const author = page.authors.get(s.accountId);
    const account = accountOf(s.accountId);
    if (!author || !account) return null;
    let reblog: Status | null = null;
    if (s.reblogOfId !== null) {
      const original = rows.get(s.reblogOfId);
      reblog = original && !nested ? serialize(original, true) : null;
      if (!reblog) return null;
    }
    const own = viewerAccountId !== null && viewerAccountId === s.accountId;
    const poll = page.polls.get(s.id);
    const entity: Status = {
      ...statusBase(s, author, page, urls),
      reblog,
      account,
      poll: poll
        ? serializePoll(
            poll,
            viewerAccountId === null
              ? null
              : { accountId: viewerAccountId, ownVotes: poll.ownVotes },
            pollEmojis(poll, author, page, urls),
            now,
          )
        : null,
    };
    if (flags) {
      entity.favourited = flags.favourited.has(s.id);
      entity.reblogged = flags.reblogged.has(s.id);
      entity.muted = s.conversationId !== null && flags.muted.has(s.conversationId);
      entity.bookmarked = flags.bookmarked.has(s.id);
      if (showsPinned(s, viewerAccountId)) entity.pinned = flags.pinned.has(s.id);
      entity.filtered = [];
    }
    if (options.source && !nested) entity.text = s.text;
    else entity.content = s.content;
    if (s.showApplication || own) {
      entity.application = s.applicationId
        ? (page.applications.get(s.applicationId) ?? null)
        : null;
    }
    return entity;
  };

  const out: Status[] = [];
  for (const id of wanted) {
    const row = rows.get(id);
    const entity = row ? serialize(row, false) : null;
    if (entity) out.push(entity);
  }
  return out;
}

/** One status, or null when it does not exist. */
export async function renderStatus(
  db: Db,
  id: string,
  viewerAccountId: string | null,
  urls: Urls,
  options: RenderOptions = {},
): Promise<Status | null> {
  return (await renderStatuses(db, [id], viewerAccountId, urls, options))[0] ?? null;
}
