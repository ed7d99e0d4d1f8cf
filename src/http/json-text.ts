// A JSON answer whose bytes are already made (src/mastodon/entities/status-json.ts),
// with the content type c.json() gives.
import type { Context } from "hono";

const CONTENT_TYPE = "application/json";

/**
 * With `headers` (a Link, a Cache-Control), the Response is made here with
 * them all in one plain object: Hono's c.body() would make a Headers object
 * for more than one, which takes @hono/node-server off its fast path.
 * Headers set earlier with c.header() are then not carried: a route that
 * sets any passes them here itself.
 */
export function jsonText(
  c: Context,
  json: string | Uint8Array,
  status: 200 | 201 = 200,
  headers?: Record<string, string>,
): Response {
  if (headers) {
    return new Response(json as string, {
      status,
      headers: { "Content-Type": CONTENT_TYPE, ...headers },
    });
  }
  return c.body(json as string, status, { "Content-Type": CONTENT_TYPE });
}
