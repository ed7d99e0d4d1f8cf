// The multiplexed WebSocket at /api/v1/streaming, as Mastodon's streaming
// server (https://docs.joinmastodon.org/methods/streaming/#websocket):
// - the token is checked before the upgrade; a failure is answered with the
//   HTTP status, no body, and the reason in X-Error-Message;
// - `stream` (with `tag` or `list`) in the URL subscribes at once; messages
//   `{"type": "subscribe" | "unsubscribe", "stream": ..., "tag" | "list": ...}`
//   add and remove subscriptions on the same socket; subscribing twice to
//   the same stream changes nothing; unknown types are ignored;
// - a failed subscription is answered `{"error": ..., "status": ...}`, a
//   failed unsubscription `{"error": "Error unsubscribing from channel"}`;
// - events are `{"stream": [...], "event": ..., "payload": "<string>"}`;
// - binary messages close the socket (1003); the server pings every 30 s and
//   drops a socket that did not answer the previous ping.
// A client that does not read its messages is dropped once 4 MiB wait for
// it, rather than let its buffer grow without bound.
import type { TokenCache } from "../domain/oauth/token-cache.ts";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { STATUS_CODES } from "node:http";
import { WebSocketServer, type WebSocket } from "ws";
import type { Db } from "../db/database.ts";
import type { Logger } from "../logger.ts";
import { authenticateStream, requestToken, type StreamUser } from "./auth.ts";
import { statusAndMessage } from "./errors.ts";
import type { Connection, Hub, Outgoing, Subscription } from "./hub.ts";
import { checkScopes, firstParam, resolveStream, type StreamParams } from "./streams.ts";

const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Client messages are small JSON objects. */
const MAX_MESSAGE_BYTES = 64 * 1024;

export interface WebSocketOptions {
  db: Db;
  /** Bearer tokens as last read (domain/oauth/token-cache.ts). */
  tokens: TokenCache | null;
  hub: Hub;
  logger: Logger;
  connections: Set<Connection>;
  pingMs: number;
}

interface Session extends Connection {
  ws: WebSocket;
  alive: boolean;
  subscriptions: Map<string, Subscription>;
}

/** Is `pathname` the WebSocket's (Mastodon's server takes upgrades anywhere under it). */
export const isStreamingPath = (pathname: string) =>
  pathname === "/api/v1/streaming" || pathname.startsWith("/api/v1/streaming/");

/** Answers an upgrade request with an HTTP error and closes the socket. */
function refuse(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return;
  const headers = [
    "Connection: close",
    "Content-Type: text/plain",
    "Content-Length: 0",
    `X-Error-Message: ${message.replace(/[\r\n]/g, " ")}`,
  ];
  socket.once("finish", () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\n${headers.join("\r\n")}\r\n\r\n`);
}

/** The TCP socket under `ws` (ws keeps it as `_socket`), when it is there. */
function rawSocket(ws: WebSocket): Duplex | null {
  const socket = (ws as unknown as { _socket?: unknown })._socket;
  return socket !== null && typeof socket === "object" && "write" in socket
    ? (socket as Duplex)
    : null;
}

export function createWebSocketHandler(options: WebSocketOptions) {
  const { db, tokens, hub, logger, connections } = options;
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: MAX_MESSAGE_BYTES,
  });
  const sessions = new Set<Session>();

  const sendError = (session: Session, body: object) => {
    if (session.ws.readyState === session.ws.OPEN) session.ws.send(JSON.stringify(body));
  };

  async function subscribe(session: Session, name: string | undefined, params: StreamParams) {
    try {
      checkScopes(session.user, name);
      const resolved = await resolveStream(db, session.user, name, params);
      if (session.ws.readyState !== session.ws.OPEN) return;
      if (session.subscriptions.has(resolved.key)) return;
      const subscription: Subscription = {
        user: session.user,
        channels: resolved.channels,
        stream: resolved.stream,
        send: (message: Outgoing) => send(session, message, resolved.stream),
      };
      session.subscriptions.set(resolved.key, subscription);
      hub.add(subscription);
    } catch (error) {
      const { status, message } = statusAndMessage(error);
      if (status === 500) logger.error("streaming: subscription failed", { err: error });
      sendError(session, { error: message, status });
    }
  }

  async function unsubscribe(session: Session, name: string | undefined, params: StreamParams) {
    try {
      const resolved = await resolveStream(db, session.user, name, params);
      const subscription = session.subscriptions.get(resolved.key);
      if (!subscription) return;
      session.subscriptions.delete(resolved.key);
      hub.remove(subscription);
    } catch {
      sendError(session, { error: "Error unsubscribing from channel" });
    }
  }

  function send(session: Session, message: Outgoing, stream: readonly string[]): void {
    const { ws } = session;
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      logger.warn("streaming: client too slow; dropped", { accountId: session.user.accountId });
      ws.terminate();
      return;
    }
    // The frame, built once for every socket, written as it is: ws.send
    // frames each message again and writes it in two parts, which took a
    // third of the time of an event's 1,000 sends (bench/streaming.ts). Safe
    // without compression, where ws writes every frame of its own at once
    // too, so frames never interleave.
    const socket = rawSocket(ws);
    if (socket) socket.write(message.websocketWire(stream));
    else ws.send(message.websocketFrame(stream), { binary: false });
  }

  function onMessage(session: Session, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) {
    if (isBinary) {
      session.ws.close(1003, "The mastodon streaming server does not support binary messages");
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(Buffer.isBuffer(data) ? data.toString("utf8") : String(data));
    } catch {
      return;
    }
    if (typeof json !== "object" || json === null) return;
    const { type, stream, ...params } = json as Record<string, unknown>;
    if (type === "subscribe") void subscribe(session, firstParam(stream), params);
    else if (type === "unsubscribe") void unsubscribe(session, firstParam(stream), params);
  }

  function onConnection(ws: WebSocket, user: StreamUser, url: URL) {
    const session: Session = {
      ws,
      user,
      alive: true,
      subscriptions: new Map(),
      close: () => ws.close(),
    };
    sessions.add(session);
    connections.add(session);
    logger.info("websocket opened", { accountId: user.accountId });
    ws.on("pong", () => (session.alive = true));
    ws.on("message", (data, isBinary) => onMessage(session, data, isBinary));
    ws.on("error", () => undefined); // "close" follows
    ws.on("close", (code) => {
      logger.info("websocket closed", { accountId: user.accountId, code });
      sessions.delete(session);
      connections.delete(session);
      for (const subscription of session.subscriptions.values()) hub.remove(subscription);
      session.subscriptions.clear();
    });
    const stream = url.searchParams.get("stream");
    if (stream) {
      void subscribe(session, stream, {
        tag: url.searchParams.get("tag") ?? undefined,
        list: url.searchParams.get("list") ?? undefined,
      });
    }
  }

  const ping = setInterval(() => {
    for (const session of sessions) {
      if (!session.alive) {
        session.ws.terminate();
        continue;
      }
      session.alive = false;
      session.ws.ping();
    }
  }, options.pingMs);
  ping.unref();

  return {
    /** The HTTP server's `upgrade` listener. */
    async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
      socket.on("error", () => undefined);
      const url = new URL(req.url ?? "/", "http://streaming.invalid");
      if (!isStreamingPath(url.pathname) || req.headers.upgrade?.toLowerCase() !== "websocket") {
        refuse(socket, 404, "Not found");
        return;
      }
      let user: StreamUser;
      try {
        user = await authenticateStream(db, tokens, requestToken(req.headers, url));
      } catch (error) {
        const { status, message } = statusAndMessage(error);
        if (status === 500) logger.error("streaming: authentication failed", { err: error });
        refuse(socket, status, message);
        return;
      }
      if (socket.destroyed) return;
      wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, user, url));
    },

    get size() {
      return sessions.size;
    },

    /** Closes every socket (1001: the server is going away). */
    close(): void {
      clearInterval(ping);
      for (const session of sessions) session.ws.close(1001, "Server shutting down");
      wss.close();
    },
  };
}
