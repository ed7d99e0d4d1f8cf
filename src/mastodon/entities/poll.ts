// Poll (https://docs.joinmastodon.org/entities/Poll/), as Mastodon's
// REST::PollSerializer and Poll#loaded_options:
// - an option's `votes_count` is null while a `hide_totals` poll runs (for
//   everyone, its author too: Poll#show_totals_now?), the total is not;
// - `voters_count` as counted (a number for every local poll; null only when
//   a remote server does not tell);
// - `voted` and `own_votes` only for a signed-in viewer; the author has
//   always "voted" (Poll#voted?);
// - `emojis`: the custom emojis of the options, from the author's server.
// Used inside the Status entity (status.ts loads what it needs with the page)
// and by GET /api/v1/polls/:id and its votes (renderPoll).
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { customEmojis, pollVotes, type PollRow } from "../../db/schema/index.ts";
import type { Urls } from "../../urls.ts";
import { serializeCustomEmoji, type CustomEmoji } from "./custom-emoji.ts";

export interface PollOption {
  title: string;
  votes_count: number | null;
}

export interface Poll {
  id: string;
  expires_at: string | null;
  expired: boolean;
  multiple: boolean;
  votes_count: number;
  voters_count: number | null;
  options: PollOption[];
  emojis: CustomEmoji[];
  voted?: boolean;
  own_votes?: number[];
}

/** CustomEmoji::SCAN_RE, as in status.ts. */
const EMOJI_RE = /(?<=[^\p{L}\p{N}:]|^):([a-zA-Z0-9_]{2,}):(?=[^\p{L}\p{N}:]|$)/gmu;

/** The shortcodes the options use, once each, in order. */
export function pollShortcodes(options: readonly string[]): string[] {
  return [...new Set([...options.join(" ").matchAll(EMOJI_RE)].map((m) => m[1] ?? ""))];
}

export interface PollViewer {
  accountId: string;
  /** The viewer's choices, in the order voted. */
  ownVotes: number[];
}

export function serializePoll(
  poll: PollRow,
  viewer: PollViewer | null,
  emojis: CustomEmoji[],
  now: number = Date.now(),
): Poll {
  const expired = poll.expiresAt !== null && poll.expiresAt.getTime() < now;
  const showTotals = expired || !poll.hideTotals;
  const entity: Poll = {
    id: poll.id,
    expires_at: poll.expiresAt ? poll.expiresAt.toISOString() : null,
    expired,
    multiple: poll.multiple,
    votes_count: poll.votesCount,
    voters_count: poll.votersCount,
    options: poll.options.map((title, i) => ({
      title,
      votes_count: showTotals ? (poll.cachedTallies[i] ?? 0) : null,
    })),
    emojis,
  };
  if (viewer) {
    entity.voted = viewer.accountId === poll.accountId || viewer.ownVotes.length > 0;
    entity.own_votes = viewer.ownVotes;
  }
  return entity;
}

/** One poll as `viewerId` (null: a visitor) sees it, with its own votes and emojis loaded. */
export async function renderPoll(
  db: Db,
  poll: PollRow,
  viewerId: string | null,
  urls: Urls,
): Promise<Poll> {
  const votes =
    viewerId === null
      ? []
      : await db
          .select({ choice: pollVotes.choice })
          .from(pollVotes)
          .where(and(eq(pollVotes.pollId, poll.id), eq(pollVotes.accountId, viewerId)))
          .orderBy(pollVotes.id);
  const codes = pollShortcodes(poll.options);
  const emojiRows =
    codes.length === 0
      ? []
      : await db
          .select()
          .from(customEmojis)
          .where(
            and(
              inArray(customEmojis.shortcode, codes),
              eq(customEmojis.disabled, false),
              sql`${customEmojis.domain} IS NOT DISTINCT FROM
                (SELECT a.domain FROM accounts a WHERE a.id = ${poll.accountId}::bigint)`,
            ),
          );
  const byCode = new Map(emojiRows.map((e) => [e.shortcode, e]));
  const emojis = codes
    .map((code) => byCode.get(code))
    .filter((e) => e !== undefined)
    .map((e) => serializeCustomEmoji(e, urls));
  return serializePoll(
    poll,
    viewerId === null ? null : { accountId: viewerId, ownVotes: votes.map((v) => v.choice) },
    emojis,
  );
}
