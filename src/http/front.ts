// The front of every request, around the app's fetch (createApp installs it):
// what each answer gets whichever route makes it (a request id, CORS's simple
// headers, nosniff, the API's `private, no-store`), one log line per request,
// and /health.
//
// Why not Hono middleware: each middleware is an async frame and a step of
// Hono's compose for every request, and a response that comes back as a
// promise takes @hono/node-server off its synchronous path (it then also
// watches the socket's close for that request). Measured with bench/social.ts
// (d), Herd's /health behind four such middlewares answered 43–46% as many
// requests as bare node:http; bare Hono alone 75–78%. Here the same work is
// plain code run once, and /health, which a load balancer calls as often as
// it likes, is answered without entering the router.
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import type { Context } from "hono";
import { getPath } from "hono/utils/url";
import type { Logger } from "../logger.ts";
import { corsHeaders, corsKindOf, type CorsKind } from "./cors.ts";

type HeaderList = readonly (readonly [string, string])[];

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
  /** The request the front saw and the path Hono routes it by, worked out once (`pathOf`). */
  routed?: { request: Request; path: string };
}

type Fetch<E, X> = (request: Request, env?: E, executionCtx?: X) => Response | Promise<Response>;

/** The request's record, made by the front (a fresh one if the front was skipped). */
export function frontOf(c: Context): FrontRecord {
  const env = c.env as FrontEnv | undefined;
  if (env?.front) return env.front;
  const record = { requestId: randomUUID() };
  if (env && typeof env === "object") env.front = record;
  return record;
}

/** Hono's `getPath` option: the path the front worked out for this request, else Hono's own. */
export function pathOf(request: Request, options?: { env?: unknown }): string {
  const routed = (options?.env as FrontEnv | undefined)?.routed;
  return routed?.request === request ? routed.path : getPath(request);
}

/**
 * The request id: the one a proxy sent in X-Request-Id, cleaned as Rails'
 * ActionDispatch::RequestId does, or a new UUID.
 */
export function requestIdOf(given: string | string[] | null | undefined): string {
  const value = Array.isArray(given) ? given.join(", ") : given;
  const cleaned = value?.replace(/[^\w\-@]/g, "").slice(0, 255);
  return cleaned || randomUUID();
}

const NOSNIFF = ["X-Content-Type-Options", "nosniff"] as const;
// Mastodon's default for API answers: kept out of shared caches.
const NO_STORE = ["Cache-Control", "private, no-store"] as const;

/** Defaults by CORS kind, for answers and for preflights: made once. */
const DEFAULTS = new Map<string, HeaderList>();
for (const kind of ["api", "post", "userinfo", "read", null] as CorsKind[]) {
  const own: HeaderList = kind === "api" ? [NOSNIFF, NO_STORE] : [NOSNIFF];
  DEFAULTS.set(`${kind}`, [...corsHeaders(kind), ...own]);
  DEFAULTS.set(`${kind} preflight`, own);
}

/** The headers every answer to `method path` gets unless its route set them itself. */
export function defaultHeaders(method: string, path: string): HeaderList {
  const kind = corsKindOf(path);
  return DEFAULTS.get(method === "OPTIONS" ? `${kind} preflight` : `${kind}`)!;
}

/** Adds the defaults a response lacks; a copy if its headers are immutable (`fetch`, redirects). */
function withDefaults(res: Response, headers: HeaderList): Response {
  try {
    for (const [name, value] of headers) if (!res.headers.has(name)) res.headers.set(name, value);
    return res;
  } catch {
    const copy = new Response(res.body, res);
    for (const [name, value] of headers) if (!copy.headers.has(name)) copy.headers.set(name, value);
    return copy;
  }
}

/** `fetch` behind the front. */
export function withFront<E, X>(fetch: Fetch<E, X>, logger: Logger): Fetch<E, X> {
  return (request, env, executionCtx) => {
    const started = performance.now();
    const node = env as FrontEnv | undefined;
    const incoming = node?.incoming;
    const outgoing = node?.outgoing;
    const method = request.method;
    // The path Hono routes by (percent-decoded), so that the headers follow the route.
    const path = getPath(request);
    const record: FrontRecord = {
      requestId: requestIdOf(
        incoming?.headers ? incoming.headers["x-request-id"] : request.headers.get("x-request-id"),
      ),
    };
    const log = (status: number) =>
      logger.info("request", {
        requestId: record.requestId,
        method,
        path,
        status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        accountId: record.accountId, // left out of the line when undefined
      });

    if (path === "/health" && (method === "GET" || method === "HEAD")) {
      // The headers of /health's kind ("read"), in one literal: @hono/node-server
      // writes them with the body in one go.
      log(200);
      return new Response(method === "HEAD" && !outgoing ? null : "OK", {
        headers: {
          "Content-Type": "text/plain; charset=UTF-8",
          "X-Request-Id": record.requestId,
          "Access-Control-Allow-Origin": "*",
          "X-Content-Type-Options": "nosniff",
        },
      });
    }

    const defaults = defaultHeaders(method, path);
    // Under Node the defaults go on the ServerResponse before the route runs:
    // `writeHead` gives the route's own headers precedence, and answers that
    // do not pass through Hono (errors of the adapter) get them too.
    const sure = typeof outgoing?.setHeader === "function" && !outgoing.headersSent;
    if (sure) {
      outgoing.setHeader("X-Request-Id", record.requestId);
      for (const [name, value] of defaults) outgoing.setHeader(name, value);
    }
    const finish = (res: Response): Response => {
      const out = sure
        ? res
        : withDefaults(res, [["X-Request-Id", record.requestId] as const, ...defaults]);
      log(out.status);
      return out;
    };
    const fail = (error: unknown): never => {
      log(500);
      throw error;
    };
    let result: Response | Promise<Response>;
    try {
      // The caller's bindings (node-server's are made for each request), with the record.
      const own: FrontEnv = { front: record, routed: { request, path } };
      const bindings = node && typeof node === "object" ? Object.assign(node, own) : own;
      result = fetch(request, bindings as E, executionCtx);
    } catch (error) {
      return fail(error);
    }
    return "then" in result ? result.then(finish, fail) : finish(result);
  };
}
