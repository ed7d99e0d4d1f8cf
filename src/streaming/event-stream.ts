// The server-sent event streams under /api/v1/streaming/ and the health
// check, as Mastodon's streaming server answers them
// (https://docs.joinmastodon.org/methods/streaming/#http):
// - /api/v1/streaming/health: `OK`, no token needed;
// - an unknown path: 400 {"error": "Unknown channel requested"}, before the token;
// - then the token (401 "Missing access token" / "Invalid access token"),
//   the scopes (401), the stream's own parameters (400 for a missing tag or
//   list, 401 for someone else's list), each as {"error": ...};
// - a stream starts with the comment `:)`, sends `:thump` every 15 seconds,
//   and each event as `event: <name>` and `data: <payload>` lines.
// A client that does not read its stream is dropped once 4 MiB wait for it.
import type { TokenCache } from "../domain/oauth/token-cache.ts";
import type { Db } from "../db/database.ts";
import type { Logger } from "../logger.ts";
import { authenticateStream, requestToken } from "./auth.ts";
import { requestError, statusAndMessage } from "./errors.ts";
import type { Connection, Hub, Outgoing, Subscription } from "./hub.ts";
import { checkScopes, isTruthy, resolveStream, streamFromPath } from "./streams.ts";

const MAX_QUEUED_BYTES = 4 * 1024 * 1024;
/** Mastodon's heartbeat comment. */
const THUMP = Buffer.from(":thump\n");

export interface EventStreamOptions {
  db: Db;
  /** Bearer tokens as last read (domain/oauth/token-cache.ts). */
  tokens: TokenCache | null;
  hub: Hub;
  logger: Logger;
  connections: Set<Connection>;
  heartbeatMs: number;
}

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, OPTIONS",
  "access-control-allow-headers": "Authorization, Content-Type",
};

const json = (status: number, body: object) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...CORS },
  });

export function createEventStreamHandler(options: EventStreamOptions) {
  const { db, tokens, hub, logger, connections } = options;
  const open = new Set<Connection>();

  async function openStream(request: Request, url: URL): Promise<Response> {
    const name = streamFromPath(url.pathname, isTruthy(url.searchParams.get("only_media")));
    if (!name) throw requestError("Unknown channel requested");
    const token = requestToken(
      {
        authorization: request.headers.get("authorization") ?? undefined,
        "sec-websocket-protocol": request.headers.get("sec-websocket-protocol") ?? undefined,
      },
      url,
    );
    const user = await authenticateStream(db, tokens, token);
    checkScopes(user, name);
    const resolved = await resolveStream(db, user, name, {
      tag: url.searchParams.get("tag") ?? undefined,
      list: url.searchParams.get("list") ?? undefined,
    });

    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let closed = false;
    const write = (chunk: Uint8Array) => {
      if (closed) return;
      if ((controller.desiredSize ?? 0) < -MAX_QUEUED_BYTES) {
        logger.warn("streaming: client too slow; dropped", { accountId: user.accountId });
        connection.close();
        return;
      }
      controller.enqueue(chunk);
    };
    const subscription: Subscription = {
      user,
      channels: resolved.channels,
      stream: resolved.stream,
      send: (message: Outgoing) => write(message.sseFrame),
    };
    const cleanup = () => {
      if (closed) return;
      closed = true;
      logger.info("event stream closed", { accountId: user.accountId, stream: name });
      clearInterval(heartbeat);
      hub.remove(subscription);
      connections.delete(connection);
      open.delete(connection);
    };
    const connection: Connection = {
      user,
      close() {
        if (closed) return;
        cleanup();
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      },
    };
    const body = new ReadableStream<Uint8Array>(
      {
        start(c) {
          controller = c;
          c.enqueue(Buffer.from(":)\n"));
        },
        cancel: cleanup,
      },
      { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength },
    );
    const heartbeat = setInterval(() => write(THUMP), options.heartbeatMs);
    heartbeat.unref();
    request.signal.addEventListener("abort", cleanup, { once: true });
    hub.add(subscription);
    connections.add(connection);
    open.add(connection);
    logger.info("event stream opened", { accountId: user.accountId, stream: name });
    return new Response(body, {
      status: 200,
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
        ...CORS,
      },
    });
  }

  return {
    async handle(request: Request, url: URL): Promise<Response> {
      if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: CORS });
      if (url.pathname === "/api/v1/streaming/health") {
        return new Response("OK", { headers: { "content-type": "text/plain", ...CORS } });
      }
      if (request.method !== "GET" && request.method !== "HEAD") {
        return json(404, { error: "Not found" });
      }
      try {
        return await openStream(request, url);
      } catch (error) {
        const { status, message } = statusAndMessage(error);
        if (status === 500) logger.error("streaming: could not open a stream", { err: error });
        return json(status, { error: message });
      }
    },

    get size() {
      return open.size;
    },

    /** Ends every open stream. */
    close(): void {
      for (const connection of [...open]) connection.close();
    },
  };
}
