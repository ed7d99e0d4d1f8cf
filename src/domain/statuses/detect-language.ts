// Guessing the language of a status from its text, for a post made without
// a `language` (the "language (given or detected)"). The rules are
// those of Mastodon's LanguageDetector (app/lib/language_detector.rb, before
// 4.0 removed it): URLs, mentions, hashtags and custom emoji shortcodes are
// left out, and only text of at least 4 words, or mostly in a script that
// names its language (Han, kana, Hangul, Hebrew, Arabic...), is guessed at;
// a guess that is not clearly ahead of the next one is no guess. Where
// Mastodon asked CLD3, Herd asks tinyld (pure JavaScript, 62 languages).
//
// tinyld's language profiles cost about 100 ms and 50 MiB the first time they
// are loaded, so they are imported on the first post that needs a guess, not
// when Herd starts.
import type * as TinyLd from "tinyld";
import { validLanguage } from "./languages.ts";

/** LanguageDetector::WORDS_THRESHOLD. */
const WORDS_THRESHOLD = 4;

/** LanguageDetector::RELIABLE_CHARACTERS_RE: scripts used by few languages. */
const RELIABLE_CHARACTERS_RE =
  /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Han}\p{Script=Katakana}\p{Script=Hiragana}\p{Script=Hangul}]/gu;

/**
 * tinyld's `accuracy` is a relative score: a guess is kept when it reaches
 * MIN_ACCURACY and at least RUNNER_UP_RATIO times the next language's score.
 * On 45 short posts in 17 languages every guess kept was right; the wrong
 * ones (Spanish read as Portuguese, Swedish as Norwegian) came out nearly
 * tied with the right language, and were dropped with a few right ones.
 */
const MIN_ACCURACY = 0.1;
const RUNNER_UP_RATIO = 2;

// What is left out before guessing. Approximations of Herd's own patterns
// (src/lib/text-to-html.ts) are enough here: the point is to drop words that
// belong to no language.
const URL_RE = /\bhttps?:\/\/\S+/giu;
const MENTION_RE = /(?<![\p{L}\p{N}_/=])@[\p{L}\p{N}_.-]+(?:@[\p{L}\p{N}_.-]+)?/gu;
const HASHTAG_RE = /(?<![\p{L}\p{N}_/=)])#[\p{L}\p{M}\p{N}_·]+/gu;
const EMOJI_RE = /:[a-zA-Z0-9_]{2,}:/g;

/** The text a guess is made on (LanguageDetector#prepare_text). */
function prepareText(text: string): string {
  return text
    .replace(URL_RE, " ")
    .replace(MENTION_RE, " ")
    .replace(HASHTAG_RE, " ")
    .replace(EMOJI_RE, " ")
    .replace(/\s+/gu, " ")
    .trim();
}

/** LanguageDetector#reliable_input?: enough words, or mostly a telling script. */
function reliableInput(text: string): boolean {
  if (text.split(/\s+/u).length >= WORDS_THRESHOLD) return true;
  const telling = text.match(RELIABLE_CHARACTERS_RE)?.length ?? 0;
  return telling / [...text].length > 0.3;
}

// The module, once imported: a cache of what import() returns, filled on the
// first call, never at import time.
let tinyld: Promise<typeof TinyLd | null> | undefined;

function loadTinyLd(): Promise<typeof TinyLd | null> {
  tinyld ??= import("tinyld").catch(() => {
    // Not fatal: statuses keep the author's language; the next call tries again.
    tinyld = undefined;
    return null;
  });
  return tinyld;
}

/**
 * The language `text` is written in, as one of Herd's supported language
 * codes, or null when the text is too short or the guess unsure.
 */
export async function detectLanguage(text: string): Promise<string | null> {
  const prepared = prepareText(text);
  if (prepared === "" || !reliableInput(prepared)) return null;
  const detector = await loadTinyLd();
  if (!detector) return null;
  const [best, next] = detector.detectAll(prepared);
  if (!best || best.accuracy < MIN_ACCURACY) return null;
  if (next && best.accuracy < next.accuracy * RUNNER_UP_RATIO) return null;
  return validLanguage(best.lang);
}
