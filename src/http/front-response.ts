// The front's default headers on Node's side (src/http/front.ts): a
// ServerResponse whose writeHead adds the defaults the headers given lack,
// so that Node checks and writes one object. Setting each default with
// setHeader first, then writeHead, cost twice as much (1.6 against 0.7 µs
// for the five defaults of an API answer, its request id and its
// Content-Type).
//
// `FrontResponse` is the server's response class (http.createServer's
// `ServerResponse` option, given in main.ts): its writeHead is on its
// prototype and its one field is made with it. A ServerResponse of another
// server (tests, an embedder) gets the same writeHead as its own property.
import { ServerResponse, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";

/** A header the front gives by default: its name, value, and name in lower case. */
export type DefaultHeader = readonly [name: string, value: string, lower: string];
export type HeaderList = readonly DefaultHeader[];

/** What an answer under Node is still to get: its request id and defaults. */
export interface Pending {
  requestId: string;
  defaults: HeaderList;
}

const PENDING = Symbol("herd.front.defaults");
type WithPending = ServerResponse & { [PENDING]?: Pending };

const nodeWriteHead = ServerResponse.prototype.writeHead as (
  this: ServerResponse,
  statusCode: number,
  reason?: string,
  headers?: OutgoingHttpHeaders | readonly unknown[],
) => ServerResponse;

/** Whether the answer has `lower` already: among the headers given, or set before with setHeader. */
function hasHeader(res: ServerResponse, given: OutgoingHttpHeaders | undefined, lower: string) {
  if (res.hasHeader(lower)) return true;
  if (given) {
    for (const key in given)
      if (key.length === lower.length && key.toLowerCase() === lower) return true;
  }
  return false;
}

/** Whether a raw header list (`[k, v, k, v]` or `[[k, v], ...]`) names `lower`. */
function listHas(list: readonly unknown[], lower: string): boolean {
  const nested = Array.isArray(list[0]);
  for (let i = 0; i < list.length; i += nested ? 1 : 2) {
    const name = nested ? (list[i] as unknown[])[0] : list[i];
    if (typeof name === "string" && name.toLowerCase() === lower) return true;
  }
  return false;
}

/** ServerResponse#writeHead with the pending defaults joined to the headers given. */
function writeHeadWithDefaults(
  this: WithPending,
  statusCode: number,
  reasonOrHeaders?: string | OutgoingHttpHeaders | readonly unknown[] | null,
  maybeHeaders?: OutgoingHttpHeaders | readonly unknown[],
): ServerResponse {
  // Node's reading: a status message only if a string, the headers then next.
  const reason = typeof reasonOrHeaders === "string" ? reasonOrHeaders : undefined;
  const given =
    typeof reasonOrHeaders === "string"
      ? maybeHeaders
      : (maybeHeaders ?? reasonOrHeaders ?? undefined);
  const pending = this[PENDING];
  // An interim answer (1xx) leaves the defaults for the final one.
  if (!pending || statusCode < 200) return nodeWriteHead.call(this, statusCode, reason, given);
  let headers: OutgoingHttpHeaders | readonly unknown[];
  const { defaults } = pending;
  if (Array.isArray(given)) {
    // A raw list keeps its shape (and its repeated names): the defaults join it.
    const missing: [string, string][] = [];
    const has = (lower: string) => this.hasHeader(lower) || listHas(given, lower);
    if (!has("x-request-id")) missing.push(["X-Request-Id", pending.requestId]);
    for (const [name, value, lower] of defaults) if (!has(lower)) missing.push([name, value]);
    headers = Array.isArray(given[0]) ? [...missing, ...given] : [...missing.flat(), ...given];
  } else {
    const route = given as OutgoingHttpHeaders | undefined;
    const object: OutgoingHttpHeaders = {};
    if (!hasHeader(this, route, "x-request-id")) object["X-Request-Id"] = pending.requestId;
    for (let i = 0; i < defaults.length; i++) {
      const [name, value, lower] = defaults[i]!;
      if (!hasHeader(this, route, lower)) object[name] = value;
    }
    if (route) for (const key in route) object[key] = route[key];
    headers = object;
  }
  // Kept until Node has taken the headers: the 500 that follows a refused
  // header (node-server's handleResponseError) gets the defaults too.
  const written = nodeWriteHead.call(this, statusCode, reason, headers);
  this[PENDING] = undefined;
  return written;
}

/** The server's response class: http.createServer({ ServerResponse: FrontResponse }). */
export class FrontResponse<
  Request extends IncomingMessage = IncomingMessage,
> extends ServerResponse<Request> {
  [PENDING]: Pending | undefined = undefined;
}
FrontResponse.prototype.writeHead = writeHeadWithDefaults as FrontResponse["writeHead"];

/** Has `res` write `pending`'s defaults with the headers of its answer. */
export function writeDefaultsWith(res: ServerResponse, pending: Pending): void {
  (res as WithPending)[PENDING] = pending;
  // Another server's response: the same writeHead, as its own property.
  if (res.writeHead !== writeHeadWithDefaults) {
    res.writeHead = writeHeadWithDefaults as ServerResponse["writeHead"];
  }
}
