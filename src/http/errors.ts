// Mastodon's error entity (https://docs.joinmastodon.org/entities/Error/) and
// the one place that maps errors to HTTP statuses. As Mastodon
// (Api::ErrorHandling, ApplicationController#respond_with_error):
// - known errors answer {"error": message} with their status;
// - database conflicts: a duplicate is 422 "Duplicate record", a
//   serialization failure or deadlock 503 "temporary problem";
// - anything else is a 500 {"error": "Internal Server Error"} (an HTML page
//   for browsers), logged with its stack and the request id, which the
//   response carries in X-Request-Id. The body never shows the error itself.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { DomainError, type DomainErrorKind } from "../domain/errors.ts";
import type { HerdEnv } from "./env.ts";
import { removeAnswerHeader } from "./fast-headers.ts";

const STATUS: Record<DomainErrorKind, ContentfulStatusCode> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  gone: 410,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
};

/** An error answered as `{"error": message, "error_description"?: ...}` with `status`. */
export class ApiError extends Error {
  override name = "ApiError";
  readonly status: ContentfulStatusCode;
  readonly description?: string;
  readonly body?: Record<string, unknown>;

  constructor(
    status: ContentfulStatusCode,
    message: string,
    options: { description?: string; body?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.status = status;
    this.description = options.description;
    this.body = options.body;
  }
}

export const badRequest = (message: string) => new ApiError(400, message);
export const notFoundError = () => new ApiError(404, "Record not found");
export const unprocessableError = (message: string) => new ApiError(422, message);

export function errorBody(
  error: string,
  description?: string,
  extra?: Record<string, unknown>,
): Record<string, unknown> {
  return {
    error,
    ...(description === undefined ? {} : { error_description: description }),
    ...extra,
  };
}

/** Rack's reason phrases (Rack::Utils::HTTP_STATUS_CODES), which Mastodon uses as error texts. */
const REASON: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  408: "Request Timeout",
  409: "Conflict",
  410: "Gone",
  411: "Length Required",
  413: "Content Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export function statusText(status: number): string {
  return REASON[status] ?? (status >= 500 ? "Internal Server Error" : "Error");
}

/** OAuth endpoints called by programs, not browsers (the authorization page is a page). */
const OAUTH_API = /^\/oauth\/(token|revoke|userinfo|introspect)$/;

/**
 * Whether an error for this request is answered in JSON: the API, OAuth's
 * endpoints for programs, discovery documents, and any client that asks for
 * JSON. Browsers on pages get HTML.
 */
export function wantsJson(c: Context<HerdEnv>): boolean {
  const path = c.req.path;
  if (
    path.startsWith("/api/") ||
    OAUTH_API.test(path) ||
    path.startsWith("/.well-known/") ||
    path.startsWith("/nodeinfo/")
  ) {
    return true;
  }
  const accept = c.req.header("accept") ?? "";
  return /json/i.test(accept) && !/text\/html/i.test(accept);
}

/** A page for browsers saying what went wrong, without any detail. */
function errorPage(c: Context<HerdEnv>, status: ContentfulStatusCode, message: string) {
  return c.html(
    `<!doctype html><meta charset="utf-8"><title>${statusText(status)}</title><h1>${message}</h1>`,
    status,
  );
}

const PAGE_TEXT: Record<number, string> = {
  404: "The page you are looking for isn't here.",
  413: "The request is too large.",
  500: "We're sorry, but something went wrong on our end.",
};

/** `{"error": ...}` for API clients, a short page for browsers. */
export function respondWithError(
  c: Context<HerdEnv>,
  status: ContentfulStatusCode,
  message = statusText(status),
) {
  if (wantsJson(c)) return c.json(errorBody(message), status);
  return errorPage(c, status, PAGE_TEXT[status] ?? message);
}

/** The SQLSTATE of a PostgreSQL error, also when Drizzle wraps it (DrizzleQueryError.cause). */
function sqlState(err: unknown): string | null {
  for (let e: unknown = err, i = 0; e && i < 3; e = (e as { cause?: unknown }).cause, i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return null;
}

const TEMPORARY = "There was a temporary problem serving your request, please try again";

/**
 * Hono's onError: known errors become Mastodon JSON; anything else is a
 * logged 500. An error answer is never for shared caches, whatever the
 * route had said of its answer before it failed (src/http/cache-control.ts).
 */
export function handleError(err: Error, c: Context<HerdEnv>) {
  removeAnswerHeader(c, "Cache-Control");
  if (err instanceof ApiError) {
    return c.json(err.body ?? errorBody(err.message, err.description), err.status);
  }
  if (err instanceof DomainError) {
    return c.json(
      errorBody(err.message, err.description, err.details ? { details: err.details } : undefined),
      STATUS[err.kind],
    );
  }
  if (err instanceof HTTPException) {
    // Thrown by Hono's own middlewares (body limit, ...): their status, Mastodon's shape.
    const status = (err.status >= 400 ? err.status : 500) as ContentfulStatusCode;
    if (status >= 500) logFailure(c, err);
    return c.json(errorBody(err.message || statusText(status)), status);
  }
  const state = sqlState(err);
  if (state === "23505") return c.json(errorBody("Duplicate record"), 422);
  if (state === "40001" || state === "40P01") {
    c.get("deps")?.logger.warn("database conflict", { requestId: c.get("requestId"), state });
    return c.json(errorBody(TEMPORARY), 503);
  }
  logFailure(c, err);
  return respondWithError(c, 500);
}

function logFailure(c: Context<HerdEnv>, err: Error) {
  c.get("deps")?.logger.error("request failed", {
    requestId: c.get("requestId"),
    method: c.req.method,
    path: c.req.path,
    err,
  });
}
