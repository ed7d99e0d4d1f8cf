// Which API answers shared caches may keep, as Mastodon's controllers say
// (app/controllers/concerns/api/caching_concern.rb and cache_concern.rb).
// Every API answer is `private, no-store` with `Vary: Authorization` unless
// its route says otherwise here (the defaults are the front's,
// src/http/front.ts):
// - `cache_if_unauthenticated!`: public for 15 seconds when nobody signed
//   in asks, on the public reads (an account, its statuses, a status, the
//   public timelines, trends, the directory). Mastodon's
//   `enforce_cache_control!` then makes any answer to a request that sent an
//   Authorization header private again, because it varies by that header;
// - `cache_even_if_authenticated!` with `vary_by ''`: public for five
//   minutes whoever asks, on answers that are the same for everyone (the
//   instance and its parts, custom emojis).
// Rails writes `expires_in`'s directives in this order (ActionDispatch's
// Http::Cache::Response).
import type { Context } from "hono";
import { userSignedIn } from "./auth.ts";
import type { HerdEnv } from "./env.ts";
import { requestHeader, setAnswerHeader } from "./fast-headers.ts";
import { withoutDefaultHeader } from "./front.ts";

export const CACHE_IF_UNAUTHENTICATED =
  "max-age=15, public, stale-while-revalidate=30, stale-if-error=86400";
export const CACHE_EVEN_IF_AUTHENTICATED =
  "max-age=300, public, stale-while-revalidate=30, stale-if-error=86400";

/**
 * The Cache-Control of `cache_if_unauthenticated!` when it applies to this
 * request, else undefined (the default, `private, no-store`, stays): not for
 * a signed-in user (`user_signed_in?`), nor for any request that sent an
 * Authorization header, valid or not (`enforce_cache_control!`).
 */
export function publicIfUnauthenticated(c: Context<HerdEnv>): string | undefined {
  if (userSignedIn(c)) return undefined;
  if (requestHeader(c, "authorization") !== undefined) return undefined;
  return CACHE_IF_UNAUTHENTICATED;
}

/** Mastodon's `cache_if_unauthenticated!`: call once the answer is sure (not before a 404). */
export function cacheIfUnauthenticated(c: Context<HerdEnv>): void {
  const value = publicIfUnauthenticated(c);
  if (value) setAnswerHeader(c, "Cache-Control", value);
}

/** Mastodon's `cache_even_if_authenticated!` with the `vary_by ''` that goes with it. */
export function cacheEvenIfAuthenticated(c: Context<HerdEnv>): void {
  setAnswerHeader(c, "Cache-Control", CACHE_EVEN_IF_AUTHENTICATED);
  withoutDefaultHeader(c, "vary");
}

/**
 * Mastodon's `deprecate_api` (DeprecationConcern): `Deprecation: @<seconds>`,
 * the day the endpoint was deprecated, as RFC 9745 writes a date.
 */
export function deprecationHeader(day: string): string {
  return `@${Date.parse(`${day}T00:00:00Z`) / 1000}`;
}

export function deprecatedSince(c: Context<HerdEnv>, day: string): void {
  setAnswerHeader(c, "Deprecation", deprecationHeader(day));
}
