// OAuth applications (https://docs.joinmastodon.org/methods/apps/). The
// client secret is shown once at creation and kept as a SHA-256 digest.
import { eq } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { oauthApplications, type ApplicationRow } from "../../db/schema/index.ts";
import { newId } from "../../lib/ids.ts";
import { randomToken, safeEqual, sha256 } from "../../lib/tokens.ts";

export interface NewApplication {
  name: string;
  redirectUris: string[];
  scopes: string[];
  website?: string | null;
  ownerUserId?: string | null;
}

export async function createApplication(
  db: Db,
  input: NewApplication,
): Promise<{ application: ApplicationRow; clientSecret: string }> {
  const clientSecret = randomToken();
  const [application] = await db
    .insert(oauthApplications)
    .values({
      id: newId(),
      name: input.name,
      website: input.website ?? null,
      redirectUri: input.redirectUris.join("\n"),
      scopes: input.scopes.join(" "),
      clientId: randomToken(),
      clientSecretDigest: sha256(clientSecret),
      ownerUserId: input.ownerUserId ?? null,
    })
    .returning();
  return { application: application!, clientSecret };
}

export async function findApplicationByClientId(
  db: Db,
  clientId: string,
): Promise<ApplicationRow | null> {
  const rows = await db
    .select()
    .from(oauthApplications)
    .where(eq(oauthApplications.clientId, clientId))
    .limit(1);
  return rows[0] ?? null;
}

/** The application when client_id and client_secret match, else null. */
export async function authenticateClient(
  db: Db,
  clientId: string,
  clientSecret: string,
): Promise<ApplicationRow | null> {
  const app = await findApplicationByClientId(db, clientId);
  if (!app || !safeEqual(app.clientSecretDigest, sha256(clientSecret))) return null;
  return app;
}
