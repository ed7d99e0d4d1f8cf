// The streaming API (https://docs.joinmastodon.org/methods/streaming/): the
// multiplexed WebSocket at /api/v1/streaming and the event streams under it,
// served by the web process on its own port (the instance's `urls.streaming`
// points there unless STREAMING_API_BASE_URL says otherwise).
//
//   domain function ──emit(tx)──▶ event bus ──▶ pub/sub (NOTIFY or Redis)
//        ──▶ every process: dispatcher ──▶ hub (its subscriptions) ──▶ sockets
//
// Each process hears every event once through pub/sub, and delivers it to
// the subscriptions open in it (dispatcher.ts), so several processes behind
// one address each serve their own clients. This module is the streaming
// server's composition: the composition root creates it with the database
// and the pub/sub adapter, hands it the app's fetch to wrap, and attaches
// `upgrade` to the HTTP server.
import { tokenCacheOf } from "../domain/oauth/token-cache.ts";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Deps } from "../deps.ts";
import type { Fetch } from "../http/env.ts";
import { subscribeDomainEvents } from "../pubsub/domain-events.ts";
import type { PubSub } from "../pubsub/pubsub.ts";
import { urlsFor } from "../urls.ts";
import { createDispatcher } from "./dispatcher.ts";
import { createEventStreamHandler } from "./event-stream.ts";
import { createHub, type Connection } from "./hub.ts";
import { watchTokens } from "./token-watch.ts";
import { createWebSocketHandler, isStreamingPath } from "./websocket.ts";

export interface StreamingTimings {
  /** Between `:thump` comments on event streams (Mastodon: 15 s). */
  heartbeatMs: number;
  /** Between WebSocket pings (Mastodon: 30 s). */
  pingMs: number;
  /** Between checks that the tokens of open streams are still valid. */
  tokenCheckMs: number;
}

export const DEFAULT_TIMINGS: StreamingTimings = {
  heartbeatMs: 15_000,
  pingMs: 30_000,
  tokenCheckMs: 5_000,
};

export interface StreamingOptions {
  deps: Pick<Deps, "config" | "database" | "logger">;
  pubsub: PubSub;
  timings?: Partial<StreamingTimings>;
}

export interface StreamingServer {
  /** `next`, with the streaming paths (/api/v1/streaming and below) answered here. */
  fetch<E, X>(next: Fetch<E, X>): Fetch<E, X>;
  /** The HTTP server's `upgrade` listener (the WebSocket). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Starts hearing events (opens the pub/sub listening connection). */
  start(): Promise<void>;
  /** Resolves once every event heard so far has been delivered (tests, benchmarks). */
  idle(): Promise<void>;
  /** Resolves once the streams here have the new local status `statusId`, or after `maxMs` (dispatcher.ts). */
  delivered(statusId: string, maxMs: number): Promise<void>;
  /** Ends every stream and stops hearing events; the pub/sub adapter is the caller's to close. */
  close(): void;
  stats(): { websockets: number; eventStreams: number; subscriptions: number };
}

export function createStreamingServer(options: StreamingOptions): StreamingServer {
  const { config, database } = options.deps;
  const logger = options.deps.logger.child({ component: "streaming" });
  const timings = { ...DEFAULT_TIMINGS, ...options.timings };
  const db = database.db;
  const hub = createHub();
  const connections = new Set<Connection>();
  const dispatcher = createDispatcher({ db, hub, urls: urlsFor(config), logger });
  const tokens = tokenCacheOf(database);
  const websockets = createWebSocketHandler({
    db,
    tokens,
    hub,
    logger,
    connections,
    pingMs: timings.pingMs,
  });
  const eventStreams = createEventStreamHandler({
    db,
    tokens,
    hub,
    logger,
    connections,
    heartbeatMs: timings.heartbeatMs,
  });
  let unsubscribe: (() => void) | null = null;
  let stopWatch: (() => void) | null = null;

  return {
    fetch(next) {
      // Arguments named, not spread: every request of the process passes here.
      return (request, env, executionCtx) => {
        // A URL is parsed only for the streaming API's own.
        if (!request.url.includes("/api/v1/streaming")) return next(request, env, executionCtx);
        const url = new URL(request.url);
        if (!isStreamingPath(url.pathname)) return next(request, env, executionCtx);
        return eventStreams.handle(request, url);
      };
    },

    upgrade(req, socket, head) {
      websockets.upgrade(req, socket, head).catch((err: unknown) => {
        logger.error("streaming: upgrade failed", { err });
        socket.destroy();
      });
    },

    async start() {
      if (unsubscribe) return;
      unsubscribe = subscribeDomainEvents(options.pubsub, (events) => dispatcher.handle(events));
      stopWatch = watchTokens(db, connections, timings.tokenCheckMs, logger);
      await options.pubsub.start();
    },

    idle: () => dispatcher.idle(),
    delivered: (statusId, maxMs) => dispatcher.delivered(statusId, maxMs),

    close() {
      unsubscribe?.();
      unsubscribe = null;
      stopWatch?.();
      websockets.close();
      eventStreams.close();
    },

    stats: () => ({
      websockets: websockets.size,
      eventStreams: eventStreams.size,
      subscriptions: hub.size,
    }),
  };
}
