// Application and CredentialApplication
// (https://docs.joinmastodon.org/entities/Application/), as Mastodon's
// REST::ApplicationSerializer and REST::CredentialApplicationSerializer.
import type { ApplicationRow } from "../../db/schema/index.ts";
import { splitRedirectUris } from "../../domain/oauth/redirect-uris.ts";
import { parseScopes } from "../../domain/oauth/scopes.ts";

export interface Application {
  id: string;
  name: string;
  website: string | null;
  scopes: string[];
  redirect_uris: string[];
  /** Deprecated since Mastodon 4.3; the server's Web Push key (empty until push exists). */
  vapid_key: string;
  /** Deprecated since Mastodon 4.3: the redirect URIs one a line. */
  redirect_uri: string;
}

export interface CredentialApplication extends Application {
  client_id: string;
  client_secret: string;
  /** 0: client secrets do not expire. */
  client_secret_expires_at: number;
}

export function serializeApplication(app: ApplicationRow, vapidKey = ""): Application {
  return {
    id: app.id,
    name: app.name,
    website: app.website || null,
    scopes: parseScopes(app.scopes),
    redirect_uris: splitRedirectUris(app.redirectUri),
    vapid_key: vapidKey,
    redirect_uri: app.redirectUri,
  };
}

/** Only at registration: the secret exists in clear nowhere else. */
export function serializeCredentialApplication(
  app: ApplicationRow,
  clientSecret: string,
  vapidKey = "",
): CredentialApplication {
  return {
    ...serializeApplication(app, vapidKey),
    client_id: app.clientId,
    client_secret: clientSecret,
    client_secret_expires_at: 0,
  };
}

/** The `application` of a Status: only name and website. */
export function serializeStatusApplication(app: ApplicationRow): {
  name: string;
  website: string | null;
} {
  return { name: app.name, website: app.website || null };
}
