// The streaming API over a real listener: the test instance's app and a
// streaming server on an ephemeral loopback port (as main.ts serves them),
// a WebSocket client (`ws`) and an event-stream reader (fetch, reading the
// body as it comes). `listen(t, { separate: true })` starts a second server
// instance on the same database: its own pool, pub/sub connection, app and
// port, as another process would have.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { FrontResponse } from "../../src/http/front-response.ts";
import { afterAll } from "vitest";
import WebSocket from "ws";
import { createApp } from "../../src/app.ts";
import { connect } from "../../src/db/database.ts";
import type { Deps } from "../../src/deps.ts";
import type { PubSub } from "../../src/pubsub/pubsub.ts";
import {
  createStreamingServer,
  type StreamingServer,
  type StreamingTimings,
} from "../../src/streaming/server.ts";
import { testPubSub, withTestEvents } from "./events.ts";
import type { TestInstance } from "./instance.ts";

export interface Listener {
  /** `http://127.0.0.1:<port>` */
  http: string;
  /** `ws://127.0.0.1:<port>/api/v1/streaming` */
  ws: string;
  streaming: StreamingServer;
  /** Resolves once this server has delivered every event it heard. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface ListenOptions {
  timings?: Partial<StreamingTimings>;
  /** A second server instance on the same database (own pool, pub/sub, app). */
  separate?: boolean;
}

/** Serves `t` (or a second instance of it) with the streaming API on a loopback port. */
export async function listen(t: TestInstance, options: ListenOptions = {}): Promise<Listener> {
  let deps: Deps = t.deps;
  let pubsub: PubSub = t.pubsub;
  let app = t.app;
  const cleanups: (() => Promise<void>)[] = [];
  if (options.separate) {
    const database = connect(t.url, 4);
    const events = withTestEvents(database, t.url, t.config);
    deps = { ...t.deps, database: events.database };
    // The listening side's pub/sub is its own too: another process's connection.
    pubsub = testPubSub(database, t.url, t.config);
    app = createApp(deps);
    cleanups.push(async () => {
      await events.pubsub.close();
      await database.close();
    });
  }
  const streaming = createStreamingServer({
    deps,
    pubsub,
    timings: { heartbeatMs: 60_000, pingMs: 60_000, tokenCheckMs: 100, ...options.timings },
  });
  await streaming.start();
  const server = await new Promise<Server>((resolve) => {
    const s = serve(
      {
        fetch: streaming.fetch(app.fetch),
        port: 0,
        hostname: "127.0.0.1",
        serverOptions: { ServerResponse: FrontResponse },
      },
      () => resolve(s as Server),
    ) as Server;
  });
  server.on("upgrade", streaming.upgrade);
  const { port } = server.address() as AddressInfo;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    streaming.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (options.separate) await pubsub.close();
    for (const cleanup of cleanups) await cleanup();
  };
  afterAll(close);
  return {
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}/api/v1/streaming`,
    streaming,
    idle: () => streaming.idle(),
    close,
  };
}

/** Messages in arrival order, awaited one at a time. */
class Inbox<T> {
  #items: T[] = [];
  #waiters: ((item: T) => void)[] = [];
  #ended = false;
  #onEnd: (() => void)[] = [];

  push(item: T) {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(item);
    else this.#items.push(item);
  }

  end() {
    this.#ended = true;
    for (const f of this.#onEnd.splice(0)) f();
  }

  get ended() {
    return this.#ended;
  }

  /** What arrived and was not taken yet. */
  get pending(): readonly T[] {
    return this.#items;
  }

  /** The next message; rejects after `timeoutMs` or when the stream ends first. */
  next(timeoutMs = 10_000): Promise<T> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(done), 1);
        reject(new Error(`no message within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (value: T) => {
        clearTimeout(timer);
        resolve(value);
      };
      this.#waiters.push(done);
      if (this.#ended) {
        clearTimeout(timer);
        reject(new Error("the stream ended"));
      } else {
        this.#onEnd.push(() => {
          clearTimeout(timer);
          const i = this.#waiters.indexOf(done);
          if (i >= 0) {
            this.#waiters.splice(i, 1);
            reject(new Error("the stream ended"));
          }
        });
      }
    });
  }

  /** Resolves once the stream ended (rejects after `timeoutMs`). */
  closed(timeoutMs = 10_000): Promise<void> {
    if (this.#ended) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the stream did not end")), timeoutMs);
      this.#onEnd.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

export interface SocketMessage {
  stream?: string[];
  event?: string;
  payload?: string;
  error?: string;
  status?: number;
}

export interface TestSocket {
  ws: WebSocket;
  inbox: Inbox<SocketMessage>;
  /** The next event (an error message too), parsed; `payload` parsed as JSON when it is. */
  next(timeoutMs?: number): Promise<SocketMessage & { body?: any }>;
  send(message: object): void;
  close(): void;
}

/** What an upgrade that failed answered. */
export interface RefusedUpgrade {
  status: number;
  errorMessage: string | undefined;
}

function parsePayload<M extends { payload?: string }>(m: M): M & { body?: any } {
  if (m.payload === undefined) return m;
  try {
    return { ...m, body: JSON.parse(m.payload) };
  } catch {
    return { ...m, body: m.payload };
  }
}

/**
 * Opens the WebSocket at `url` (query parameters included); resolves once
 * it is open, or with the HTTP answer of a refused upgrade.
 */
export function openSocket(
  url: string,
  options: {
    token?: string;
    protocols?: string[];
    headers?: Record<string, string>;
    /** False: do not answer pings (a dead client). */
    autoPong?: boolean;
  } = {},
): Promise<TestSocket | RefusedUpgrade> {
  const headers = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const ws = new WebSocket(url, options.protocols ?? [], {
    headers,
    autoPong: options.autoPong ?? true,
  });
  const inbox = new Inbox<SocketMessage>();
  ws.on("message", (data) => inbox.push(JSON.parse(String(data)) as SocketMessage));
  ws.on("close", () => inbox.end());
  ws.on("error", () => undefined);
  afterAll(() => ws.terminate());
  return new Promise((resolve, reject) => {
    ws.once("open", () =>
      resolve({
        ws,
        inbox,
        next: async (timeoutMs) => parsePayload(await inbox.next(timeoutMs)),
        send: (message) => ws.send(JSON.stringify(message)),
        close: () => ws.close(),
      }),
    );
    ws.once("unexpected-response", (_req, res) => {
      resolve({
        status: res.statusCode ?? 0,
        errorMessage: res.headers["x-error-message"] as string | undefined,
      });
      ws.terminate();
    });
    ws.once("error", (err) => reject(err));
  });
}

/** Opens a WebSocket that must be accepted. */
export async function socket(
  url: string,
  options: Parameters<typeof openSocket>[1] = {},
): Promise<TestSocket> {
  const result = await openSocket(url, options);
  if ("status" in result) {
    throw new Error(`upgrade refused: ${result.status} ${result.errorMessage}`);
  }
  return result;
}

export interface SseEvent {
  event: string;
  data: string;
  body?: any;
}

export interface TestEventStream {
  response: Response;
  inbox: Inbox<SseEvent>;
  /** Comment lines (`:)`, `:thump`) as they came. */
  comments: string[];
  next(timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

/**
 * GETs an event stream at `url` and reads it as it comes; resolves with the
 * response (an error answer is read whole, as `response`).
 */
export async function eventStream(
  url: string,
  options: { token?: string } = {},
): Promise<TestEventStream> {
  const controller = new AbortController();
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(url, { headers, signal: controller.signal });
  const inbox = new Inbox<SseEvent>();
  const comments: string[] = [];
  afterAll(() => controller.abort());
  if (response.ok && response.body) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      let buffer = "";
      let event: Partial<SseEvent> = {};
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let nl: number;
          while ((nl = buffer.indexOf("\n")) >= 0) {
            const line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + 1);
            if (line.startsWith(":")) comments.push(line);
            else if (line.startsWith("event: ")) event.event = line.slice(7);
            else if (line.startsWith("data: ")) event.data = line.slice(6);
            else if (line === "" && event.event !== undefined) {
              const e = { event: event.event, data: event.data ?? "" };
              inbox.push(parsePayload({ ...e, payload: e.data }));
              event = {};
            }
          }
        }
      } catch {
        // aborted
      }
      inbox.end();
    })();
  }
  return {
    response,
    inbox,
    comments,
    next: (timeoutMs) => inbox.next(timeoutMs),
    close: () => controller.abort(),
  };
}
