// Asking for a status's preview card: a `cards.fetch` job sent in the
// transaction that posts or edits the status (Mastodon's
// PostStatusService#postprocess_status! and UpdateStatusService#reset_preview_card!
// queue LinkCrawlWorker), so the job exists exactly when the change commits.
//
// Why here rather than a subscriber of `status.created` / `status.updated`:
// the job is wanted only when the text has a link or changed, which the
// events do not tell, and the card landing itself emits `status.updated`
// (so streams show it), which a subscriber would answer with another job.
// As in Mastodon, statuses with a content warning get a card too (the
// client hides it behind the warning).
import type { DbOrTx } from "../../db/database.ts";
import type { StatusRow } from "../../db/schema/index.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import { CARD_JOBS } from "./context.ts";

/**
 * Queues the card of `status` when it has a link: in its source for a local
 * status, in its HTML for another server's (Mastodon crawls the links of
 * remote statuses too, LinkCrawlWorker). `textChanged`: after an edit that
 * changed the text, whether it has one or not, so that a removed link takes
 * its card away.
 */
export async function requestLinkCard(
  tx: DbOrTx,
  jobs: JobQueue | null | undefined,
  status: Pick<StatusRow, "id" | "local" | "reblogOfId" | "text" | "content">,
  options: { textChanged?: boolean } = {},
): Promise<void> {
  if (!jobs || status.reblogOfId !== null) return;
  const source = status.local ? status.text : status.content;
  if (!options.textChanged && !/https?:\/\//i.test(source)) return;
  await jobs.send(CARD_JOBS.fetch, { statusId: status.id }, { tx });
}
