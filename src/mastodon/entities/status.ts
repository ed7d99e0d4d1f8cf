// Status (https://docs.joinmastodon.org/entities/Status/), as Mastodon's
// REST::StatusSerializer with the relationship maps of
// StatusRelationshipsPresenter: ONE loader and serializer for every path that
// shows statuses. It loads a whole page in a fixed number of queries, whatever
// the page size: the statuses and their boosted originals (one query), their
// authors (loadAccountViews), mentions, tags, applications, custom emojis and
// the viewer's flags (one query each). It does NOT check visibility: callers
// select the ids the viewer may see first (src/domain/statuses/visibility.ts).
//
// As Mastodon:
// - favourited, reblogged, muted, bookmarked and `filtered` appear only when
//   there is a signed-in viewer; `pinned` only on the viewer's own pinnable
//   statuses (not boosts, not direct);
// - `application` appears when the author's user shows it (the default), or
//   for the author; it is null when the status has none;
// - the `mentions` are the non-silent ones, in the order they were made;
// - `text` (the source) replaces `content` when the source is requested
//   (DELETE /api/v1/statuses/:id, for delete-and-redraft).
// Herd has no media, polls, preview cards, filters or quotes yet: those keys
// carry their empty values. Herd announces the 4.5 API, so `tagged_collections`
// (4.6) is not shown.
import { and, eq, inArray, isNull, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import {
  accounts,
  customEmojis,
  mentions,
  oauthApplications,
  statuses,
  statusesTags,
  tags,
  type StatusRow,
  type Visibility,
} from "../../db/schema/index.ts";
import { isId } from "../../lib/ids.ts";
import type { Urls } from "../../urls.ts";
import { loadAccountViews } from "./account-loader.ts";
import { serializeAccount, type Account } from "./account.ts";
import { serializeCustomEmoji, type CustomEmoji } from "./custom-emoji.ts";

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
  media_attachments: unknown[];
  mentions: StatusMention[];
  tags: StatusTag[];
  emojis: CustomEmoji[];
  quote: null;
  quote_approval: QuoteApproval;
  card: null;
  poll: null;
}

export interface RenderOptions {
  /** Show `text` (the source) instead of `content`, as after a delete. */
  source?: boolean;
}

/** A statuses row with what the serializer needs from its author's user. */
type LoadedStatus = StatusRow & { showApplication: boolean };

interface ViewerFlags {
  favourited: Set<string>;
  reblogged: Set<string>;
  bookmarked: Set<string>;
  pinned: Set<string>;
  /** Conversation ids. */
  muted: Set<string>;
}

const PINNABLE: readonly Visibility[] = ["public", "unlisted", "private"];

/** CustomEmoji::SCAN_RE: `:shortcode:` not glued to letters, digits or colons. */
const EMOJI_RE = /(?<=[^\p{L}\p{N}:]|^):([a-zA-Z0-9_]{2,}):(?=[^\p{L}\p{N}:]|$)/gmu;

function shortcodesOf(...texts: string[]): string[] {
  const out = new Set<string>();
  for (const text of texts) for (const m of text.matchAll(EMOJI_RE)) out.add(m[1] ?? "");
  return [...out];
}

/** A list of ids as ONE bigint[] parameter, however long (PostgreSQL takes 65,535 parameters). */
const bigintArray = (ids: string[]): SQL => sql`${sql.param(ids)}::bigint[]`;

async function loadStatusRows(db: Db, ids: string[]): Promise<Map<string, LoadedStatus>> {
  // The statuses asked for and the originals of the boosts among them.
  const rows = await db
    .select({
      status: statuses,
      // Mastodon's `show_application` user setting defaults to true. (Drizzle
      // leaves columns unqualified in a select list: name them here.)
      showApplication: sql<boolean>`coalesce((SELECT (u.settings ->> 'show_application')::boolean
        FROM users u WHERE u.account_id = statuses.account_id), statuses.local)`,
    })
    .from(statuses)
    // One array of ids (the originals gathered first, by an InitPlan), so
    // that PostgreSQL reads them by the primary key: `id = ANY(…) OR id IN
    // (SELECT …)` is planned as a scan of the whole table.
    .where(
      sql`${statuses.id} = ANY(${bigintArray(ids)} || ARRAY(SELECT s2.reblog_of_id
        FROM statuses s2 WHERE s2.id = ANY(${bigintArray(ids)}) AND s2.reblog_of_id IS NOT NULL))`,
    );
  return new Map(
    rows.map((r) => [r.status.id, { ...r.status, showApplication: r.showApplication }]),
  );
}

async function loadMentions(db: Db, statusIds: string[]) {
  const rows = await db
    .select({
      statusId: mentions.statusId,
      accountId: accounts.id,
      username: accounts.username,
      domain: accounts.domain,
      url: accounts.url,
      uri: accounts.uri,
    })
    .from(mentions)
    .innerJoin(accounts, eq(accounts.id, mentions.accountId))
    .where(and(inArray(mentions.statusId, statusIds), eq(mentions.silent, false)))
    .orderBy(mentions.id);
  const byStatus = new Map<string, typeof rows>();
  for (const r of rows) byStatus.set(r.statusId, [...(byStatus.get(r.statusId) ?? []), r]);
  return byStatus;
}

async function loadTags(db: Db, statusIds: string[]): Promise<Map<string, string[]>> {
  const rows = await db
    .select({ statusId: statusesTags.statusId, name: tags.name })
    .from(statusesTags)
    .innerJoin(tags, eq(tags.id, statusesTags.tagId))
    .where(inArray(statusesTags.statusId, statusIds))
    .orderBy(tags.name);
  const byStatus = new Map<string, string[]>();
  for (const r of rows) byStatus.set(r.statusId, [...(byStatus.get(r.statusId) ?? []), r.name]);
  return byStatus;
}

async function loadApplications(db: Db, ids: string[]): Promise<Map<string, StatusApplication>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({
      id: oauthApplications.id,
      name: oauthApplications.name,
      website: oauthApplications.website,
    })
    .from(oauthApplications)
    .where(inArray(oauthApplications.id, ids));
  return new Map(rows.map((r) => [r.id, { name: r.name, website: r.website || null }]));
}

/** Custom emojis by `domain|shortcode` (domain '' for local ones). */
async function loadEmojis(
  db: Db,
  wanted: { shortcodes: string[]; domain: string | null }[],
): Promise<Map<string, typeof customEmojis.$inferSelect>> {
  const conditions: SQL[] = [];
  const byDomain = new Map<string, Set<string>>();
  for (const w of wanted) {
    const set = byDomain.get(w.domain ?? "") ?? new Set<string>();
    for (const s of w.shortcodes) set.add(s);
    byDomain.set(w.domain ?? "", set);
  }
  for (const [domain, codes] of byDomain) {
    if (codes.size === 0) continue;
    conditions.push(
      and(
        domain === "" ? isNull(customEmojis.domain) : eq(customEmojis.domain, domain),
        inArray(customEmojis.shortcode, [...codes]),
      )!,
    );
  }
  if (conditions.length === 0) return new Map();
  const rows = await db
    .select()
    .from(customEmojis)
    .where(and(eq(customEmojis.disabled, false), or(...conditions)));
  return new Map(rows.map((r) => [`${r.domain ?? ""}|${r.shortcode}`, r]));
}

async function loadViewerFlags(
  db: Db,
  viewerId: string,
  statusIds: string[],
  conversationIds: string[],
): Promise<ViewerFlags> {
  const v = sql`${viewerId}::bigint`;
  const ids = bigintArray(statusIds);
  const result = await db.execute<{ kind: string; id: string }>(sql`
    SELECT 'favourited' AS kind, status_id::text AS id FROM favourites WHERE account_id = ${v} AND status_id = ANY(${ids})
    UNION ALL SELECT 'bookmarked', status_id::text FROM bookmarks WHERE account_id = ${v} AND status_id = ANY(${ids})
    UNION ALL SELECT 'pinned', status_id::text FROM status_pins WHERE account_id = ${v} AND status_id = ANY(${ids})
    UNION ALL SELECT 'reblogged', reblog_of_id::text FROM statuses
      WHERE account_id = ${v} AND reblog_of_id = ANY(${ids}) AND deleted_at IS NULL
    UNION ALL SELECT 'muted', conversation_id::text FROM conversation_mutes
      WHERE account_id = ${v} AND conversation_id = ANY(${bigintArray(conversationIds)})`);
  const flags: ViewerFlags = {
    favourited: new Set(),
    reblogged: new Set(),
    bookmarked: new Set(),
    pinned: new Set(),
    muted: new Set(),
  };
  for (const r of result.rows) flags[r.kind as keyof ViewerFlags]?.add(r.id);
  return flags;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

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
  const rows = await loadStatusRows(db, [...new Set(wanted)]);
  if (rows.size === 0) return [];
  const all = [...rows.values()];
  const allIds = all.map((s) => s.id);
  const applicationIds = [
    ...new Set(all.map((s) => s.applicationId).filter((x): x is string => x !== null)),
  ];
  const conversationIds = [
    ...new Set(all.map((s) => s.conversationId).filter((x): x is string => x !== null)),
  ];
  const [authors, mentionsOf, tagsOf, applications, flags] = await Promise.all([
    loadAccountViews(db, [...new Set(all.map((s) => s.accountId))]),
    loadMentions(db, allIds),
    loadTags(db, allIds),
    loadApplications(db, applicationIds),
    viewerAccountId === null
      ? Promise.resolve(null)
      : loadViewerFlags(db, viewerAccountId, allIds, conversationIds),
  ]);
  const authorById = new Map(authors.map((a) => [a.id, a]));
  const emojis = await loadEmojis(
    db,
    all.map((s) => ({
      shortcodes: shortcodesOf(s.text === "" ? s.content : s.text, s.spoilerText),
      domain: authorById.get(s.accountId)?.domain ?? null,
    })),
  );

  const serializedAccounts = new Map<string, Account>();
  const accountOf = (id: string): Account | null => {
    const cached = serializedAccounts.get(id);
    if (cached) return cached;
    const view = authorById.get(id);
    if (!view) return null;
    const entity = serializeAccount(view, urls);
    serializedAccounts.set(id, entity);
    return entity;
  };

  const serialize = (s: LoadedStatus, nested: boolean): Status | null => {
    const author = authorById.get(s.accountId);
    const account = accountOf(s.accountId);
    if (!author || !account) return null;
    let reblog: Status | null = null;
    if (s.reblogOfId !== null) {
      const original = rows.get(s.reblogOfId);
      reblog = original && !nested ? serialize(original, true) : null;
      if (!reblog) return null;
    }
    const own = viewerAccountId !== null && viewerAccountId === s.accountId;
    const local = author.domain === null;
    const entity: Status = {
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
      reblog,
      account,
      media_attachments: [],
      mentions: (mentionsOf.get(s.id) ?? []).map((m) => ({
        id: m.accountId,
        username: m.username,
        url: m.domain === null ? urls.profile(m.username) : (m.url ?? m.uri ?? urls.base),
        acct: m.domain === null ? m.username : `${m.username}@${m.domain}`,
      })),
      tags: (tagsOf.get(s.id) ?? []).map((name) => ({ name, url: urls.tag(name) })),
      emojis: shortcodesOf(s.text === "" ? s.content : s.text, s.spoilerText)
        .map((code) => emojis.get(`${author.domain ?? ""}|${code}`))
        .filter((e) => e !== undefined)
        .map((e) => serializeCustomEmoji(e, urls)),
      // Herd has no quote posts: nobody is expected to be able to quote.
      quote: null,
      quote_approval: { automatic: [], manual: [], current_user: "denied" },
      card: null,
      poll: null,
    };
    if (flags) {
      entity.favourited = flags.favourited.has(s.id);
      entity.reblogged = flags.reblogged.has(s.id);
      entity.muted = s.conversationId !== null && flags.muted.has(s.conversationId);
      entity.bookmarked = flags.bookmarked.has(s.id);
      if (own && s.reblogOfId === null && PINNABLE.includes(s.visibility)) {
        entity.pinned = flags.pinned.has(s.id);
      }
      entity.filtered = [];
    }
    if (options.source && !nested) entity.text = s.text;
    else entity.content = s.content;
    if (s.showApplication || own) {
      entity.application = s.applicationId ? (applications.get(s.applicationId) ?? null) : null;
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
