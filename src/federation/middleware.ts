// Mounts Fedify in Hono: requests to the federation's URLs (WebFinger, the
// actors and their collections, statuses, the inboxes, /actor) go to
// `federation.fetch`; when Fedify has no route for them or the client did not
// ask for ActivityPub JSON (content negotiation: a browser's text/html), they
// go on to Herd's own routes. `/@user` and `/@user/:id` asked for as
// ActivityPub JSON are the actor and the Note, as Mastodon answers them.
//
// The request is rebuilt on Herd's canonical origin (LOCAL_HTTPS and
// WEB_DOMAIN): behind a TLS-terminating proxy Node.js sees http://, while
// remote servers sign, and Fedify checks, the public https:// URL.
import type { Federation } from "@fedify/fedify";
import type { Context, MiddlewareHandler, Next } from "hono";
import type { HerdEnv } from "../http/env.ts";

/**
 * Where the middleware is mounted (Hono patterns): every path Fedify may
 * answer, so that the rest (the client API above all) never enters it; the
 * router remembers which paths match, so a request elsewhere pays nothing.
 */
export const FEDERATION_MOUNTS: readonly string[] = [
  "/.well-known/webfinger",
  "/inbox",
  "/actor",
  "/users/*",
  "/@*",
];

/** The paths Fedify may answer, exactly: the mounts above are wider. */
const FEDERATION_PATH =
  /^\/(?:\.well-known\/webfinger|inbox|actor|users\/[^/]+(?:\/.*)?|@[^/]+(?:\/[^/]+)?)$/;

/** Whether Fedify may answer `path` (test/federation-mounts.test.ts holds the mounts to it). */
export const mayFederate = (path: string): boolean => FEDERATION_PATH.test(path);
const PROFILE_PATH = /^\/@([^/]+)(?:\/([^/]+))?$/;

/** Fedify's plain-text refusals (401 of an unverified signature, ...) as Mastodon's error JSON. */
async function asErrorJson(response: Response): Promise<Response> {
  const type = response.headers.get("content-type") ?? "";
  if (response.status < 400 || !type.startsWith("text/plain")) return response;
  const error = (await response.text()).trim() || response.statusText;
  const headers = new Headers(response.headers);
  headers.set("content-type", "application/json; charset=utf-8");
  return new Response(JSON.stringify({ error }), { status: response.status, headers });
}

export function federationMiddleware(
  federation: Federation<void>,
  origin: string,
): MiddlewareHandler<HerdEnv> {
  // Not async itself: paths the mounts catch that Fedify does not serve
  // (/users, /@a/b/c) pass straight on, without a promise around them.
  return (c, next) => (mayFederate(c.req.path) ? answer(c, next) : next());

  async function answer(c: Context<HerdEnv>, next: Next): Promise<Response | void> {
    let path = c.req.path;
    const method = c.req.method;
    const profile = PROFILE_PATH.exec(path);
    if (profile) {
      if (method !== "GET" && method !== "HEAD") return next();
      path = `/users/${profile[1]}${profile[2] ? `/statuses/${profile[2]}` : ""}`;
    }
    const url = new URL(path, origin);
    url.search = new URL(c.req.url).search;
    // Read through Hono, which keeps the body for a route that runs after.
    const body = method === "GET" || method === "HEAD" ? undefined : await c.req.arrayBuffer();
    const request = new Request(url, { method, headers: c.req.raw.headers, body });

    let passOn = false;
    const response = await federation.fetch(request, {
      contextData: undefined,
      onNotFound: () => {
        passOn = true;
        return new Response(null, { status: 404 });
      },
      onNotAcceptable: () => {
        passOn = true;
        return new Response(null, { status: 406 });
      },
    });
    if (passOn) return next();
    return asErrorJson(response);
  }
}
