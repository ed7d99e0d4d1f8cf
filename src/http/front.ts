// The front of every request, around the app's fetch (createApp installs it):
// what each answer gets whichever route makes it (a request id, CORS's simple
// headers, nosniff, the API's `private, no-store` and `Vary: Authorization`),
// one log line per request, and /health.
//
// Why not Hono middleware: each middleware is an async frame and a step of
// Hono's compose for every request, and a response that comes back as a
// promise takes @hono/node-server off its synchronous path (it then also
// watches the socket's close for that request). Measured with bench/social.ts
// (d), Herd's /health behind four such middlewares answered 43–46% as many
// requests as bare node:http; bare Hono alone 75–78%. Here the same work is
// plain code run once, and /health, which a load balancer calls as often as
// it likes, is answered without entering the router.
import { ServerResponse, type IncomingMessage } from "node:http";
import { randomUUID } from "node:crypto";
import type { Context } from "hono";
import { getPath } from "hono/utils/url";
import type { Logger } from "../logger.ts";
import { requestIds } from "../lib/request-ids.ts";
import { corsHeaders, corsKindOf, type CorsKind } from "./cors.ts";
import type { Fetch } from "./env.ts";
import { writeDefaultsWith, type HeaderList, type Pending } from "./front-response.ts";

/** What the front knows of a request, for the routes and for its log line. */
export interface FrontRecord {
  requestId: string;
  /** The account of a valid token, set by the token middleware (src/http/auth.ts). */
  accountId?: string;
}

interface FrontEnv {
  incoming?: IncomingMessage;
  outgoing?: ServerResponse;
  front?: FrontRecord;
}

/** The request's record, made by the front (a fresh one if the front was skipped). */
export function frontOf(c: Context): FrontRecord {
  const env = c.env as FrontEnv | undefined;
  if (env?.front) return env.front;
  const record = { requestId: randomUUID() };
  if (env && typeof env === "object") env.front = record;
  return record;
}

/**
 * Hono's `getPath` with the common case made cheap: a path with no percent
 * sign is the URL from its first slash after the origin to the query or
 * fragment, found
 * with native scans where Hono walks it character by character (0.2 µs of a
 * constant API answer's cost, bench/profile.ts). Anything to decode goes to
 * Hono's own, so the two always agree (test/front-path.test.ts).
 */
export function pathOfUrl(request: Request): string {
  const url = request.url;
  const start = url.indexOf("/", url.indexOf(":") + 4);
  const query = url.indexOf("?", start);
  const hash = url.indexOf("#", start);
  const end = query === -1 ? hash : hash === -1 ? query : Math.min(query, hash);
  const percent = url.indexOf("%", start);
  if (percent !== -1 && (end === -1 || percent < end)) return getPath(request);
  return end === -1 ? url.slice(start) : url.slice(start, end);
}

/** Hono's `getPath` option: the path the front worked out for this request, else Hono's own. */
export function pathOf(request: Request, options?: { env?: unknown }): string {
  const front = (options?.env as FrontEnv | undefined)?.front;
  return front instanceof Visit && front.request === request ? front.path : getPath(request);
}

/**
 * The request id: the one a proxy sent in X-Request-Id, cleaned as Rails'
 * ActionDispatch::RequestId does, or a new one from `fresh`.
 */
export function requestIdOf(
  given: string | string[] | null | undefined,
  fresh: () => string = randomUUID,
): string {
  if (given === undefined || given === null) return fresh();
  const value = Array.isArray(given) ? given.join(", ") : given;
  return value.replace(/[^\w\-@]/g, "").slice(0, 255) || fresh();
}

const NOSNIFF = ["X-Content-Type-Options", "nosniff"] as const;
// Mastodon's defaults for API answers: kept out of shared caches
// (ApplicationController's set_cache_control_defaults), and varying by the
// token (Api::BaseController's `vary_by 'Authorization'`). Routes that may be
// cached say so themselves (src/http/cache-control.ts).
const NO_STORE = ["Cache-Control", "private, no-store"] as const;
const VARY = ["Vary", "Authorization"] as const;

/** Headers with their names in lower case, which writeHead compares on every answer. */
const withLower = (list: readonly (readonly [string, string])[]): HeaderList =>
  list.map(([name, value]) => [name, value, name.toLowerCase()] as const);

/** Defaults by CORS kind, for answers and for preflights: made once. */
const DEFAULTS = new Map<CorsKind, { answer: HeaderList; preflight: HeaderList }>();
for (const kind of ["api", "post", "userinfo", "read", null] as CorsKind[]) {
  const own = kind === "api" ? [NOSNIFF, NO_STORE, VARY] : [NOSNIFF];
  DEFAULTS.set(kind, {
    answer: withLower([...corsHeaders(kind), ...own]),
    preflight: withLower(own),
  });
}

/** The headers every answer to `method path` gets unless its route set them itself. */
export function defaultHeaders(method: string, path: string): HeaderList {
  const defaults = DEFAULTS.get(corsKindOf(path))!;
  return method === "OPTIONS" ? defaults.preflight : defaults.answer;
}

/**
 * Leaves the default header `lower` (its name in lower case) out of this
 * answer: Mastodon's `vary_by ''` on answers that are the same whoever asks.
 */
export function withoutDefaultHeader(c: Context, lower: string): void {
  const front = (c.env as FrontEnv | undefined)?.front;
  if (front instanceof Visit)
    front.defaults = front.defaults.filter((header) => header[2] !== lower);
}

/** Adds the defaults a response lacks; a copy if its headers are immutable (`fetch`, redirects). */
function withDefaults(
  res: Response,
  headers: readonly (readonly [string, string, ...string[]])[],
): Response {
  try {
    for (const [name, value] of headers) if (!res.headers.has(name)) res.headers.set(name, value);
    return res;
  } catch {
    const copy = new Response(res.body, res);
    for (const [name, value] of headers) if (!copy.headers.has(name)) copy.headers.set(name, value);
    return copy;
  }
}

/**
 * One request as the front follows it: the record routes see (frontOf), and
 * what its log line and default headers need. One object per request, its
 * work in methods: the closures and small objects it replaced were a
 * measurable part of a constant API answer's cost.
 */
class Visit implements FrontRecord, Pending {
  accountId?: string = undefined;
  readonly requestId: string;
  readonly request: Request;
  readonly method: string;
  /** The path Hono routes by (percent-decoded): the headers follow the route. */
  readonly path: string;
  readonly started: number;
  readonly logger: Logger;
  /** Read when the answer's head is written: a route may leave one out (withoutDefaultHeader). */
  defaults: HeaderList;
  /** The defaults go with the ServerResponse's writeHead (Node); else onto the Response. */
  readonly sure: boolean;

  constructor(
    requestId: string,
    request: Request,
    method: string,
    path: string,
    started: number,
    logger: Logger,
    defaults: HeaderList,
    sure: boolean,
  ) {
    this.requestId = requestId;
    this.request = request;
    this.method = method;
    this.path = path;
    this.started = started;
    this.logger = logger;
    this.defaults = defaults;
    this.sure = sure;
  }

  log(status: number): void {
    if (this.logger.enabled?.("info") === false) return;
    this.logger.info("request", {
      requestId: this.requestId,
      method: this.method,
      path: this.path,
      status,
      ms: Math.round((performance.now() - this.started) * 10) / 10,
      accountId: this.accountId, // left out of the line when undefined
    });
  }

  finish(res: Response): Response {
    const out = this.sure
      ? res
      : withDefaults(res, [["X-Request-Id", this.requestId] as const, ...this.defaults]);
    this.log(out.status);
    return out;
  }

  fail(error: unknown): never {
    this.log(500);
    throw error;
  }
}

/** `fetch` behind the front. */
export function withFront<E, X>(fetch: Fetch<E, X>, logger: Logger): Fetch<E, X> {
  const freshId = requestIds();
  return (request, env, executionCtx) => {
    const started = performance.now();
    const node = env as FrontEnv | undefined;
    const incoming = node?.incoming;
    const outgoing = node?.outgoing;
    const method = request.method;
    const path = pathOfUrl(request);
    const requestId = requestIdOf(
      incoming?.headers ? incoming.headers["x-request-id"] : request.headers.get("x-request-id"),
      freshId,
    );

    if (path === "/health" && (method === "GET" || method === "HEAD")) {
      new Visit(requestId, request, method, path, started, logger, [], false).log(200);
      // The headers of /health's kind ("read"), in one literal: @hono/node-server
      // writes them with the body in one go.
      return new Response(method === "HEAD" && !outgoing ? null : "OK", {
        headers: {
          "Content-Type": "text/plain; charset=UTF-8",
          "X-Request-Id": requestId,
          "Access-Control-Allow-Origin": "*",
          "X-Content-Type-Options": "nosniff",
        },
      });
    }

    // Under Node the defaults go with the ServerResponse's writeHead, where
    // the route's own headers win, and answers that do not pass through
    // Hono (errors of the adapter) get them too.
    const sure = outgoing instanceof ServerResponse && !outgoing.headersSent;
    const visit = new Visit(
      requestId,
      request,
      method,
      path,
      started,
      logger,
      defaultHeaders(method, path),
      sure,
    );
    if (sure) writeDefaultsWith(outgoing, visit);
    let result: Response | Promise<Response>;
    try {
      // The caller's bindings (node-server's are made for each request), with the visit.
      let bindings: FrontEnv;
      if (node && typeof node === "object") {
        node.front = visit;
        bindings = node;
      } else {
        bindings = { front: visit };
      }
      result = fetch(request, bindings as E, executionCtx);
    } catch (error) {
      return visit.fail(error);
    }
    return "then" in result
      ? result.then(
          (res) => visit.finish(res),
          (error: unknown) => visit.fail(error),
        )
      : visit.finish(result);
  };
}
