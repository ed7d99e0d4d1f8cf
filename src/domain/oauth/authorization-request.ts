// Checks an authorization request (GET /oauth/authorize, and the consent form
// that repeats it) in Doorkeeper's order
// (https://docs.joinmastodon.org/methods/oauth/#authorize). Problems with the
// client or the redirect URI must never send the browser to that URI: they
// are shown on an error page. Later problems go back to the client as
// `?error=...` (RFC 6749 section 4.1.2.1), except for the out-of-band URI,
// which has nowhere to go back to.
import type { Db } from "../../db/database.ts";
import type { ApplicationRow } from "../../db/schema/index.ts";
import { findApplicationByClientId } from "./applications.ts";
import { missingParam, OAuthError, type OAuthErrorCode } from "./oauth-error.ts";
import { isOobUri, redirectUriMatches, splitRedirectUris } from "./redirect-uris.ts";
import { defaultScopesFor, invalidScopes, parseScopes, withinScopes } from "./scopes.ts";

export interface AuthorizationRequestInput {
  responseType?: string | null;
  clientId?: string | null;
  redirectUri?: string | null;
  scope?: string | null;
  state?: string | null;
  codeChallenge?: string | null;
  codeChallengeMethod?: string | null;
}

export interface AuthorizationRequest {
  application: ApplicationRow;
  redirectUri: string;
  scopes: string[];
  state: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: "S256" | null;
}

/** An invalid request; `redirectUri` is where to report it, null for an error page. */
export class AuthorizationRequestError extends OAuthError {
  override name = "AuthorizationRequestError";
  readonly redirectUri: string | null;
  readonly state: string | null;

  constructor(
    code: OAuthErrorCode,
    options: { description?: string; redirectUri?: string | null; state?: string | null } = {},
  ) {
    super(code, options.description);
    this.redirectUri = options.redirectUri ?? null;
    this.state = options.state ?? null;
  }
}

// RFC 7636 section 4.2: the S256 challenge is base64url; verifiers are 43 to 128 characters.
const CODE_CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/;

export async function checkAuthorizationRequest(
  db: Db,
  input: AuthorizationRequestInput,
): Promise<AuthorizationRequest> {
  const state = input.state || null;
  if (!input.clientId) {
    throw new AuthorizationRequestError("invalid_request", {
      description: missingParam("client_id").description,
      state,
    });
  }
  const application = await findApplicationByClientId(db, input.clientId.slice(0, 256));
  if (!application) throw new AuthorizationRequestError("invalid_client", { state });

  const registered = splitRedirectUris(application.redirectUri);
  // RFC 6749 section 3.1.2.3: a client with one registered URI may leave it out.
  const redirectUri = input.redirectUri || (registered.length === 1 ? registered[0]! : null);
  if (!redirectUri || !redirectUriMatches(redirectUri, registered)) {
    throw new AuthorizationRequestError("invalid_redirect_uri", { state });
  }

  // From here on, errors go back to the client.
  const fail = (code: OAuthErrorCode, description?: string): never => {
    throw new AuthorizationRequestError(code, {
      description,
      redirectUri: isOobUri(redirectUri) ? null : redirectUri,
      state,
    });
  };
  if (!input.responseType) fail("invalid_request", missingParam("response_type").description);
  if (input.responseType !== "code") fail("unsupported_response_type");

  const appScopes = parseScopes(application.scopes);
  const requested = input.scope ? parseScopes(input.scope) : defaultScopesFor(appScopes);
  if (
    requested.length === 0 ||
    invalidScopes(requested).length > 0 ||
    !withinScopes(appScopes, requested)
  ) {
    fail("invalid_scope");
  }

  let codeChallenge: string | null = null;
  if (input.codeChallenge) {
    // Mastodon (4.3+) supports only S256; `plain`, or no method (which means plain), is refused.
    if (input.codeChallengeMethod !== "S256") {
      fail("invalid_request", "The code_challenge_method must be S256.");
    }
    if (!CODE_CHALLENGE.test(input.codeChallenge)) {
      fail("invalid_request", "The code_challenge is malformed.");
    }
    codeChallenge = input.codeChallenge;
  }

  return {
    application,
    redirectUri,
    scopes: requested,
    state,
    codeChallenge,
    codeChallengeMethod: codeChallenge ? "S256" : null,
  };
}
