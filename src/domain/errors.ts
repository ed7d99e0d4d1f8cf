// Typed errors thrown by domain functions. Only the HTTP layer
// (src/mastodon/http/errors.ts) turns them into a status and Mastodon's error
// entity (https://docs.joinmastodon.org/entities/Error/).
export type DomainErrorKind =
  | "bad_request" // 400
  | "unauthorized" // 401
  | "forbidden" // 403
  | "not_found" // 404
  | "gone" // 410
  | "unprocessable" // 422
  | "rate_limited" // 429
  | "unavailable"; // 503

export class DomainError extends Error {
  override name = "DomainError";
  readonly kind: DomainErrorKind;
  readonly description?: string;
  /** Per-field errors of a 422, as Mastodon's `details` ({field: [{error, description}]}). */
  readonly details?: Record<string, { error: string; description: string }[]>;

  constructor(
    kind: DomainErrorKind,
    message: string,
    options: {
      description?: string;
      details?: Record<string, { error: string; description: string }[]>;
    } = {},
  ) {
    super(message);
    this.kind = kind;
    this.description = options.description;
    this.details = options.details;
  }
}

export const notFound = (message = "Record not found") => new DomainError("not_found", message);
export const forbidden = (message = "This action is not allowed") =>
  new DomainError("forbidden", message);
export const unprocessable = (message: string, details?: DomainError["details"]) =>
  new DomainError("unprocessable", message, { details });
