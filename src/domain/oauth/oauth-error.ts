// OAuth 2 errors (RFC 6749 sections 4.1.2.1 and 5.2) with the descriptions
// Mastodon's Doorkeeper gives them (config/locales/doorkeeper.en.yml). An
// OAuthError is a DomainError whose message is the error code, so the shared
// error handler answers {"error": code, "error_description": text} as
// Doorkeeper does; invalid_client and unauthorized_client are 401, the rest 400.
import { DomainError } from "../errors.ts";

export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "unsupported_response_type"
  | "invalid_scope"
  | "invalid_redirect_uri"
  | "access_denied"
  | "server_error";

export const OAUTH_DESCRIPTIONS: Record<OAuthErrorCode, string> = {
  invalid_request:
    "The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.",
  invalid_client:
    "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
  invalid_grant:
    "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
  unauthorized_client: "The client is not authorized to perform this request using this method.",
  unsupported_grant_type:
    "The authorization grant type is not supported by the authorization server.",
  unsupported_response_type: "The authorization server does not support this response type.",
  invalid_scope: "The requested scope is invalid, unknown, or malformed.",
  invalid_redirect_uri: "The redirect uri included is not valid.",
  access_denied: "The resource owner or authorization server denied the request.",
  server_error:
    "The authorization server encountered an unexpected condition which prevented it from fulfilling the request.",
};

export class OAuthError extends DomainError {
  override name = "OAuthError";
  readonly code: OAuthErrorCode;

  constructor(code: OAuthErrorCode, description: string = OAUTH_DESCRIPTIONS[code]) {
    super(
      code === "invalid_client" || code === "unauthorized_client" ? "unauthorized" : "bad_request",
      code,
      {
        description,
      },
    );
    this.code = code;
  }
}

/** Doorkeeper's invalid_request for a missing parameter. */
export const missingParam = (name: string) =>
  new OAuthError("invalid_request", `Missing required parameter: ${name}.`);
