// Setting a header on a response already made (in a middleware, after
// `next()`). Hono's `c.header()` then rebuilds the whole Response, which also
// takes @hono/node-server off its fast path for plain responses; changing the
// headers in place avoids both. Responses with immutable headers (from
// `fetch`, `Response.redirect`) fall back to `c.header()`.
import type { Context } from "hono";

export function setResponseHeader(c: Context, name: string, value: string): void {
  try {
    c.res.headers.set(name, value);
  } catch {
    c.header(name, value);
  }
}
