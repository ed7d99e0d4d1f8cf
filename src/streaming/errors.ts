// The streaming server's errors, as Mastodon's streaming/errors.js: a
// RequestError is a 400, an AuthenticationError a 401, anything else a 500
// "An unexpected error occurred". Event streams answer them as
// `{"error": message}`, WebSocket subscriptions as `{"error", "status"}`, and a
// WebSocket upgrade as an empty response with the message in X-Error-Message.
export class StreamingError extends Error {
  override name = "StreamingError";
  readonly status: 400 | 401;

  constructor(status: 400 | 401, message: string) {
    super(message);
    this.status = status;
  }
}

export const requestError = (message: string) => new StreamingError(400, message);
export const authenticationError = (message: string) => new StreamingError(401, message);

export const UNEXPECTED_ERROR_MESSAGE = "An unexpected error occurred";

/** The status and message to answer for `error`. */
export function statusAndMessage(error: unknown): { status: number; message: string } {
  if (error instanceof StreamingError) return { status: error.status, message: error.message };
  return { status: 500, message: UNEXPECTED_ERROR_MESSAGE };
}
