// A JSON answer whose bytes are already made (src/mastodon/entities/status-json.ts),
// with the content type c.json() gives.
import type { Context } from "hono";

export function jsonText(c: Context, json: string | Uint8Array, status: 200 | 201 = 200): Response {
  return c.body(json as string, status, { "Content-Type": "application/json" });
}
