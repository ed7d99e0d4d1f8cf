// How large a request body may be. Mastodon's nginx configuration accepts up
// to 99 MB, for media uploads; everything else here stays under 8 MB. A body
// over the limit is refused before it is read: 413 with Mastodon's error JSON
// (an HTML page for browsers), the status text being Rack's.
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { HerdEnv } from "./env.ts";
import { respondWithError } from "./errors.ts";
import { hasRequestBody } from "./fast-headers.ts";

export const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024;
export const MEDIA_BODY_LIMIT = 100 * 1024 * 1024;

/**
 * Media uploads (POST /api/v1/media, /api/v2/media), their updates (PUT
 * /api/v1/media/:id), and profiles, which carry an avatar and a header of up
 * to 8 MB each (PATCH /api/v1/accounts/update_credentials).
 */
const MEDIA_PATH = /^\/api\/v(?:[12]\/media(?:\/[^/]+)?|1\/accounts\/update_credentials)$/;

export function bodyLimits(
  limits: { defaultBytes?: number; mediaBytes?: number } = {},
): MiddlewareHandler<HerdEnv> {
  const onError: Parameters<typeof bodyLimit>[0]["onError"] = (c) =>
    respondWithError(c as never, 413);
  const small = bodyLimit({ maxSize: limits.defaultBytes ?? DEFAULT_BODY_LIMIT, onError });
  const large = bodyLimit({ maxSize: limits.mediaBytes ?? MEDIA_BODY_LIMIT, onError });
  return (c, next) => {
    // Hono's check would build the whole Request object to find out that
    // there is no body (src/http/fast-headers.ts).
    if (!hasRequestBody(c)) return next();
    return (MEDIA_PATH.test(c.req.path) ? large : small)(c, next);
  };
}
