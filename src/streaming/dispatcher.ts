// From domain events to stream messages, in each process for its own
// subscriptions, as Mastodon's publishers and streaming server together:
//
// | domain event          | stream event    | to                                           |
// | --------------------- | --------------- | -------------------------------------------- |
// | feed.fan-out          | update          | user streams of the author's followers (1)   |
// | feed.inserted (home)  | update          | user streams of the feeds' owners (1)        |
// | feed.inserted (list)  | update          | list streams of those lists (1)              |
// | status.created        | update          | public and hashtag streams (2)               |
// | status.updated        | status.update   | user and list streams whose feed holds it,   |
// |                       |                 | public and hashtag streams (2)               |
// | status.deleted        | delete          | wherever it may have gone (3)                |
// | notification.created  | notification    | user (with read:notifications) and          |
// |                       |                 | user:notification streams of the recipient   |
// | notifications.merged  | notifications_  | the same                                     |
// |                       | merged          |                                              |
// | conversation.updated  | conversation    | direct stream of the conversation's owner    |
//
// (1) FeedManager#push_to_home / #push_to_list: the fan-out emits the feeds
//     the rules let the status into, so the streams honour the same rules.
//     Followers' home streams do not wait for the fan-out's inserts of a
//     local status: when its fan-out is queued (feed.fan-out, in the posting
//     transaction), each process checks its own connected viewers with the
//     fan-out's rules (receivesByFollow) and the privacy policy in one
//     query; the fan-out emits no feed.inserted for those feeds. Other
//     servers' statuses, and the author's own feed and hashtag followers'
//     feeds, go by feed.inserted after the inserts. Measured: the last of
//     1,000 followers' clients had a post about 30 ms sooner at p50
//     (bench/streaming.ts).
// (2) FanOutOnWriteService#broadcast_to_public_streams! and
//     #broadcast_to_hashtag_streams!: public statuses that are not boosts, by
//     accounts not silenced; replies to others reach hashtags only; :local /
//     :remote by origin; statuses with media also to the :media variants.
// (3) RemoveStatusService: the author's and its followers' (unless direct)
//     and mentioned accounts' user streams, followers of its hashtags, lists
//     that include its author, public and hashtag streams when it was
//     public, direct streams of its participants when it was direct. A
//     `delete` says only an id.
//
// Every status payload is checked at delivery against the privacy policy as
// the viewer's REST timeline would be (render.ts). Events are prepared
// concurrently but sent in the order they arrived, and each subscription
// gets at most one message per event. The events heard in one turn of the
// event loop are taken together, and a fan-out's consecutive feed events of
// one status are made one (`coalesce`): its 1,000 receivers cost one check
// and render, not five (bench/streaming.ts).
import type { SQL } from "drizzle-orm";
import type { Db } from "../db/database.ts";
import { idTime } from "../lib/ids.ts";
import type { DomainEvent, StatusFacts as EventFacts } from "../domain/events/types.ts";
import type { Logger } from "../logger.ts";
import type { Urls } from "../urls.ts";
import { Outgoing, type Hub, type Subscription } from "./hub.ts";
import {
  conversationPayload,
  createRenderCache,
  deletionAudience,
  everyViewer,
  followerReaders,
  homeReaders,
  listReaders,
  listsIncluding,
  notificationPayload,
  readerSignatures,
  statusFacts,
  statusPayloads,
  statusReaders,
  type StatusFacts,
} from "./render.ts";

type Deliveries = Map<Subscription, Outgoing>;

export interface Dispatcher {
  /** Takes the events of one message, in order. */
  handle(events: readonly DomainEvent[]): void;
  /** Resolves once everything handed so far has been sent. */
  idle(): Promise<void>;
  /**
   * Resolves once the streams here have been sent the new local status
   * `statusId` (its `feed.fan-out` event), waiting for that event if it has
   * not come yet, or after `maxMs` at most; at once when no home stream is
   * open here, or when the status is older than `maxMs` (by its id).
   * The fan-out job waits on it (main.ts): on a small machine the 1,000
   * writes of the home feeds competed with the streams' check and sends,
   * and the streams are the live path (bench/streaming.ts: beyond the
   * post's own latency, p99 70-75 ms with the job running alongside, 44 ms
   * with it after).
   */
  delivered(statusId: string, maxMs: number): Promise<void>;
}

export interface DispatcherOptions {
  db: Db;
  hub: Hub;
  urls: Urls;
  logger: Logger;
}

/** Subscriptions by the account they belong to. */
function byViewer(subscriptions: Iterable<Subscription>): Map<string, Subscription[]> {
  const out = new Map<string, Subscription[]>();
  for (const sub of subscriptions) {
    const list = out.get(sub.user.accountId);
    if (list) list.push(sub);
    else out.set(sub.user.accountId, [sub]);
  }
  return out;
}

/**
 * `events` with each run of consecutive `feed.inserted` events of one status
 * and feed made one: a fan-out tells of a status's feeds in events of at
 * most MAX_IDS_PER_EVENT owners (NOTIFY's size limit), and checking and
 * rendering a status once for all its receivers costs a fraction of doing it
 * once per event. Order is kept; an owner named twice is named once.
 */
export function coalesce(events: readonly DomainEvent[]): DomainEvent[] {
  const out: DomainEvent[] = [];
  let run: { event: DomainEvent & { type: "feed.inserted" }; owners: Set<string> } | null = null;
  for (const event of events) {
    if (
      event.type === "feed.inserted" &&
      run &&
      run.event.feed === event.feed &&
      run.event.statusId === event.statusId
    ) {
      for (const id of event.ownerIds) run.owners.add(id);
      continue;
    }
    if (run) run.event.ownerIds = [...run.owners];
    run = null;
    if (event.type === "feed.inserted") {
      run = { event: { ...event }, owners: new Set(event.ownerIds) };
      out.push(run.event);
    } else {
      out.push(event);
    }
  }
  if (run) run.event.ownerIds = [...run.owners];
  return out;
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { db, hub, urls, logger } = options;
  const cache = createRenderCache();
  let tail: Promise<void> = Promise.resolve();
  /** The local statuses whose feed.fan-out event is awaited or under way, and who waits. */
  const fanOuts = new Map<string, { done: Promise<void>; resolve: () => void }>();
  const fanOutOf = (statusId: string) => {
    let entry = fanOuts.get(statusId);
    if (!entry) {
      let resolve: () => void = () => undefined;
      const done = new Promise<void>((r) => (resolve = r));
      fanOuts.set(statusId, (entry = { done, resolve }));
    }
    return entry;
  };
  /** Statuses sent before anyone asked (the event came before the job), the last 1,000. */
  const sentEarly = new Set<string>();
  const fanOutSent = (statusId: string) => {
    const entry = fanOuts.get(statusId);
    if (entry) {
      entry.resolve();
      fanOuts.delete(statusId);
      return;
    }
    sentEarly.add(statusId);
    if (sentEarly.size > 1_000) sentEarly.delete(sentEarly.values().next().value!);
  };

  /**
   * Renders `statusId` for the viewers of `subs` that `readers` (a query of
   * viewer ids, see render.ts) yields, and addresses `event` to each.
   */
  async function statusTo(
    out: Deliveries,
    event: string,
    statusId: string,
    subs: Map<string, Subscription[]>,
    readers: SQL,
  ): Promise<void> {
    const signatures = await readerSignatures(db, statusId, readers);
    const payloads = await statusPayloads(db, statusId, signatures, urls, cache);
    const messages = new Map<string, Outgoing>();
    for (const viewer of signatures.keys()) {
      const json = payloads.get(viewer);
      if (json === undefined) continue;
      let message = messages.get(json);
      if (!message) messages.set(json, (message = new Outgoing(event, json)));
      for (const sub of subs.get(viewer) ?? []) if (!out.has(sub)) out.set(sub, message);
    }
  }

  /** Every home subscription here, by viewer. */
  const everyHome = () => byViewer([...hub.ids("home")].flatMap((id) => [...hub.on("home", id)]));

  /** The public and hashtag channels a status reaches (broadcastable statuses only). */
  function publicSubscriptions(facts: StatusFacts): Subscription[] {
    if (facts.visibility !== "public" || facts.reblog || facts.silenced) return [];
    const subs: Subscription[] = [];
    if (!facts.replyToOther) {
      const origin = facts.local ? "local" : "remote";
      subs.push(...hub.on("public", ""), ...hub.on("public", origin));
      if (facts.media) {
        subs.push(...hub.on("public", "media"), ...hub.on("public", `${origin}:media`));
      }
    }
    for (const tag of new Set(facts.tags)) {
      subs.push(...hub.on("hashtag", tag));
      if (facts.local) subs.push(...hub.on("hashtag", `local:${tag}`));
    }
    return subs;
  }

  const broadcastable = (e: EventFacts) => e.visibility === "public" && e.reblogOfId === null;

  async function toPublic(out: Deliveries, event: string, e: EventFacts): Promise<void> {
    if (!broadcastable(e) || (!hub.any("public") && !hub.any("hashtag"))) return;
    const facts = await statusFacts(db, e.statusId);
    if (!facts) return;
    const subs = byViewer(publicSubscriptions(facts));
    if (subs.size === 0) return;
    await statusTo(out, event, e.statusId, subs, statusReaders(e.statusId, [...subs.keys()]));
  }

  async function feedInserted(
    out: Deliveries,
    feed: "home" | "list",
    statusId: string,
    ownerIds: readonly string[],
  ): Promise<void> {
    if (feed === "home") {
      const subs = byViewer(ownerIds.flatMap((id) => [...hub.on("home", id)]));
      if (subs.size === 0) return;
      await statusTo(out, "update", statusId, subs, homeReaders(statusId, [...subs.keys()]));
      return;
    }
    await toLists(out, "update", statusId, ownerIds);
  }

  async function toLists(
    out: Deliveries,
    event: string,
    statusId: string,
    listIds: Iterable<string>,
  ): Promise<void> {
    const lists = [...listIds].flatMap((listId) =>
      [...hub.on("list", listId)].map((sub) => ({ listId, ownerId: sub.user.accountId, sub })),
    );
    if (lists.length === 0) return;
    const open = new Set(await listReaders(db, statusId, lists));
    const subs = byViewer(lists.filter((l) => open.has(l.listId)).map((l) => l.sub));
    if (subs.size === 0) return;
    await statusTo(out, event, statusId, subs, everyViewer([...subs.keys()]));
  }

  async function statusUpdated(out: Deliveries, e: EventFacts): Promise<void> {
    cache.forget(e.statusId);
    const home = everyHome();
    if (home.size > 0) {
      await statusTo(
        out,
        "status.update",
        e.statusId,
        home,
        homeReaders(e.statusId, [...home.keys()]),
      );
    }
    await toLists(out, "status.update", e.statusId, hub.ids("list"));
    await toPublic(out, "status.update", e);
  }

  async function statusDeleted(out: Deliveries, e: EventFacts): Promise<void> {
    cache.forget(e.statusId);
    const message = new Outgoing("delete", e.statusId);
    const add = (subs: Iterable<Subscription>) => {
      for (const sub of subs) if (!out.has(sub)) out.set(sub, message);
    };
    const facts = await statusFacts(db, e.statusId);
    if (!facts) return;
    const viewers = [...hub.ids("home")];
    for (const id of await deletionAudience(db, e.statusId, facts, viewers)) {
      add(hub.on("home", id));
    }
    if (facts.visibility !== "direct") {
      for (const id of await listsIncluding(db, facts.accountId, [...hub.ids("list")])) {
        add(hub.on("list", id));
      }
    }
    add(publicSubscriptions(facts));
    if (facts.visibility === "direct") {
      for (const id of new Set([facts.accountId, ...facts.mentioned])) add(hub.on("direct", id));
    }
  }

  async function prepare(event: DomainEvent): Promise<Deliveries> {
    const out: Deliveries = new Map();
    if (hub.size === 0) return out;
    switch (event.type) {
      case "feed.inserted":
        await feedInserted(out, event.feed, event.statusId, event.ownerIds);
        break;
      case "feed.fan-out": {
        const home = everyHome();
        if (home.size === 0) break;
        const readers = followerReaders(event.status, [...home.keys()]);
        await statusTo(out, "update", event.status.id, home, readers);
        break;
      }
      case "status.created":
        await toPublic(out, "update", event);
        break;
      case "status.updated":
        await statusUpdated(out, event);
        break;
      case "status.deleted":
        await statusDeleted(out, event);
        break;
      case "notification.created": {
        const subs = [...hub.on("notifications", event.accountId)];
        if (subs.length === 0) break;
        const json = await notificationPayload(db, event.notificationId, event.accountId, urls);
        if (json === null) break;
        const message = new Outgoing("notification", json);
        for (const sub of subs) out.set(sub, message);
        break;
      }
      case "notifications.merged": {
        // UnfilterNotificationsWorker publishes the payload "1".
        const message = new Outgoing("notifications_merged", "1");
        for (const sub of hub.on("notifications", event.accountId)) out.set(sub, message);
        break;
      }
      case "conversation.updated": {
        const subs = [...hub.on("direct", event.accountId)];
        if (subs.length === 0) break;
        const json = await conversationPayload(db, event.conversationId, event.accountId, urls);
        if (json === null) break;
        const message = new Outgoing("conversation", json);
        for (const sub of subs) out.set(sub, message);
        break;
      }
    }
    return out;
  }

  /** Events heard but not yet prepared (see `coalesce`). */
  const heard: DomainEvent[] = [];
  let flushing: Promise<void> | null = null;

  function flush(): void {
    flushing = null;
    const batch = heard.splice(0);
    for (const event of coalesce(batch)) {
      const prepared = prepare(event).catch((err: unknown) => {
        logger.error("streaming: could not deliver an event", { type: event.type, err });
        return new Map() as Deliveries;
      });
      tail = tail
        .then(() => prepared)
        .then((deliveries) => {
          for (const [sub, message] of deliveries) {
            try {
              sub.send(message);
            } catch (err) {
              // One socket's failure must not stop the others, nor what follows.
              logger.error("streaming: could not send an event", { err });
            }
          }
        });
    }
    const sent = batch.flatMap((e) => (e.type === "feed.fan-out" ? [e.status.id] : []));
    if (sent.length > 0) {
      tail = tail.then(() => {
        for (const id of sent) fanOutSent(id);
      });
    }
  }

  return {
    handle(events) {
      heard.push(...events);
      // What arrives in the same turn of the event loop (the messages of one
      // commit) is prepared together.
      flushing ??= new Promise((resolve) => setImmediate(() => resolve(flush())));
    },
    idle: async () => {
      await flushing;
      await tail;
    },
    async delivered(statusId, maxMs) {
      // A status older than the wait (a job retried or run after a restart)
      // was sent long ago or never will be here.
      if (Date.now() - idTime(statusId) > maxMs) return;
      if (!hub.any("home") || sentEarly.delete(statusId)) return;
      const entry = fanOutOf(statusId);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), maxMs)));
      const how = await Promise.race([entry.done, late]);
      clearTimeout(timer);
      // Never heard (another process's stream, a lost message): forget it.
      if (how === "late" && fanOuts.get(statusId) === entry) fanOuts.delete(statusId);
    },
  };
}
