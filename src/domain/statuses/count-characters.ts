// The length of a status as Mastodon's StatusLengthValidator counts it: the
// content warning as written, plus the text where each URL counts as 23
// characters and a remote mention as its `@username` part, in grapheme
// clusters (what a reader sees as one character).
import { countableLength } from "../../lib/text-to-html.ts";

/** StatusLengthValidator::MAX_CHARS. */
export const MAX_STATUS_CHARS = 500;

/** URLs count this much whatever their length (StatusLengthValidator::URL_PLACEHOLDER_CHARS). */
export const URL_PLACEHOLDER_CHARS = 23;

function graphemes(text: string): number {
  const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
  let n = 0;
  for (const _ of segmenter.segment(text)) n++;
  return n;
}

/** The countable length of a status's text and content warning. */
export function statusLength(text: string, spoilerText: string): number {
  const countable = text.trim() === "" ? 0 : countableLength(text);
  return graphemes(spoilerText) + countable;
}
