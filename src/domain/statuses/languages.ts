// The languages a status may be written in, as Mastodon's
// LanguagesHelper::SUPPORTED_LOCALES (ISO 639-1 codes, a few regional
// variants and the ISO 639-3 codes Mastodon adds), and its
// valid_locale_cascade: the first value that names a supported language wins,
// a region suffix (`en_US`, `ja-JP`) being dropped when only the language is
// known. A language Herd does not know is not an error: it falls through to
// the next choice, as in Mastodon. A new status without a language gets the
// author's posting language, else one detected in its text (detect-language.ts).
const ISO_639_1 =
  "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy " +
  "da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu " +
  "hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb " +
  "lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om " +
  "or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw " +
  "ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu";
const REGIONAL = "es-AR es-MX pt-BR pt-PT sr-Latn zh-CN zh-HK zh-TW zh-YUE";
const ISO_639_3 =
  "ast chr ckb cnr csb fil gsw jbo kab ldn lfn moh nds pdc sco sma smj szl tok vai xal zba zgh";

const SUPPORTED: ReadonlySet<string> = new Set(
  `${ISO_639_1} ${REGIONAL} ${ISO_639_3}`.split(" ").filter((x) => x !== ""),
);

/** The instance's default locale (Mastodon's I18n.default_locale). */
export const DEFAULT_LANGUAGE = "en";

/** Whether `code` names a supported language exactly (LanguagesHelper#valid_locale?). */
export function isSupportedLanguage(code: string): boolean {
  return SUPPORTED.has(code);
}

/** Mastodon's valid_locale_or_nil. */
export function validLanguage(value: unknown): string | null {
  if (typeof value !== "string" || value.trim() === "") return null;
  if (isSupportedLanguage(value)) return value;
  const [code = ""] = value.split(/[_-]/);
  return SUPPORTED.has(code) ? code : null;
}

/** Mastodon's valid_locale_cascade: the first supported language of `choices`. */
export function languageCascade(...choices: unknown[]): string | null {
  for (const choice of choices) {
    const language = validLanguage(choice);
    if (language) return language;
  }
  return null;
}
