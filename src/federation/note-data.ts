// Loads what note.ts needs for a page of local statuses (Notes for statuses,
// Announces for boosts) in six queries whatever the page's size: the
// statuses with their author, conversation, parent and boosted status; their
// mentions; their hashtags; their media (in the order each shows them);
// their polls; then the local custom emojis they use. Which statuses may be
// served is the caller's business (statusVisibleTo in
// src/domain/statuses/visibility.ts).
import { sql } from "drizzle-orm";
import type { Db } from "../db/database.ts";
import type { MediaMeta, Visibility } from "../db/schema/index.ts";
import { shortcodesIn } from "../domain/emojis/shortcodes.ts";
import { textArray, idArray } from "../lib/pg-arrays.ts";
import type { Urls } from "../urls.ts";
import type {
  BoostSource,
  NoteAttachment,
  NoteEmoji,
  NoteMention,
  NotePoll,
  NoteSource,
} from "./note.ts";

export type OutboxItem = { kind: "note"; note: NoteSource } | { kind: "boost"; boost: BoostSource };

interface StatusRow extends Record<string, unknown> {
  id: string;
  uri: string | null;
  url: string | null;
  username: string;
  text: string;
  content: string;
  spoiler_text: string;
  sensitive: boolean;
  visibility: Visibility;
  language: string | null;
  created_at: Date | string;
  edited_at: Date | string | null;
  conversation_id: string | null;
  conversation_uri: string | null;
  conversation_created_at: Date | string | null;
  parent_id: string | null;
  parent_uri: string | null;
  parent_username: string | null;
  parent_domain: string | null;
  reblog_of_id: string | null;
  original_uri: string | null;
  original_username: string | null;
  original_domain: string | null;
  original_account_uri: string | null;
}

// Timestamps of raw queries come as strings through Drizzle's node-postgres driver.

/** A local status's URI when the row has none (Herd stores them, but older rows may not). */
const statusUri = (urls: Urls, username: string, id: string) =>
  `${urls.actor(username)}/statuses/${id}`;

/** OStatus::TagManager#unique_tag of a local conversation, as Mastodon's `conversation`. */
function conversationUri(localDomain: string, r: StatusRow): string | null {
  if (r.conversation_id === null) return null;
  if (r.conversation_uri) return r.conversation_uri;
  const day = new Date(r.conversation_created_at ?? r.created_at).toISOString().slice(0, 10);
  return `tag:${localDomain},${day}:objectId=${r.conversation_id}:objectType=Conversation`;
}

function uriOf(
  urls: Urls,
  id: string | null,
  uri: string | null,
  username: string | null,
  domain: string | null,
): string | null {
  if (uri) return uri;
  if (id === null || username === null || domain !== null) return null;
  return statusUri(urls, username, id);
}

interface MediaRow extends Record<string, unknown> {
  status_id: string;
  file_key: string | null;
  file_content_type: string | null;
  thumbnail_key: string | null;
  remote_url: string | null;
  description: string | null;
  blurhash: string | null;
  meta: MediaMeta | null;
}

interface PollRow extends Record<string, unknown> {
  status_id: string;
  options: string[];
  cached_tallies: number[];
  multiple: boolean;
  hide_totals: boolean;
  expires_at: Date | string | null;
  voters_count: number | null;
}

const dimension = (value: unknown) =>
  typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.round(value) : null;

/** MediaAttachmentSerializer: the original file (a stored one, else the remote URL). */
function attachmentOf(urls: Urls, m: MediaRow): NoteAttachment | null {
  const url = urls.file(m.file_key) ?? m.remote_url;
  if (!url) return null;
  const original = (m.meta?.original ?? {}) as { width?: unknown; height?: unknown };
  const focus = m.meta?.focus;
  return {
    url,
    mediaType: m.file_content_type,
    description: m.description,
    blurhash: m.blurhash,
    focus:
      focus && Number.isFinite(focus.x) && Number.isFinite(focus.y)
        ? { x: focus.x, y: focus.y }
        : null,
    width: dimension(original.width),
    height: dimension(original.height),
    thumbnailUrl: urls.file(m.thumbnail_key),
  };
}

/** Poll#loaded_options: counts hidden while a hide_totals poll runs (Poll#show_totals_now?). */
function pollOf(p: PollRow, now: number): NotePoll {
  const expiresAt = p.expires_at === null ? null : new Date(p.expires_at);
  const expired = expiresAt !== null && expiresAt.getTime() <= now;
  const showTotals = expired || !p.hide_totals;
  return {
    options: p.options.map((title, i) => ({
      title,
      votes: showTotals ? (p.cached_tallies[i] ?? 0) : null,
    })),
    multiple: p.multiple,
    expiresAt,
    expired,
    votersCount: p.voters_count,
  };
}

const IMAGE_TYPES: Record<string, string> = {
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  svg: "image/svg+xml",
  avif: "image/avif",
};

/**
 * A local custom emoji as ActivityPub::EmojiSerializer names it (its URI is
 * `<base>/emojis/<id>`, as TagManager#uri_for); null when its image has no URL.
 */
export function localEmoji(
  urls: Urls,
  e: { id: string; shortcode: string; imageUrl: string; updatedAt: Date | string },
): NoteEmoji | null {
  // An imported emoji's image is a storage key; a path on this server is made absolute.
  const url = e.imageUrl.startsWith("/") ? `${urls.base}${e.imageUrl}` : urls.file(e.imageUrl);
  if (!url) return null;
  const extension = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase() ?? "";
  return {
    uri: `${urls.base}/emojis/${e.id}`,
    shortcode: e.shortcode,
    url,
    mediaType: IMAGE_TYPES[extension] ?? null,
    updatedAt: new Date(e.updatedAt),
  };
}

/**
 * Status#emojis (CustomEmoji.from_text of the text, content warning and poll
 * options) for a page: one query for every shortcode the page uses; returns
 * the lookup of one status's emojis.
 */
async function loadEmojis(
  db: Db,
  urls: Urls,
  rows: readonly StatusRow[],
  polls: ReadonlyMap<string, NotePoll>,
): Promise<(...texts: (string | string[])[]) => NoteEmoji[]> {
  const codes = shortcodesIn(
    ...rows.flatMap((r) => [
      r.text,
      r.spoiler_text,
      ...(polls.get(r.id)?.options ?? []).map((o) => o.title),
    ]),
  );
  const byCode = new Map<string, NoteEmoji>();
  if (codes.length > 0) {
    const found = await db.execute<{
      id: string;
      shortcode: string;
      image_url: string;
      updated_at: Date | string;
    }>(sql`SELECT id::text, shortcode, image_url, updated_at FROM custom_emojis
      WHERE domain IS NULL AND NOT disabled AND shortcode = ANY(${textArray(codes)}::text[])`);
    for (const e of found.rows) {
      const emoji = localEmoji(urls, { ...e, imageUrl: e.image_url, updatedAt: e.updated_at });
      if (emoji) byCode.set(e.shortcode, emoji);
    }
  }
  return (...texts) =>
    shortcodesIn(...texts.flat())
      .map((code) => byCode.get(code))
      .filter((e) => e !== undefined);
}

/** The Notes and Announces of local statuses `ids`, in the order of `ids` (missing ones left out). */
export async function loadOutboxItems(
  db: Db,
  urls: Urls,
  localDomain: string,
  ids: readonly string[],
): Promise<OutboxItem[]> {
  if (ids.length === 0) return [];
  const list = idArray(ids);
  const [rows, mentionRows, tagRows, mediaRows, pollRows] = await Promise.all([
    db.execute<StatusRow>(sql`SELECT s.id::text, s.uri, s.url, a.username, s.text, s.content,
        s.spoiler_text, s.sensitive, s.visibility, s.language, s.created_at, s.edited_at,
        s.conversation_id::text, c.uri AS conversation_uri, c.created_at AS conversation_created_at,
        p.id::text AS parent_id, p.uri AS parent_uri, pa.username AS parent_username,
        pa.domain AS parent_domain,
        s.reblog_of_id::text, o.uri AS original_uri, oa.username AS original_username,
        oa.domain AS original_domain, oa.uri AS original_account_uri
      FROM statuses s
      JOIN accounts a ON a.id = s.account_id AND a.domain IS NULL
      LEFT JOIN conversations c ON c.id = s.conversation_id
      LEFT JOIN statuses p ON p.id = s.in_reply_to_id
      LEFT JOIN accounts pa ON pa.id = p.account_id
      LEFT JOIN statuses o ON o.id = s.reblog_of_id
      LEFT JOIN accounts oa ON oa.id = o.account_id
      WHERE s.id = ANY(${list}::bigint[])`),
    db.execute<{ status_id: string; username: string; domain: string | null; uri: string | null }>(
      sql`SELECT m.status_id::text, ma.username, ma.domain, ma.uri
        FROM mentions m JOIN accounts ma ON ma.id = m.account_id
        WHERE m.status_id = ANY(${list}::bigint[]) AND NOT m.silent
        ORDER BY m.id`,
    ),
    db.execute<{ status_id: string; name: string }>(
      sql`SELECT st.status_id::text, t.name FROM statuses_tags st JOIN tags t ON t.id = st.tag_id
        WHERE st.status_id = ANY(${list}::bigint[]) ORDER BY t.name`,
    ),
    // Status#ordered_media_attachments, as the status loader reads them.
    db.execute<MediaRow>(sql`SELECT s.id::text AS status_id, m.file_key, m.file_content_type,
        m.thumbnail_key, m.remote_url, m.description, m.blurhash, m.meta
      FROM statuses s
      CROSS JOIN LATERAL unnest(coalesce(s.ordered_media_attachment_ids, ARRAY(
        SELECT a.id FROM media_attachments a WHERE a.status_id = s.id ORDER BY a.id)))
        WITH ORDINALITY AS o(mid, n)
      JOIN media_attachments m ON m.id = o.mid AND m.status_id = s.id
      WHERE s.id = ANY(${list}::bigint[]) AND m.processing = 'complete'
      ORDER BY s.id, o.n`),
    db.execute<PollRow>(sql`SELECT status_id::text, options, cached_tallies, multiple, hide_totals,
        expires_at, voters_count
      FROM polls WHERE status_id = ANY(${list}::bigint[])`),
  ]);

  const mentions = new Map<string, NoteMention[]>();
  for (const m of mentionRows.rows) {
    const uri = m.domain === null ? urls.actor(m.username) : m.uri;
    if (!uri) continue;
    const acct = m.domain === null ? m.username : `${m.username}@${m.domain}`;
    mentions.set(m.status_id, [...(mentions.get(m.status_id) ?? []), { uri, acct }]);
  }
  const tags = new Map<string, string[]>();
  for (const t of tagRows.rows) tags.set(t.status_id, [...(tags.get(t.status_id) ?? []), t.name]);

  const media = new Map<string, NoteAttachment[]>();
  for (const m of mediaRows.rows) {
    const attachment = attachmentOf(urls, m);
    if (attachment) media.set(m.status_id, [...(media.get(m.status_id) ?? []), attachment]);
  }
  const now = Date.now();
  const polls = new Map<string, NotePoll>();
  for (const p of pollRows.rows) polls.set(p.status_id, pollOf(p, now));
  const emojis = await loadEmojis(db, urls, rows.rows, polls);

  const byId = new Map<string, OutboxItem>();
  for (const r of rows.rows) {
    const createdAt = new Date(r.created_at);
    if (r.reblog_of_id !== null) {
      const objectUri = uriOf(
        urls,
        r.reblog_of_id,
        r.original_uri,
        r.original_username,
        r.original_domain,
      );
      const objectAuthorUri =
        r.original_domain === null && r.original_username !== null
          ? urls.actor(r.original_username)
          : r.original_account_uri;
      if (!objectUri || !objectAuthorUri) continue;
      byId.set(r.id, {
        kind: "boost",
        boost: {
          uri: r.uri ?? `${statusUri(urls, r.username, r.id)}/activity`,
          username: r.username,
          visibility: r.visibility,
          createdAt,
          objectUri,
          objectAuthorUri,
        },
      });
      continue;
    }
    byId.set(r.id, {
      kind: "note",
      note: {
        id: r.id,
        uri: r.uri ?? statusUri(urls, r.username, r.id),
        url: r.url ?? `${urls.profile(r.username)}/${r.id}`,
        username: r.username,
        content: r.content,
        spoilerText: r.spoiler_text,
        sensitive: r.sensitive,
        visibility: r.visibility,
        language: r.language,
        createdAt,
        editedAt: r.edited_at === null ? null : new Date(r.edited_at),
        inReplyToUri: uriOf(urls, r.parent_id, r.parent_uri, r.parent_username, r.parent_domain),
        conversationUri: conversationUri(localDomain, r),
        mentions: mentions.get(r.id) ?? [],
        tags: tags.get(r.id) ?? [],
        attachments: media.get(r.id) ?? [],
        poll: polls.get(r.id) ?? null,
        emojis: emojis(r.text, r.spoiler_text, polls.get(r.id)?.options.map((o) => o.title) ?? []),
      },
    });
  }
  return ids.map((id) => byId.get(id)).filter((item) => item !== undefined);
}
