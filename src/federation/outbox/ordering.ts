// Ordering keys: activities about one thing reach each server in the order
// they were made (a Create before the Delete of the same post, a Follow
// before its Undo), where the queue can keep that order (job-queue.ts).
// - Fedify's `orderingKey` (sendActivity, forwardActivity): Fedify keys each
//   delivery by it and the inbox's origin, and its fan-out by it alone.
//   Activities about an object (Create, Update, Delete, Add, Remove, Move)
//   and answers to an activity (Undo, Accept, Reject) are keyed by their
//   object's id; the activities those answer (Follow, Like, Announce, Block,
//   ...) by their own id, which is their Undo's object.
// - The `federation.outgoing` jobs that build those activities from domain
//   events (outgoing.ts) are keyed by what the event is about, so that two
//   events about one thing are turned into activities in order too.
import {
  Accept,
  Add,
  Create,
  Delete,
  Move,
  Reject,
  Remove,
  Undo,
  Update,
  type Activity,
} from "@fedify/vocab";
import type { DomainEvent } from "../../domain/events/types.ts";

const BY_OBJECT = [Create, Update, Delete, Add, Remove, Move, Undo, Accept, Reject];

/** The ordering key of `activity` for Fedify (undefined: none, when it has no id). */
export function activityOrderingKey(activity: Activity): string | undefined {
  const byObject = BY_OBJECT.some((type) => activity instanceof type);
  return ((byObject ? activity.objectId : null) ?? activity.id)?.href;
}

/** The ordering key of the outgoing job of `event` (undefined: no order to keep). */
export function eventOrderingKey(event: DomainEvent): string | undefined {
  switch (event.type) {
    case "status.created":
    case "status.updated":
    case "status.deleted":
    case "poll.closed":
      return `status:${event.statusId}`;
    case "poll.voted":
      return `vote:${event.accountId}:${event.pollId}`;
    case "favourite.created":
    case "favourite.removed":
      return `favourite:${event.accountId}:${event.statusId}`;
    case "status.pinned":
    case "status.unpinned":
      return `pin:${event.accountId}:${event.statusId}`;
    case "follow.requested":
    case "follow.created":
    case "follow.removed":
    case "follow_request.authorized":
    case "follow_request.rejected":
    case "follower.removed":
      return `follow:${event.accountId}:${event.targetAccountId}`;
    case "block.created":
    case "block.removed":
      return `block:${event.accountId}:${event.targetAccountId}`;
    case "account.updated":
    case "account.deleted":
      return `account:${event.accountId}`;
    default:
      return undefined;
  }
}
