// Mastodon's error entity (https://docs.joinmastodon.org/entities/Error/) and
// the one place that maps errors to HTTP statuses.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { DomainError, type DomainErrorKind } from "../domain/errors.ts";
import type { HerdEnv } from "./env.ts";

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

/** Hono's onError: known errors become Mastodon JSON; anything else is a logged 500. */
export function handleError(err: Error, c: Context<HerdEnv>) {
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
    const status = err.status as ContentfulStatusCode;
    return c.json(errorBody(err.message || statusText(status)), status);
  }
  const requestId = c.get("requestId");
  c.get("deps")?.logger.error("unhandled error", { requestId, err, path: c.req.path });
  return c.json(
    errorBody("An unexpected error occurred", undefined, { request_id: requestId }),
    500,
  );
}

function statusText(status: number): string {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    default:
      return "Error";
  }
}
