// Everything a page of Status entities needs, in ONE statement: the statuses
// and the originals of the boosts among them, their authors (with the user
// columns the Account entity shows, and the accounts they moved to),
// mentions, tags, applications, media attachments (in the order their
// status gives), polls (with the viewer's own votes), preview cards, custom emojis and the
// viewer's own flags.
// PostgreSQL gathers it into one JSON document (src/db/json-rows.ts), so a
// page costs one round trip and one prepared plan whatever its size; the
// statement text is built once per process. It does NOT check visibility:
// callers pick the ids the viewer may see first
// (src/domain/statuses/visibility.ts).
//
// Measured with bench/profile.ts (home timeline, 40 statuses): six Drizzle
// queries spent about a third of the CPU building SQL and mapping rows.
import type { Db } from "../../db/database.ts";
import { jsonRowCodec, type JsonRowCodec } from "../../db/json-rows.ts";
import {
  accounts,
  customEmojis,
  mediaAttachments,
  polls,
  previewCards,
  statuses,
  type AccountRow,
  type MediaAttachmentRow,
  type PollRow,
  type PreviewCardRow,
  type StatusRow,
} from "../../db/schema/index.ts";
import type { AccountWithUser } from "../../domain/accounts/read.ts";
import { emojifiableTextSql } from "../../domain/emojis/account-emojis.ts";
import {
  accountVersionSql,
  BOOSTED_SQL,
  EPOCH_SQL,
  viewerFlagsOf,
  viewerFlagsSql,
} from "./status-versions.ts";

/**
 * A statuses row with what the serializer needs from its author's user, and
 * its row version (status-versions.ts).
 */
export type LoadedStatus = StatusRow & { showApplication: boolean; version: string };

export interface LoadedMention {
  statusId: string;
  accountId: string;
  username: string;
  domain: string | null;
  url: string | null;
  uri: string | null;
}

export interface ViewerFlags {
  favourited: Set<string>;
  reblogged: Set<string>;
  bookmarked: Set<string>;
  pinned: Set<string>;
  /** Conversation ids. */
  muted: Set<string>;
}

/** A poll with the viewer's choices (empty without a viewer). */
export type LoadedPoll = PollRow & { ownVotes: number[] };

/** A preview card with the link as the status wrote it (PreviewCard#original_url). */
export type LoadedCard = PreviewCardRow & { originalUrl: string };

export interface StatusPage {
  statuses: Map<string, LoadedStatus>;
  authors: Map<string, AccountWithUser>;
  mentions: Map<string, LoadedMention[]>;
  tags: Map<string, string[]>;
  applications: Map<string, { name: string; website: string | null }>;
  /** By status id, in the order the status shows them. */
  media: Map<string, MediaAttachmentRow[]>;
  /** By status id. */
  polls: Map<string, LoadedPoll>;
  /** By status id. */
  cards: Map<string, LoadedCard>;
  /** By `domain|shortcode` (domain '' for local ones); a superset of those shown. */
  emojis: Map<string, typeof customEmojis.$inferSelect>;
  /** Null without a viewer. */
  flags: ViewerFlags | null;
  /** The versions of what was read (status-versions.ts), for the cache of rendered statuses. */
  versions: { epoch: string; accounts: Map<string, string> };
}

interface Codecs {
  status: JsonRowCodec<StatusRow>;
  account: JsonRowCodec<AccountRow>;
  emoji: JsonRowCodec<typeof customEmojis.$inferSelect>;
  media: JsonRowCodec<MediaAttachmentRow>;
  poll: JsonRowCodec<PollRow>;
  card: JsonRowCodec<PreviewCardRow>;
  text: string;
}

let built: Codecs | null = null;

/** The statement: $1 the ids asked for, $2 the viewer (null: a visitor). */
function codecs(): Codecs {
  if (built) return built;
  const status = jsonRowCodec(statuses);
  const account = jsonRowCodec(accounts);
  const emoji = jsonRowCodec(customEmojis);
  const media = jsonRowCodec(mediaAttachments);
  const poll = jsonRowCodec(polls);
  const card = jsonRowCodec(previewCards);
  // The originals of boosts are gathered into the same array first, so that
  // PostgreSQL reads every status by its primary key.
  // Each table is read through `= ANY(array)` of the keys gathered first (an
  // InitPlan), and joined rows through LATERAL … LIMIT 1 (which PostgreSQL
  // does not flatten), so that it reads them by their indexes however few
  // rows it expects: `IN (SELECT … FROM page)` and plain joins were planned
  // as hash joins over sequential scans of mentions, accounts and users.
  const text = `
WITH page AS (
  SELECT s.*, s.xmin::text AS row_version FROM statuses s
  WHERE s.id = ANY($1::bigint[] || ${BOOSTED_SQL})
), k AS (
  SELECT array_agg(id) AS statuses,
    array_agg(DISTINCT account_id) AS authors,
    coalesce(array_agg(DISTINCT conversation_id) FILTER (WHERE conversation_id IS NOT NULL), '{}') AS conversations,
    coalesce(array_agg(DISTINCT application_id) FILTER (WHERE application_id IS NOT NULL), '{}') AS applications
  FROM page
)
SELECT json_build_object(
  'epoch', ${EPOCH_SQL},
  'statuses', (SELECT json_agg(x) FROM (
    SELECT ${status.selectList("p")},
      -- Mastodon's show_application user setting defaults to true.
      coalesce((SELECT (u.settings ->> 'show_application')::boolean FROM users u
        WHERE u.account_id = p.account_id), p.local) AS "showApplication",
      p.row_version AS "version"
    FROM page p) x),
  'accounts', (SELECT json_agg(x) FROM (
    SELECT ${account.selectList("a")}, u.role_id AS "roleId",
      (u.settings ->> 'noindex')::boolean AS "noindex",
      (a.domain IS NOT NULL OR (u.confirmed_at IS NOT NULL AND coalesce(u.approved, false))) AS "visible",
      ${accountVersionSql("a", "u.row_version")} AS "version"
    FROM accounts a LEFT JOIN LATERAL (SELECT u.*, u.xmin::text AS row_version FROM users u
      WHERE u.account_id = a.id LIMIT 1) u ON TRUE
    WHERE a.id = ANY((SELECT authors FROM k)::bigint[] || ARRAY(SELECT a2.moved_to_account_id
      FROM accounts a2 WHERE a2.id = ANY((SELECT authors FROM k)::bigint[])
      AND a2.moved_to_account_id IS NOT NULL))) x),
  'mentions', (SELECT json_agg(json_build_object('statusId', m.status_id::text,
      'accountId', a.id::text, 'username', a.username, 'domain', a.domain, 'url', a.url,
      'uri', a.uri) ORDER BY m.id)
    FROM mentions m JOIN LATERAL (SELECT * FROM accounts a
      WHERE a.id = m.account_id LIMIT 1) a ON TRUE
    WHERE m.status_id = ANY((SELECT statuses FROM k)::bigint[]) AND NOT m.silent),
  'tags', (SELECT json_agg(json_build_array(st.status_id::text, t.name) ORDER BY t.name)
    FROM statuses_tags st JOIN LATERAL (SELECT t.name FROM tags t
      WHERE t.id = st.tag_id LIMIT 1) t ON TRUE
    WHERE st.status_id = ANY((SELECT statuses FROM k)::bigint[])),
  'applications', (SELECT json_agg(json_build_array(o.id::text, o.name, o.website))
    FROM oauth_applications o WHERE o.id = ANY((SELECT applications FROM k)::bigint[])),
  -- Status#ordered_media_attachments: the ids the status orders (all those
  -- attached, by id, when it orders none), each read by its primary key.
  -- Those of a deleted status were freed for a redraft: still its author's.
  'media', (SELECT json_agg(json_build_array(p.id::text, to_json(x)) ORDER BY p.id, o.n)
    FROM page p
    CROSS JOIN LATERAL unnest(coalesce(p.ordered_media_attachment_ids, ARRAY(
      SELECT a.id FROM media_attachments a WHERE a.status_id = p.id ORDER BY a.id)))
      WITH ORDINALITY AS o(mid, n)
    JOIN LATERAL (SELECT ${media.selectList("m")} FROM media_attachments m
      WHERE m.id = o.mid AND (m.status_id = p.id OR (p.deleted_at IS NOT NULL
        AND m.status_id IS NULL AND m.account_id = p.account_id)) LIMIT 1) x ON TRUE),
  'polls', (SELECT json_agg(x) FROM (
    SELECT ${poll.selectList("pl")},
      (SELECT coalesce(json_agg(v.choice ORDER BY v.id), '[]'::json) FROM poll_votes v
        WHERE v.poll_id = pl.id AND v.account_id = $2::bigint) AS "ownVotes"
    FROM polls pl WHERE pl.status_id = ANY((SELECT statuses FROM k)::bigint[])) x),
  -- Preview cards (src/domain/cards/), with the link as each status has it.
  'cards', (SELECT json_agg(json_build_array(pcs.status_id::text, pcs.url, to_json(x)))
    FROM preview_cards_statuses pcs
    JOIN LATERAL (SELECT ${card.selectList("c")} FROM preview_cards c
      WHERE c.id = pcs.preview_card_id LIMIT 1) x ON TRUE
    WHERE pcs.status_id = ANY((SELECT statuses FROM k)::bigint[])),
  -- Candidate custom emojis: shortcodes in the text (the source, or the HTML
  -- of a status without one), the content warning and the poll's options,
  -- from the author's domain, and in the authors' profiles (Account#emojis);
  -- the serializers keep those CustomEmoji::SCAN_RE finds.
  'emojis', (SELECT json_agg(x) FROM (
    SELECT ${emoji.selectList("e")} FROM custom_emojis e
    WHERE NOT e.disabled AND (e.shortcode, coalesce(e.domain, '')) IN (
      SELECT (regexp_matches(CASE WHEN p.text = '' THEN p.content ELSE p.text END
          || ' ' || p.spoiler_text || ' ' || coalesce((SELECT array_to_string(pl.options, ' ')
            FROM polls pl WHERE pl.status_id = p.id), ''), ':([a-zA-Z0-9_]{2,}):', 'g'))[1],
        coalesce((SELECT a.domain FROM accounts a WHERE a.id = p.account_id), '')
      FROM page p
      UNION ALL
      SELECT (regexp_matches(${emojifiableTextSql("a")}, ':([a-zA-Z0-9_]{2,}):', 'g'))[1],
        coalesce(a.domain, '')
      FROM accounts a WHERE a.id = ANY((SELECT authors FROM k)::bigint[]))) x),
  'flags', ${viewerFlagsSql("$2::bigint", "(SELECT statuses FROM k)::bigint[]", "(SELECT conversations FROM k)::bigint[]")}
) AS page`;
  built = { status, account, emoji, media, poll, card, text };
  return built;
}

interface PageJson {
  epoch: string;
  statuses: (Record<string, unknown> & { showApplication: boolean })[] | null;
  accounts:
    | (Record<string, unknown> & {
        roleId: number | null;
        noindex: boolean | null;
        visible: boolean;
        version: string;
      })[]
    | null;
  mentions: LoadedMention[] | null;
  tags: [string, string][] | null;
  applications: [string, string, string | null][] | null;
  media: [string, Record<string, unknown>][] | null;
  polls: (Record<string, unknown> & { ownVotes: number[] })[] | null;
  cards: [string, string, Record<string, unknown>][] | null;
  emojis: Record<string, unknown>[] | null;
  flags: [keyof ViewerFlags, string][] | null;
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** Loads the page of `ids` (ids only, distinct) as `viewerId` sees it. */
export async function loadStatusPage(
  db: Db,
  ids: string[],
  viewerId: string | null,
): Promise<StatusPage> {
  const c = codecs();
  const result = await db.$client.query<{ page: PageJson }>({
    // Named: each connection parses and plans it once.
    name: "herd_status_page",
    text: c.text,
    values: [ids, viewerId],
  });
  const json = result.rows[0]!.page;

  const statusesById = new Map<string, LoadedStatus>();
  for (const s of json.statuses ?? []) {
    const row = c.status.decode(s) as LoadedStatus;
    statusesById.set(row.id, row);
  }
  const authors = new Map<string, AccountWithUser>();
  const accountVersions = new Map<string, string>();
  for (const a of json.accounts ?? []) {
    const row = c.account.decode(a) as AccountWithUser;
    authors.set(row.id, row);
    accountVersions.set(row.id, a.version);
  }
  for (const a of authors.values()) {
    if (a.movedToAccountId !== null) a.moved = authors.get(a.movedToAccountId) ?? null;
  }
  const tags = new Map<string, string[]>();
  for (const [statusId, name] of json.tags ?? []) {
    const list = tags.get(statusId);
    if (list) list.push(name);
    else tags.set(statusId, [name]);
  }
  const media = new Map<string, MediaAttachmentRow[]>();
  for (const [statusId, m] of json.media ?? []) {
    const row = c.media.decode(m);
    const list = media.get(statusId);
    if (list) list.push(row);
    else media.set(statusId, [row]);
  }
  const pollsByStatus = new Map<string, LoadedPoll>();
  for (const p of json.polls ?? []) {
    const row = c.poll.decode(p) as LoadedPoll;
    pollsByStatus.set(row.statusId, row);
  }
  const cards = new Map<string, LoadedCard>();
  for (const [statusId, originalUrl, row] of json.cards ?? []) {
    cards.set(statusId, { ...c.card.decode(row), originalUrl });
  }
  const emojis = new Map<string, typeof customEmojis.$inferSelect>();
  for (const e of json.emojis ?? []) {
    const row = c.emoji.decode(e);
    emojis.set(`${row.domain ?? ""}|${row.shortcode}`, row);
  }
  const flags = viewerId === null ? null : viewerFlagsOf(json.flags);
  return {
    statuses: statusesById,
    authors,
    mentions: groupBy(json.mentions ?? [], (m) => m.statusId),
    tags,
    applications: new Map(
      (json.applications ?? []).map(([id, name, website]) => [
        id,
        { name, website: website || null },
      ]),
    ),
    media,
    polls: pollsByStatus,
    cards,
    emojis,
    flags,
    versions: { epoch: json.epoch, accounts: accountVersions },
  };
}
