// Headers that every response gets (request id, CORS, nosniff, rate limits)
// without building Web API objects. Setting them through Hono (`c.header()`,
// `c.res.headers`) makes undici create a `Headers` object per response, and
// reading request headers through `c.req` makes @hono/node-server build one
// for the request: measured with bench/profile.ts, that and a body-limit check
// that materialized the whole `Request` cost /health more than half its
// throughput. Under @hono/node-server the Node request and response are at
// hand (`c.env.incoming` / `c.env.outgoing`); elsewhere (`app.request` in
// tests) these helpers fall back to Hono's API with the same outcome.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context, Next } from "hono";
import { isPromise } from "../lib/is-promise.ts";
import { setResponseHeader } from "./response-headers.ts";

interface NodeBindings {
  incoming?: IncomingMessage;
  outgoing?: ServerResponse;
}

const nodeOf = (c: Context): NodeBindings => (c.env ?? {}) as NodeBindings;

/** A request header (lower-case `name`), read from the Node request when there is one. */
export function requestHeader(c: Context, name: string): string | undefined {
  const headers = nodeOf(c).incoming?.headers;
  if (headers) {
    const value = headers[name];
    return Array.isArray(value) ? value.join(", ") : value;
  }
  return c.req.header(name);
}

/**
 * Whether the request carries a body. Over HTTP/1.1 a body comes with
 * Content-Length or Transfer-Encoding (RFC 9112, section 6.3); a Request made
 * in process may have one without either.
 */
export function hasRequestBody(c: Context): boolean {
  const headers = nodeOf(c).incoming?.headers;
  if (headers) return "content-length" in headers || "transfer-encoding" in headers;
  return c.req.raw.body !== null;
}

/**
 * Runs `next` with `headers` as defaults of the response: a header the route
 * sets itself wins. Under Node they go on the `ServerResponse` before the
 * route runs (`writeHead` gives the route's own headers precedence, and
 * responses that do not pass through Hono, such as errors, get them too);
 * otherwise they are added after the route to a response that lacks them.
 */
export function withDefaultHeaders(
  c: Context,
  headers: readonly (readonly [string, string])[],
  next: Next,
): ReturnType<Next> {
  const outgoing = nodeOf(c).outgoing;
  if (outgoing && !outgoing.headersSent) {
    for (const [name, value] of headers) outgoing.setHeader(name, value);
    // Not awaited: the answer may come without a promise (src/http/flat-router.ts).
    return next();
  }
  const add = () => {
    for (const [name, value] of headers) {
      if (!c.res.headers.has(name)) setResponseHeader(c, name, value);
    }
  };
  const done: unknown = next();
  if (isPromise(done)) return done.then(add) as ReturnType<Next>;
  add();
  return done as ReturnType<Next>;
}

/**
 * Sets a header of the answer a route is about to make. Under Node it goes
 * on the `ServerResponse`, where the answer's own headers still win and the
 * Response keeps @hono/node-server's plain path; elsewhere Hono's
 * `c.header()`, which the next `c.json()` (or `c.body()`) takes.
 */
export function setAnswerHeader(c: Context, name: string, value: string): void {
  const outgoing = nodeOf(c).outgoing;
  if (outgoing && !outgoing.headersSent) outgoing.setHeader(name, value);
  else c.header(name, value);
}

/**
 * Takes back a header set for the answer (setAnswerHeader, or Hono's
 * `c.header()`), so that the front's default applies again.
 */
export function removeAnswerHeader(c: Context, name: string): void {
  const outgoing = nodeOf(c).outgoing;
  if (outgoing && !outgoing.headersSent) outgoing.removeHeader(name);
  c.header(name, undefined);
}
