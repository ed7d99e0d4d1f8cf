// StatusEdit (https://docs.joinmastodon.org/entities/StatusEdit/), as
// Mastodon's REST::StatusEditSerializer: one version of a status, with the
// account that made it, the custom emojis its text uses, its media
// attachments as they were (StatusEdit#ordered_media_attachments: the
// description each had then) and its poll's options (`poll`, only for a
// version with a poll). Herd has no quotes yet: no `quote` key.
import { and, eq, inArray, isNull, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import {
  customEmojis,
  mediaAttachments,
  polls,
  type MediaAttachmentRow,
} from "../../db/schema/index.ts";
import type { StatusVersion } from "../../domain/statuses/read.ts";
import { currentMedia } from "../../domain/statuses/status-media.ts";
import type { Urls } from "../../urls.ts";
import { loadAccountViews } from "./account-loader.ts";
import { serializeAccount, type Account } from "./account.ts";
import { serializeCustomEmoji, type CustomEmoji } from "./custom-emoji.ts";
import { serializeMediaAttachment, type MediaAttachment } from "./media-attachment.ts";

export interface StatusEdit {
  content: string;
  spoiler_text: string;
  sensitive: boolean;
  created_at: string;
  account: Account;
  poll?: { options: { title: string }[] };
  media_attachments: MediaAttachment[];
  emojis: CustomEmoji[];
}

/** What each version shows besides its text, oldest first. */
interface VersionAttachments {
  ids: string[];
  descriptions: (string | null)[];
  pollOptions: string[] | null;
}

/**
 * The attachments of each version of status `statusId`, in the order of
 * statusHistory (oldest first); a status never edited has one version, itself.
 */
async function loadVersionAttachments(db: Db, statusId: string): Promise<VersionAttachments[]> {
  const { rows } = await db.execute<{
    ids: string[] | null;
    descriptions: (string | null)[] | null;
    poll: string[] | null;
  }>(sql`
    SELECT e.ordered_media_attachment_ids::text[] AS ids, e.media_descriptions AS descriptions,
      e.poll_options AS poll
    FROM status_edits e WHERE e.status_id = ${statusId}::bigint
    ORDER BY e.created_at, e.id`);
  if (rows.length > 0) {
    return rows.map((r) => ({
      ids: r.ids ?? [],
      descriptions: r.descriptions ?? [],
      pollOptions: r.poll,
    }));
  }
  const media = await currentMedia(db, statusId);
  const [poll] = await db
    .select({ options: polls.options })
    .from(polls)
    .where(eq(polls.statusId, statusId));
  return [{ ...media, pollOptions: poll?.options ?? null }];
}

/** CustomEmoji::SCAN_RE, as in status.ts. */
const EMOJI_RE = /(?<=[^\p{L}\p{N}:]|^):([a-zA-Z0-9_]{2,}):(?=[^\p{L}\p{N}:]|$)/gmu;

const shortcodes = (...texts: string[]) => [
  ...new Set(texts.flatMap((t) => [...t.matchAll(EMOJI_RE)].map((m) => m[1] ?? ""))),
];

/** The versions of one status, with their accounts and emojis, in a fixed number of queries. */
export async function renderStatusEdits(
  db: Db,
  statusId: string,
  versions: StatusVersion[],
  urls: Urls,
): Promise<StatusEdit[]> {
  const attached = versions.length === 0 ? [] : await loadVersionAttachments(db, statusId);
  const mediaIds = [...new Set(attached.flatMap((a) => a.ids))];
  const mediaRows: MediaAttachmentRow[] =
    mediaIds.length === 0
      ? []
      : await db
          .select()
          .from(mediaAttachments)
          .where(
            and(inArray(mediaAttachments.id, mediaIds), eq(mediaAttachments.statusId, statusId)),
          );
  const media = new Map(mediaRows.map((m) => [m.id, m]));
  const views = await loadAccountViews(db, [...new Set(versions.map((v) => v.accountId))]);
  const accounts = new Map(views.map((a) => [a.id, a]));
  const codes = shortcodes(...versions.flatMap((v) => [v.text, v.spoilerText]));
  const domains = [...new Set(views.map((a) => a.domain))];
  const byDomain: SQL[] = domains.map((d) =>
    d === null ? isNull(customEmojis.domain) : eq(customEmojis.domain, d),
  );
  const emojiRows =
    codes.length === 0 || byDomain.length === 0
      ? []
      : await db
          .select()
          .from(customEmojis)
          .where(
            and(
              inArray(customEmojis.shortcode, codes),
              eq(customEmojis.disabled, false),
              or(...byDomain),
            ),
          );
  const emoji = new Map(emojiRows.map((e) => [`${e.domain ?? ""}|${e.shortcode}`, e]));
  const out: StatusEdit[] = [];
  for (const [index, v] of versions.entries()) {
    const account = accounts.get(v.accountId);
    if (!account) continue;
    const then = attached[index];
    const entity: StatusEdit = {
      content: v.content,
      spoiler_text: v.spoilerText,
      sensitive: v.sensitive,
      created_at: v.createdAt.toISOString(),
      account: serializeAccount(account, urls),
      // PreservedMediaAttachment: each as it is, with the description it had then.
      media_attachments: (then?.ids ?? []).flatMap((id, i) => {
        const row = media.get(id);
        return row
          ? [serializeMediaAttachment({ ...row, description: then!.descriptions[i] ?? null }, urls)]
          : [];
      }),
      emojis: shortcodes(v.text, v.spoilerText)
        .map((code) => emoji.get(`${account.domain ?? ""}|${code}`))
        .filter((e) => e !== undefined)
        .map((e) => serializeCustomEmoji(e, urls)),
    };
    if (then?.pollOptions && then.pollOptions.length > 0) {
      entity.poll = { options: then.pollOptions.map((title) => ({ title })) };
    }
    out.push(entity);
  }
  return out;
}
