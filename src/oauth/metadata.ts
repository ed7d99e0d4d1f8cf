// GET /.well-known/oauth-authorization-server: RFC 8414 metadata in the shape
// and order of Mastodon's OAuthMetadataPresenter
// (https://docs.joinmastodon.org/methods/oauth/#authorization-server-metadata).
import type { Hono } from "hono";
import { SCOPES_SUPPORTED } from "../domain/oauth/scopes.ts";
import type { HerdEnv } from "../http/env.ts";
import { urlsFor } from "../urls.ts";

export function registerMetadataRoutes(app: Hono<HerdEnv>): void {
  app.get("/.well-known/oauth-authorization-server", (c) => {
    const { base } = urlsFor(c.get("deps").config);
    c.header("Cache-Control", "public, max-age=900");
    return c.json({
      issuer: `${base}/`,
      authorization_endpoint: `${base}/oauth/authorize`,
      token_endpoint: `${base}/oauth/token`,
      revocation_endpoint: `${base}/oauth/revoke`,
      userinfo_endpoint: `${base}/oauth/userinfo`,
      scopes_supported: SCOPES_SUPPORTED,
      response_types_supported: ["code"],
      // Only `query`: Herd does not implement the fragment and form_post response modes.
      response_modes_supported: ["query"],
      // Refresh tokens are not issued (as in Mastodon), so refresh_token is not offered.
      grant_types_supported: ["authorization_code", "password", "client_credentials"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      code_challenge_methods_supported: ["S256"],
      service_documentation: "https://docs.joinmastodon.org/",
      app_registration_endpoint: `${base}/api/v1/apps`,
    });
  });
}
