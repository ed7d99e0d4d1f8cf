// What the home feed rules need to know of a status before the statement
// that delivers it is built (feed-filter.ts): the fan-out job reads it, and
// the `feed.fan-out` event carries it to the streams, which check their
// viewers by the same rules without reading the status first.
import type { Visibility } from "../../db/schema/index.ts";

/**
 * What the home rules read of the status being delivered, known before the
 * statement is built: who wrote it, what it replies to or boosts, its
 * language and visibility. None of them changes but the language, by an
 * edit, which the fan-out job reads again when it runs.
 */
export interface HomeStatus {
  id: string;
  accountId: string;
  inReplyToId: string | null;
  inReplyToAccountId: string | null;
  reblogOfId: string | null;
  language: string | null;
  visibility: Visibility;
}

/** The facts of `row` alone (a statuses row has more, which an event need not carry). */
export function homeStatusOf(row: HomeStatus): HomeStatus {
  const { id, accountId, inReplyToId, inReplyToAccountId, reblogOfId, language, visibility } = row;
  return { id, accountId, inReplyToId, inReplyToAccountId, reblogOfId, language, visibility };
}
