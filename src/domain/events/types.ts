// Domain events: what happened, told to whoever reacts to it after the fact
// (the streaming API now, federation next). Domain functions emit them inside
// the transaction that made the change (`emit` in emit.ts); the composition
// root decides who listens (bus.ts).
//
// Events carry ids and the few facts a listener needs to decide whether to
// look further, never rendered entities: a listener reads the rows again
// (statuses are soft-deleted, so even a deleted one can still be read), as
// the viewer it renders for. Every event stays well under PostgreSQL's
// NOTIFY limit of 8,000 bytes: lists of ids are cut into events of at most
// MAX_IDS_PER_EVENT ids (`feedInserted`).
import type { StatusRow, Visibility } from "../../db/schema/index.ts";
import type { HomeStatus } from "../timelines/home-status.ts";

/** What every status event says about the status. */
export interface StatusFacts {
  statusId: string;
  /** The author (the booster, for a boost). */
  accountId: string;
  visibility: Visibility;
  local: boolean;
  /** The boosted status, for a boost. */
  reblogOfId: string | null;
}

export type DomainEvent =
  /** A status was posted, or a boost made. */
  | ({ type: "status.created" } & StatusFacts)
  /**
   * A status was edited (its text, content warning, sensitivity or language),
   * or, with `preview`, its link preview card landed: streams show it again,
   * other servers fetch their own cards (Mastodon federates no card).
   */
  | ({ type: "status.updated"; preview?: true } & StatusFacts)
  /** A status (or boost) was deleted. */
  | ({ type: "status.deleted" } & StatusFacts)
  /**
   * A status entered home feeds (`ownerIds`: the accounts) or list feeds
   * (`ownerIds`: the lists) by fan-out, as Mastodon's FeedManager#push_to_home
   * and #push_to_list: only the feeds the rules let it into.
   */
  | { type: "feed.inserted"; feed: "home" | "list"; statusId: string; ownerIds: string[] }
  /**
   * Local status `status.id` is on its way into the home feeds of its
   * author's followers (the fan-out is queued): streams tell them now, by the
   * fan-out's own rules (with the facts those rules read, so that the
   * streams need not read them first), and the fan-out emits no
   * `feed.inserted` for those feeds (see src/streaming/dispatcher.ts).
   */
  | { type: "feed.fan-out"; status: HomeStatus }
  /** A notification was shown to `accountId` (not a filtered one). */
  | { type: "notification.created"; notificationId: string; accountId: string }
  /** Notification requests of `accountId` were accepted: their notifications joined the list. */
  | { type: "notifications.merged"; accountId: string }
  /** `accountId`'s direct conversation `conversationId` (an account_conversations row) changed. */
  | { type: "conversation.updated"; conversationId: string; accountId: string }
  /** `accountId` favourited status `statusId` (`statusLocal`: the status is this server's). */
  | ({ type: "favourite.created" } & FavouriteFacts)
  /** `accountId` took back its favourite `favouriteId`. */
  | ({ type: "favourite.removed" } & FavouriteFacts)
  /** `accountId` asked to follow `targetAccountId` (a locked or remote account): request `requestId`. */
  | ({ type: "follow.requested"; requestId: string } & PairFacts)
  /** `accountId` followed `targetAccountId` at once. */
  | ({ type: "follow.created"; followId: string } & PairFacts)
  /**
   * `accountId` stopped following `targetAccountId` (`requested`: withdrew its
   * request); `followId` is the follow's or request's id, `uri` its activity id.
   */
  | ({
      type: "follow.removed";
      followId: string;
      requested: boolean;
      uri: string | null;
    } & PairFacts)
  /** `targetAccountId` (a locked account) accepted the request of `accountId`: follow `followId`. */
  | ({ type: "follow_request.authorized"; followId: string; uri: string | null } & PairFacts)
  /** `targetAccountId` turned down (or, blocking, dropped) the request `requestId` of `accountId`. */
  | ({ type: "follow_request.rejected"; requestId: string; uri: string | null } & PairFacts)
  /** `targetAccountId` made its follower `accountId` stop following it (or blocked it). */
  | ({ type: "follower.removed"; followId: string; uri: string | null } & PairFacts)
  /** `accountId` blocked `targetAccountId` (block `blockId`). */
  | ({ type: "block.created"; blockId: string } & PairFacts)
  /** `accountId` unblocked `targetAccountId` (`uri`: the block's activity id, when it came with one). */
  | ({ type: "block.removed"; blockId: string; uri: string | null } & PairFacts)
  /** Local account `accountId`'s profile changed (update_credentials, avatar, header). */
  | { type: "account.updated"; accountId: string }
  /** Local account `accountId` (`username`) was deleted, with everything it owned. */
  | { type: "account.deleted"; accountId: string; username: string }
  /** `accountId` pinned its status `statusId` to its profile (pin `pinId`). */
  | { type: "status.pinned"; pinId: string; accountId: string; statusId: string }
  /** `accountId` unpinned its status `statusId` (the pin `pinId` is gone). */
  | { type: "status.unpinned"; pinId: string; accountId: string; statusId: string }
  /**
   * `accountId` voted in poll `pollId` of status `statusId`: the votes
   * `voteIds` (one per choice). A local voter in a remote poll tells its
   * author; a vote in a local poll changes the counts its audience is shown.
   */
  | ({
      type: "poll.voted";
      accountId: string;
      accountLocal: boolean;
      voteIds: string[];
    } & PollFacts)
  /** Poll `pollId` of status `statusId` has ended (its voters were told). */
  | ({ type: "poll.closed" } & PollFacts)
  /**
   * `accountId` reported `targetAccountId` (report `reportId`); `forward`:
   * other servers are to get a Flag (the report's forward_to_domains).
   */
  | {
      type: "report.created";
      reportId: string;
      accountId: string;
      targetAccountId: string;
      forward: boolean;
    };

/** What poll events say about the poll. */
export interface PollFacts {
  pollId: string;
  statusId: string;
  /** The poll's (and its status's) author. */
  pollAccountId: string;
  /** Whether the poll is this server's. */
  pollLocal: boolean;
  /** Counts hidden until it ends (`hide_totals`). */
  hideTotals: boolean;
}

/** What favourite events say. */
export interface FavouriteFacts {
  favouriteId: string;
  accountId: string;
  statusId: string;
  /** Whether the favourited status is this server's (a remote one is told with a Like). */
  statusLocal: boolean;
}

/** What events between two accounts say: who is whose, and who is this server's. */
export interface PairFacts {
  /** The account that follows, asks, or blocks. */
  accountId: string;
  /** The account followed, asked, or blocked. */
  targetAccountId: string;
  accountLocal: boolean;
  targetLocal: boolean;
}

export type DomainEventType = DomainEvent["type"];

/** The most ids one event carries: 200 ids of up to 19 digits stay under 4,400 bytes. */
export const MAX_IDS_PER_EVENT = 200;

/** A status event for `row`. */
export function statusEvent(
  type: "status.created" | "status.updated" | "status.deleted",
  row: Pick<StatusRow, "id" | "accountId" | "visibility" | "local" | "reblogOfId">,
): DomainEvent {
  return {
    type,
    statusId: row.id,
    accountId: row.accountId,
    visibility: row.visibility,
    local: row.local,
    reblogOfId: row.reblogOfId,
  };
}

/** `status.updated` for a link preview card that landed on `row` (not federated). */
export function previewLanded(
  row: Pick<StatusRow, "id" | "accountId" | "visibility" | "local" | "reblogOfId">,
): DomainEvent {
  return {
    type: "status.updated",
    preview: true,
    statusId: row.id,
    accountId: row.accountId,
    visibility: row.visibility,
    local: row.local,
    reblogOfId: row.reblogOfId,
  };
}

/** "Status `statusId` entered these feeds", as events of at most MAX_IDS_PER_EVENT owners. */
export function feedInserted(
  feed: "home" | "list",
  statusId: string,
  ownerIds: readonly string[],
): DomainEvent[] {
  const events: DomainEvent[] = [];
  for (let i = 0; i < ownerIds.length; i += MAX_IDS_PER_EVENT) {
    const chunk = ownerIds.slice(i, i + MAX_IDS_PER_EVENT).map(String);
    events.push({ type: "feed.inserted", feed, statusId, ownerIds: chunk });
  }
  return events;
}
