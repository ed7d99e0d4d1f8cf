// Every local action federates in reaction to its domain event, never from a
// route (ARCHITECTURE.md, "Domain events"): an in-transaction subscriber
// sends a durable `federation.outgoing` job in the emitting transaction for
// each event a remote server must hear of, so the job exists exactly when
// the change commits; the job builds the activity and hands it to Fedify
// (send.ts), which queues one delivery per inbox.
//
// Which events federate: statuses and boosts of local authors; favourites of
// remote statuses; follows, follow requests and blocks between a local and
// a remote account (in the direction the local account acts); profile
// changes, account deletion, pins; votes of local accounts in remote polls,
// and the counts and end of local polls (polls.ts); reports forwarded to
// other servers (a Flag, reports.ts). Everything else
// (local-only actions, what remote accounts did) stays home.
import type { Context, Federation } from "@fedify/fedify";
import type { InTransactionSubscriber } from "../../domain/events/bus.ts";
import type { DomainEvent } from "../../domain/events/types.ts";
import type { JobHandler } from "../../jobs/queue.ts";
import type { FederationEnv } from "../env.ts";
import {
  prepareDeletion,
  sendAccountDeletion,
  sendProfileUpdate,
  type PreparedDeletion,
} from "./accounts.ts";
import { sendGraph } from "./graph.ts";
import { eventOrderingKey } from "./ordering.ts";
import { sendFavourite, sendPin } from "./interactions.ts";
import { pollEventFederates, schedulePollUpdate, sendPollEvent } from "./polls.ts";
import { sendFlag } from "./reports.ts";
import { sendStatus } from "./statuses.ts";

/** The job that turns one domain event into its activity. */
export const OUTGOING_JOB = "federation.outgoing";

interface OutgoingJob {
  event: DomainEvent;
  /** For account.deleted: what the Delete needs, read before the account went. */
  deletion?: PreparedDeletion;
}

/** Whether a remote server must hear of `event`. */
export function federates(event: DomainEvent): boolean {
  switch (event.type) {
    case "status.created":
    case "status.deleted":
      return event.local;
    case "status.updated":
      return event.local && !event.preview;
    case "favourite.created":
    case "favourite.removed":
      return !event.statusLocal;
    case "follow.requested":
    case "follow.removed":
    case "block.created":
    case "block.removed":
      return event.accountLocal && !event.targetLocal;
    case "follow_request.authorized":
    case "follow_request.rejected":
    case "follower.removed":
      return event.targetLocal && !event.accountLocal;
    case "account.updated":
    case "account.deleted":
    case "status.pinned":
    case "status.unpinned":
      return true;
    case "poll.voted":
    case "poll.closed":
      return pollEventFederates(event);
    case "report.created":
      return event.forward;
    default:
      return false;
  }
}

/** The subscriber the composition root registers on the event bus. */
export function outgoingSubscriber(env: FederationEnv): InTransactionSubscriber {
  return async (tx, events) => {
    for (const event of events) {
      if (!federates(event)) continue;
      if (event.type === "poll.voted" && event.pollLocal) {
        // New counts of a local poll wait a while to gather more votes (polls.ts).
        await schedulePollUpdate(env, tx, event.statusId);
        continue;
      }
      const job: OutgoingJob = { event };
      if (event.type === "account.deleted") {
        // Never blocks the deletion: at worst its Delete is not sent.
        const deletion = await prepareDeletion(env, event).catch((err: unknown) => {
          env.logger.warn("could not prepare the Delete of a deleted account", { err });
          return null;
        });
        if (!deletion) continue;
        job.deletion = deletion;
      }
      // Two events about one thing become activities in order (ordering.ts).
      const orderingKey = eventOrderingKey(event);
      await env.jobs.send(OUTGOING_JOB, job, { tx, ...(orderingKey ? { orderingKey } : {}) });
    }
  };
}

/** Runs OUTGOING_JOB: builds the event's activity and sends it. */
export function outgoingJobHandler(env: FederationEnv, federation: Federation<void>): JobHandler {
  return async (data) => {
    const { event, deletion } = data as OutgoingJob;
    const ctx: Context<void> = federation.createContext(new URL(env.urls.base), undefined);
    const out = { env, ctx };
    switch (event.type) {
      case "status.created":
      case "status.updated":
      case "status.deleted":
        return sendStatus(out, event);
      case "favourite.created":
      case "favourite.removed":
        return sendFavourite(out, event);
      case "status.pinned":
      case "status.unpinned":
        return sendPin(out, event);
      case "follow.requested":
      case "follow.removed":
      case "follow_request.authorized":
      case "follow_request.rejected":
      case "follower.removed":
      case "block.created":
      case "block.removed":
        return sendGraph(out, event);
      case "account.updated":
        return sendProfileUpdate(out, event.accountId);
      case "account.deleted":
        if (deletion) await sendAccountDeletion(env, ctx, event, deletion);
        return;
      case "poll.voted":
      case "poll.closed":
        return sendPollEvent(out, event);
      case "report.created":
        return sendFlag(out, event);
      default:
        return;
    }
  };
}
