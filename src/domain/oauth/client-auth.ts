// Client authentication at the token and revocation endpoints (RFC 6749
// section 2.3.1). Mastodon registers only confidential clients: every request
// names client_id and client_secret (in the body or with HTTP Basic).
import type { Db } from "../../db/database.ts";
import type { ApplicationRow } from "../../db/schema/index.ts";
import { authenticateClient } from "./applications.ts";
import { OAuthError } from "./oauth-error.ts";

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** The authenticated client, or invalid_client (401). */
export async function requireClient(
  db: Db,
  credentials: ClientCredentials | null,
): Promise<ApplicationRow> {
  if (
    !credentials ||
    !credentials.clientId ||
    !credentials.clientSecret ||
    credentials.clientId.length > 256 ||
    credentials.clientSecret.length > 256
  ) {
    throw new OAuthError("invalid_client");
  }
  const client = await authenticateClient(db, credentials.clientId, credentials.clientSecret);
  if (!client) throw new OAuthError("invalid_client");
  return client;
}
