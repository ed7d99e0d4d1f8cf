// The custom emojis of accounts (Account#emojis: those named in the display
// name, the note and the profile fields, from the account's own domain, not
// disabled), read in the same statement as the accounts: a column that
// src/domain/accounts/read.ts selects beside each account row, so a page of
// accounts costs no extra query. The column holds candidates (a superset);
// the Account serializer keeps those CustomEmoji::SCAN_RE finds.
import { sql, type SQL } from "drizzle-orm";
import { jsonRowCodec } from "../../db/json-rows.ts";
import { accounts, customEmojis } from "../../db/schema/index.ts";
import type { CustomEmojiRow } from "../instance/custom-emojis.ts";
import { SQL_SHORTCODE_PATTERN } from "./shortcodes.ts";

const codec = jsonRowCodec(customEmojis);

/** SQL text of the account's emojifiable text, the `accounts` row aliased as `a`. */
export function emojifiableTextSql(a: string): string {
  return `${a}.note || ' ' || ${a}.display_name || ' ' || coalesce((SELECT string_agg(
    concat_ws(' ', f ->> 'name', f ->> 'value'), ' ') FROM jsonb_array_elements(${a}.fields) f), '')`;
}

/**
 * A column of candidate emojis (JSON rows, null when none) for the `accounts`
 * row of the query it is selected in. The unique index on
 * (shortcode, coalesce(domain, '')) finds each one.
 */
export const ACCOUNT_EMOJIS: SQL<Record<string, unknown>[] | null> = sql<
  Record<string, unknown>[] | null
>`(SELECT json_agg(x) FROM (SELECT ${sql.raw(codec.selectList("e"))} FROM custom_emojis e
  WHERE NOT e.disabled AND coalesce(e.domain, '') = coalesce(${accounts.domain}, '')
    AND e.shortcode IN (SELECT (regexp_matches(${accounts.note} || ' ' || ${accounts.displayName}
      || ' ' || coalesce((SELECT string_agg(concat_ws(' ', f ->> 'name', f ->> 'value'), ' ')
        FROM jsonb_array_elements(${accounts.fields}) f), ''),
      ${SQL_SHORTCODE_PATTERN}, 'g'))[1])) x)`;

/** The rows of an ACCOUNT_EMOJIS column. */
export function decodeEmojis(json: Record<string, unknown>[] | null | undefined): CustomEmojiRow[] {
  return (json ?? []).map((e) => codec.decode(e));
}
