// What a local status must be to be saved (Mastodon's Status validations, in
// their order): a known visibility, some text (unless it has media), at
// most 500 countable characters with the content warning, no hashtag an
// admin made unusable, then its poll's problems (accepts_nested_attributes_for
// validates the poll after the status). All problems are named in one 422,
// as Rails' "Validation failed: A, B".
import type { DbOrTx } from "../../db/database.ts";
import type { Visibility } from "../../db/schema/index.ts";
import { unprocessable } from "../errors.ts";
import { MAX_STATUS_CHARS, statusLength } from "./count-characters.ts";
import { disallowedHashtags } from "./tags.ts";

export const VISIBILITIES: readonly Visibility[] = ["public", "unlisted", "private", "direct"];

export function isVisibility(value: unknown): value is Visibility {
  return typeof value === "string" && (VISIBILITIES as readonly string[]).includes(value);
}

export async function validateStatus(
  tx: DbOrTx,
  status: {
    visibility: string;
    text: string;
    spoilerText: string;
    /** Status#with_media?: a status with attachments may have no text. */
    withMedia?: boolean;
    /** The poll's own problems (src/domain/polls/input.ts). */
    pollErrors?: readonly string[];
  },
): Promise<void> {
  const errors: string[] = [];
  if (!isVisibility(status.visibility)) errors.push("Visibility is not included in the list");
  if (!status.withMedia && /^\s*$/u.test(status.text)) errors.push("Text can't be blank");
  if (statusLength(status.text, status.spoilerText) > MAX_STATUS_CHARS) {
    errors.push(`Text character limit of ${MAX_STATUS_CHARS} exceeded`);
  }
  const disallowed = await disallowedHashtags(tx, status.text);
  if (disallowed.length === 1) {
    errors.push(`Text contains a disallowed hashtag: ${disallowed[0]}`);
  } else if (disallowed.length > 1) {
    errors.push(`Text contains the disallowed hashtags: ${disallowed.join(", ")}`);
  }
  errors.push(...(status.pollErrors ?? []));
  if (errors.length > 0) throw unprocessable(`Validation failed: ${errors.join(", ")}`);
}
