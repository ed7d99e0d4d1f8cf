// Polls going out (https://docs.joinmastodon.org/spec/activitypub/#Question):
// - a local account's vote in a remote poll, as Mastodon's VoteService#deliver_votes!
//   and ActivityPub::VoteSerializer: for each choice, a Create
//   (`<actor>#votes/<id>/activity`) of a Note (`<actor>#votes/<id>`) whose
//   `name` is the option and `inReplyTo` the poll's status, addressed and
//   delivered to the poll's author alone (its own inbox, not a shared one:
//   the vote is for nobody else);
// - a local poll's new counts (a vote, unless its totals are hidden until
//   it ends) or its end, as ActivityPub::DistributePollUpdateWorker and
//   UpdatePollSerializer: an Update of the Question (`<uri>#updates/<time>`)
//   to the author's followers (not for a direct status), the accounts the
//   status reaches (recipients.ts#statusReach) and the poll's remote voters.
//   New counts gather: a vote (local or remote, VoteService#distribute_poll!
//   and Create#poll_vote!) schedules the `federation.poll-update` job three
//   minutes later, once per status (DistributePollUpdateWorker.perform_in(3.minutes),
//   unique until executed): a busy poll sends one Update with the counts of
//   then, not one per vote. Its end is sent at once.
import type { Context, Federation } from "@fedify/fedify";
import { Create, Note, type Recipient } from "@fedify/vocab";
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import type { DomainEvent } from "../../domain/events/types.ts";
import type { JobHandler } from "../../jobs/queue.ts";
import type { FederationEnv } from "../env.ts";
import { buildNote, buildUpdate } from "../note.ts";
import { loadOutboxItems } from "../note-data.ts";
import { remoteFollowers, remoteRecipient, statusReach } from "./recipients.ts";
import { deliver, localActor, type Outgoing } from "./send.ts";

/** The job that sends a local poll's counts: { statusId }, one waiting per status. */
export const POLL_UPDATE_JOB = "federation.poll-update";

/** How long new counts wait to gather more votes (Mastodon's 3 minutes). */
export const POLL_UPDATE_DELAY_SECONDS = 3 * 60;

/**
 * In the transaction of a vote in local status `statusId`'s poll: the Update
 * of its counts, three minutes from now, unless one waits already.
 */
export async function schedulePollUpdate(
  env: FederationEnv,
  tx: DbOrTx,
  statusId: string,
): Promise<void> {
  await env.jobs.send(
    POLL_UPDATE_JOB,
    { statusId },
    { tx, delaySeconds: POLL_UPDATE_DELAY_SECONDS, singletonKey: statusId },
  );
}

/** Runs POLL_UPDATE_JOB: the status's poll as it is now, to its audience. */
export function pollUpdateJobHandler(env: FederationEnv, federation: Federation<void>): JobHandler {
  return async (data) => {
    const { statusId } = data as { statusId: string };
    const ctx: Context<void> = federation.createContext(new URL(env.urls.base), undefined);
    const { rows } = await env.db.execute<{ id: string }>(
      sql`SELECT id::text FROM polls WHERE status_id = ${statusId}::bigint`,
    );
    if (rows[0]) await sendPollUpdate({ env, ctx }, statusId, rows[0].id);
  };
}

type PollEvent = Extract<DomainEvent, { type: "poll.voted" | "poll.closed" }>;

/** Whether a remote server must hear of a poll event. */
export function pollEventFederates(event: PollEvent): boolean {
  if (event.type === "poll.closed") return event.pollLocal;
  if (event.pollLocal) return !event.hideTotals;
  return event.accountLocal;
}

export async function sendPollEvent(out: Outgoing, event: PollEvent): Promise<void> {
  if (event.type === "poll.voted" && !event.pollLocal) return sendVotes(out, event);
  if (event.pollLocal) return sendPollUpdate(out, event.statusId, event.pollId);
}

async function sendVotes(
  out: Outgoing,
  event: Extract<DomainEvent, { type: "poll.voted" }>,
): Promise<void> {
  const { env } = out;
  const voter = await localActor(env, event.accountId);
  const author = await remoteRecipient(env.db, event.pollAccountId);
  if (!voter || !author?.id || event.voteIds.length === 0) return;
  const { rows } = await env.db.execute<{ id: string; title: string | null; status_uri: string }>(
    sql`SELECT v.id::text, p.options[v.choice + 1] AS title, s.uri AS status_uri
      FROM poll_votes v JOIN polls p ON p.id = v.poll_id JOIN statuses s ON s.id = p.status_id
      WHERE v.id = ANY(${`{${event.voteIds.join(",")}}`}::bigint[])
        AND s.deleted_at IS NULL AND s.uri IS NOT NULL
      ORDER BY v.id`,
  );
  const actor = new URL(env.urls.actor(voter.username));
  // The author's own inbox: deliver() prefers shared inboxes, so none is given.
  const to: Recipient = { id: author.id, inboxId: author.inboxId, endpoints: null };
  for (const vote of rows) {
    if (vote.title === null) continue;
    const id = `${actor.href}#votes/${vote.id}`;
    const note = new Note({
      id: new URL(id),
      name: vote.title,
      attribution: actor,
      tos: [author.id],
      replyTarget: new URL(vote.status_uri),
    });
    const create = new Create({
      id: new URL(`${id}/activity`),
      actor,
      tos: [author.id],
      object: note,
    });
    await deliver(out, voter.username, [to], create);
  }
}

/** The remote accounts that voted in poll `pollId`, as recipients. */
async function remoteVoters(out: Outgoing, pollId: string): Promise<Recipient[]> {
  const { rows } = await out.env.db.execute<{
    uri: string;
    inbox_url: string;
    shared_inbox_url: string | null;
  }>(sql`SELECT a.uri, a.inbox_url, a.shared_inbox_url FROM accounts a
    WHERE a.id IN (SELECT v.account_id FROM poll_votes v WHERE v.poll_id = ${pollId}::bigint)
      AND a.domain IS NOT NULL AND a.uri IS NOT NULL AND a.inbox_url IS NOT NULL
      AND a.suspended_at IS NULL`);
  const list: Recipient[] = [];
  for (const r of rows) {
    try {
      list.push({
        id: new URL(r.uri),
        inboxId: new URL(r.inbox_url),
        endpoints: r.shared_inbox_url ? { sharedInbox: new URL(r.shared_inbox_url) } : null,
      });
    } catch {
      // A stored URL that does not parse: nothing can be delivered there.
    }
  }
  return list;
}

async function sendPollUpdate(out: Outgoing, statusId: string, pollId: string): Promise<void> {
  const { env } = out;
  const [item] = await loadOutboxItems(env.db, env.urls, env.config.localDomain, [statusId]);
  if (item?.kind !== "note" || !item.note.poll) return;
  const { rows } = await env.db.execute<{ account_id: string; deleted: boolean }>(
    sql`SELECT account_id::text, deleted_at IS NOT NULL AS deleted FROM statuses WHERE id = ${statusId}::bigint`,
  );
  const status = rows[0];
  if (!status || status.deleted) return;
  const author = await localActor(env, status.account_id);
  if (!author) return;
  const source = item.note;
  const recipients = [
    ...(source.visibility === "direct" ? [] : await remoteFollowers(env.db, author.id)),
    ...(await statusReach(env.db, statusId)),
    ...(await remoteVoters(out, pollId)),
  ];
  const update = buildUpdate(buildNote(source, env.urls), source, env.urls, new Date());
  await deliver(out, author.username, recipients, update);
}
