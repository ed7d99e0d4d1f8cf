// The subscriptions open in this process, indexed by channel, so that an
// event finds the few subscriptions it concerns without looking at the
// others (most events concern nobody connected here). Each subscription is
// in the index once per channel; an event is delivered to a subscription at
// most once whatever channels match (see dispatcher.ts).
import type { StreamUser } from "./auth.ts";
import type { Channel, ChannelKind } from "./streams.ts";

/**
 * One message on its way to many subscriptions: each frame is built and
 * encoded once per shape (a thousand followers get the same bytes).
 */
export class Outgoing {
  readonly event: string;
  /** The payload, already a string (JSON of an entity, or an id); undefined for none. */
  readonly payload: string | undefined;
  readonly #frames = new Map<string, Buffer>();

  constructor(event: string, payload: string | undefined) {
    this.event = event;
    this.payload = payload;
  }

  /** The WebSocket text message for a subscription whose events say `stream`. */
  websocketFrame(stream: readonly string[]): Buffer {
    const key = stream.join("\u0000");
    let frame = this.#frames.get(key);
    if (frame === undefined) {
      frame = Buffer.from(JSON.stringify({ stream, event: this.event, payload: this.payload }));
      this.#frames.set(key, frame);
    }
    return frame;
  }

  /**
   * The whole WebSocket frame of `websocketFrame(stream)`: a server's frames
   * are not masked, so every socket gets the same bytes (RFC 6455 §5.2).
   */
  websocketWire(stream: readonly string[]): Buffer {
    const key = `\u0001${stream.join("\u0000")}`;
    let wire = this.#frames.get(key);
    if (wire === undefined) {
      const data = this.websocketFrame(stream);
      const n = data.length;
      const head = Buffer.alloc(n < 126 ? 2 : n < 65536 ? 4 : 10);
      head[0] = 0x81; // FIN, text
      if (n < 126) {
        head[1] = n;
      } else if (n < 65536) {
        head[1] = 126;
        head.writeUInt16BE(n, 2);
      } else {
        head[1] = 127;
        head.writeBigUInt64BE(BigInt(n), 2);
      }
      wire = Buffer.concat([head, data]);
      this.#frames.set(key, wire);
    }
    return wire;
  }

  /** The event-stream lines (Mastodon writes `data: undefined` when there is no payload). */
  get sseFrame(): Buffer {
    let frame = this.#frames.get("");
    if (frame === undefined) {
      frame = Buffer.from(`event: ${this.event}\ndata: ${this.payload}\n\n`);
      this.#frames.set("", frame);
    }
    return frame;
  }
}

/** An open stream of either transport, as the token watch sees it. */
export interface Connection {
  readonly user: StreamUser;
  close(): void;
}

export interface Subscription {
  readonly user: StreamUser;
  readonly channels: readonly Channel[];
  /** The `stream` array of its events. */
  readonly stream: readonly string[];
  send(message: Outgoing): void;
}

export interface Hub {
  add(subscription: Subscription): void;
  remove(subscription: Subscription): void;
  /** The subscriptions on channel `kind:id`. */
  on(kind: ChannelKind, id: string): Iterable<Subscription>;
  /** The ids of channels of `kind` that have subscriptions. */
  ids(kind: ChannelKind): Iterable<string>;
  /** Whether anything listens on a channel of `kind`. */
  any(kind: ChannelKind): boolean;
  readonly size: number;
}

export function createHub(): Hub {
  const index = new Map<ChannelKind, Map<string, Set<Subscription>>>();
  let size = 0;
  return {
    add(subscription) {
      size++;
      for (const { kind, id } of subscription.channels) {
        let byId = index.get(kind);
        if (!byId) index.set(kind, (byId = new Map()));
        let set = byId.get(id);
        if (!set) byId.set(id, (set = new Set()));
        set.add(subscription);
      }
    },
    remove(subscription) {
      let found = false;
      for (const { kind, id } of subscription.channels) {
        const byId = index.get(kind);
        const set = byId?.get(id);
        if (!set?.delete(subscription)) continue;
        found = true;
        if (set.size === 0) byId!.delete(id);
        if (byId!.size === 0) index.delete(kind);
      }
      if (found) size--;
    },
    on: (kind, id) => index.get(kind)?.get(id) ?? [],
    ids: (kind) => index.get(kind)?.keys() ?? [],
    any: (kind) => (index.get(kind)?.size ?? 0) > 0,
    get size() {
      return size;
    },
  };
}
