// StatusEdit (https://docs.joinmastodon.org/entities/StatusEdit/), as
// Mastodon's REST::StatusEditSerializer: one version of a status, with the
// account that made it and the custom emojis its text uses. Herd has no
// media, polls or quotes yet: no attachments, and no `poll` or `quote` keys.
import { and, eq, inArray, isNull, or, type SQL } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { customEmojis } from "../../db/schema/index.ts";
import type { StatusVersion } from "../../domain/statuses/read.ts";
import type { Urls } from "../../urls.ts";
import { loadAccountViews } from "./account-loader.ts";
import { serializeAccount, type Account } from "./account.ts";
import { serializeCustomEmoji, type CustomEmoji } from "./custom-emoji.ts";

export interface StatusEdit {
  content: string;
  spoiler_text: string;
  sensitive: boolean;
  created_at: string;
  account: Account;
  media_attachments: unknown[];
  emojis: CustomEmoji[];
}

/** CustomEmoji::SCAN_RE, as in status.ts. */
const EMOJI_RE = /(?<=[^\p{L}\p{N}:]|^):([a-zA-Z0-9_]{2,}):(?=[^\p{L}\p{N}:]|$)/gmu;

const shortcodes = (...texts: string[]) => [
  ...new Set(texts.flatMap((t) => [...t.matchAll(EMOJI_RE)].map((m) => m[1] ?? ""))),
];

/** The versions of one status, with their accounts and emojis, in a fixed number of queries. */
export async function renderStatusEdits(
  db: Db,
  versions: StatusVersion[],
  urls: Urls,
): Promise<StatusEdit[]> {
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
  for (const v of versions) {
    const account = accounts.get(v.accountId);
    if (!account) continue;
    out.push({
      content: v.content,
      spoiler_text: v.spoilerText,
      sensitive: v.sensitive,
      created_at: v.createdAt.toISOString(),
      account: serializeAccount(account, urls),
      media_attachments: [],
      emojis: shortcodes(v.text, v.spoilerText)
        .map((code) => emoji.get(`${account.domain ?? ""}|${code}`))
        .filter((e) => e !== undefined)
        .map((e) => serializeCustomEmoji(e, urls)),
    });
  }
  return out;
}
