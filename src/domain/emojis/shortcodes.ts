// Custom emoji shortcodes, as Mastodon's CustomEmoji
// (app/models/custom_emoji.rb): a shortcode is two or more letters, digits
// or underscores; in text it is written `:shortcode:`, not glued to letters,
// digits or colons (SCAN_RE). The SQL that gathers candidate emojis uses a
// looser pattern; what is shown is what SCAN_RE finds.
import type { AccountField } from "../../db/schema/index.ts";

/** CustomEmoji::SHORTCODE_RE_FRAGMENT, whole. */
export const SHORTCODE_RE = /^[a-zA-Z0-9_]{2,}$/;

/** The looser pattern of the SQL statements that gather candidates (a superset of SCAN_RE's). */
export const SQL_SHORTCODE_PATTERN = ":([a-zA-Z0-9_]{2,}):";

/** CustomEmoji::SCAN_RE: `:shortcode:` not glued to letters, digits or colons. */
const SCAN_RE = /(?<=[^\p{L}\p{N}:]|^):([a-zA-Z0-9_]{2,}):(?=[^\p{L}\p{N}:]|$)/gmu;

/** The shortcodes used in `texts`, in the order they first appear. */
export function shortcodesIn(...texts: readonly string[]): string[] {
  const out = new Set<string>();
  for (const text of texts) for (const m of text.matchAll(SCAN_RE)) out.add(m[1] ?? "");
  return [...out];
}

/**
 * Account#emojifiable_text: the note, the display name, then the fields'
 * names and values, where an account's emojis may appear.
 */
export function accountEmojiTexts(account: {
  displayName: string;
  note: string;
  fields: readonly AccountField[];
}): string[] {
  return [
    account.note,
    account.displayName,
    ...account.fields.map((f) => f.name),
    ...account.fields.map((f) => f.value),
  ];
}
