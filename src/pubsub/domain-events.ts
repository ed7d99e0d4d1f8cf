// Domain events on pub/sub: the bus subscriber that publishes them (inside
// the transaction for PostgreSQL, after the commit for Redis) and the
// decoder on the receiving side. A message is `{"v":2,"e":[event, ...]}`:
// the events of one transaction, packed into as few messages as the
// adapter's size limit allows, in the order they were emitted.
import type { EventBus } from "../domain/events/bus.ts";
import type { DomainEvent } from "../domain/events/types.ts";
import type { Logger } from "../logger.ts";
import type { PubSub } from "./pubsub.ts";

// 2: `feed.fan-out` carries the status's facts (`status`), not `statusId`.
// A process ignores messages of another version (during a rolling restart)
// rather than misreading them.
const VERSION = 2;

/** `events` as messages of at most `maxBytes` each (an event too big alone is dropped). */
export function encodeEvents(
  events: readonly DomainEvent[],
  maxBytes: number,
  logger: Logger,
): string[] {
  const messages: string[] = [];
  const head = `{"v":${VERSION},"e":[`;
  let parts: string[] = [];
  let size = head.length + 2;
  const flush = () => {
    if (parts.length > 0) messages.push(`${head}${parts.join(",")}]}`);
    parts = [];
    size = head.length + 2;
  };
  for (const event of events) {
    const json = JSON.stringify(event);
    const bytes = Buffer.byteLength(json) + 1;
    if (head.length + 2 + bytes > maxBytes) {
      logger.warn("domain event too large to publish; dropped", { type: event.type, bytes });
      continue;
    }
    if (size + bytes > maxBytes) flush();
    parts.push(json);
    size += bytes;
  }
  flush();
  return messages;
}

/** The events of a message, or [] for a message Herd does not understand. */
export function decodeEvents(message: string): DomainEvent[] {
  try {
    const parsed = JSON.parse(message) as { v?: unknown; e?: unknown };
    if (parsed.v !== VERSION || !Array.isArray(parsed.e)) return [];
    return parsed.e.filter(
      (e): e is DomainEvent => typeof e === "object" && e !== null && typeof e.type === "string",
    );
  } catch {
    return [];
  }
}

/** Publishes every domain event of `bus` on `pubsub`, at the moment its adapter needs. */
export function publishDomainEvents(bus: EventBus, pubsub: PubSub, logger: Logger): void {
  const encode = (events: readonly DomainEvent[]) =>
    encodeEvents(events, pubsub.maxMessageBytes, logger);
  if (pubsub.transactional) {
    bus.inTransaction((tx, events) => pubsub.publish(encode(events), tx));
  } else {
    bus.afterCommit((events) => pubsub.publish(encode(events)));
  }
}

/** Calls `listener` with the events of every message `pubsub` hears. */
export function subscribeDomainEvents(
  pubsub: PubSub,
  listener: (events: DomainEvent[]) => void,
): () => void {
  return pubsub.subscribe((message) => {
    const events = decodeEvents(message);
    if (events.length > 0) listener(events);
  });
}
