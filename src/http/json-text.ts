// A JSON answer whose bytes are already made (src/mastodon/entities/status-json.ts),
// with the content type c.json() gives.
import type { Context } from "hono";

const CONTENT_TYPE = "application/json";

/**
 * With a `link`, the Response is made here with both headers in one plain
 * object: Hono's c.body() would make a Headers object for two, which takes
 * @hono/node-server off its fast path. Headers set earlier with c.header()
 * are then not carried: a route that sets any passes them to c.body() itself.
 */
export function jsonText(
  c: Context,
  json: string | Uint8Array,
  status: 200 | 201 = 200,
  link?: string,
): Response {
  if (link) {
    return new Response(json as string, {
      status,
      headers: { "Content-Type": CONTENT_TYPE, Link: link },
    });
  }
  return c.body(json as string, status, { "Content-Type": CONTENT_TYPE });
}
