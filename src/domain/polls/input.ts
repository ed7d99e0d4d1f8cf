// The `poll` of POST and PUT /api/v1/statuses
// (https://docs.joinmastodon.org/methods/statuses/#create, `poll[options][]`,
// `poll[expires_in]`, `poll[multiple]`, `poll[hide_totals]`), read as Rails
// permits it and checked as Mastodon's Poll model does: options stripped and
// blank ones dropped (Poll#prepare_options), then PollOptionsValidator and
// PollExpirationValidator, with the attribute names of
// config/locales/activerecord.en.yml ("Choices", "Deadline").
import { POLL_LIMITS } from "../instance/limits.ts";
import { rubyToI } from "../statuses/status-media.ts";

/** The poll parameters as sent (ScheduledStatus#params keeps them in this shape). */
export interface PollParams {
  options: string[] | null;
  /** As sent: a JSON number stays one (ScheduledStatus#params shows it so). */
  expires_in: string | number | null;
  multiple: boolean;
  hide_totals: boolean;
}

/** A poll ready to be saved. */
export interface NewPoll {
  options: string[];
  expiresAt: Date | null;
  multiple: boolean;
  hideTotals: boolean;
}

const scalar = (v: unknown): string | undefined =>
  typeof v === "string"
    ? v
    : typeof v === "number" || typeof v === "boolean"
      ? String(v)
      : undefined;

/** ActiveModel::Type::Boolean: absent, blank or 0/f/false/off is false. */
const bool = (v: unknown) => {
  const s = scalar(v);
  return s !== undefined && s !== "" && !/^(0|f|false|off)$/i.test(s);
};

/**
 * `poll` as Rails permits it (`poll: [:multiple, :hide_totals, :expires_in,
 * options: []]`); null when nothing permitted is left, which is no poll.
 */
export function pollParams(value: unknown): PollParams | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const hash = value as Record<string, unknown>;
  const permitted = ["options", "expires_in", "multiple", "hide_totals"].filter((k) => {
    if (!Object.hasOwn(hash, k)) return false;
    return k === "options"
      ? Array.isArray(hash[k])
      : scalar(hash[k]) !== undefined || hash[k] === null;
  });
  if (permitted.length === 0) return null;
  const options = Array.isArray(hash.options)
    ? hash.options.map(scalar).filter((o): o is string => o !== undefined)
    : null;
  const raw = hash.expires_in;
  const expiresIn = typeof raw === "number" ? raw : scalar(raw);
  return {
    options,
    expires_in: expiresIn === undefined ? null : expiresIn,
    multiple: bool(hash.multiple),
    hide_totals: bool(hash.hide_totals),
  };
}

const graphemes = (text: string) =>
  [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)].length;

/** The longest `expires_in` worth computing with: anything past it is "too far" anyway. */
const MAX_SECONDS = 100 * POLL_LIMITS.maxExpiration;

/**
 * The poll `params` describe, and Mastodon's messages for what is wrong with
 * it (empty when nothing is), in the model's order.
 */
export function checkPoll(
  params: PollParams,
  now = new Date(),
): { poll: NewPoll; errors: string[] } {
  const options = (params.options ?? []).map((o) => o.trim()).filter((o) => o !== "");
  let expiresAt: Date | null = null;
  let seconds = 0;
  const expiresIn = params.expires_in === null ? "" : String(params.expires_in);
  if (expiresIn.trim() !== "") {
    const n =
      typeof params.expires_in === "number"
        ? Math.trunc(params.expires_in)
        : Number(rubyToI(expiresIn));
    seconds = Math.max(-MAX_SECONDS, Math.min(MAX_SECONDS, n));
    expiresAt = new Date(now.getTime() + seconds * 1000);
  }
  const errors: string[] = [];
  if (options.length === 0) errors.push("Choices can't be blank");
  if (expiresAt === null) errors.push("Deadline can't be blank");
  if (options.length <= 1) errors.push("Choices must have more than one item");
  if (options.length > POLL_LIMITS.maxOptions) {
    errors.push(`Choices can't contain more than ${POLL_LIMITS.maxOptions} items`);
  }
  if (options.some((o) => graphemes(o) > POLL_LIMITS.maxCharactersPerOption)) {
    errors.push(
      `Choices cannot be longer than ${POLL_LIMITS.maxCharactersPerOption} characters each`,
    );
  }
  if (new Set(options).size !== options.length) errors.push("Choices contain duplicate items");
  if (expiresAt !== null) {
    if (seconds > POLL_LIMITS.maxExpiration) errors.push("Deadline is too far into the future");
    if (seconds < POLL_LIMITS.minExpiration) errors.push("Deadline is too soon");
  }
  return {
    poll: { options, expiresAt, multiple: params.multiple, hideTotals: params.hide_totals },
    errors,
  };
}
