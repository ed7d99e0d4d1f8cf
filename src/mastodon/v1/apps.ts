// POST /api/v1/apps and GET /api/v1/apps/verify_credentials
// (https://docs.joinmastodon.org/methods/apps/).
import type { Hono } from "hono";
import { registerApplication } from "../../domain/oauth/register-application.ts";
import { splitRedirectUris } from "../../domain/oauth/redirect-uris.ts";
import { parseScopes } from "../../domain/oauth/scopes.ts";
import { requireToken } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { ApiError } from "../../http/errors.ts";
import { params } from "../../http/params.ts";
import { serializeApplication, serializeCredentialApplication } from "../entities/application.ts";

/** A scalar parameter as a string (Rails casts numbers); anything else is absent. */
function scalar(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return null;
}

/** A string of whitespace-separated values, or an array of them (`a[]=x&a[]=y`, JSON arrays). */
function list(value: unknown, split: (s: string) => string[]): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => split(scalar(v) ?? ""));
  if (value !== null && typeof value === "object") return list(Object.values(value), split);
  return split(scalar(value) ?? "");
}

export function registerAppsRoutes(app: Hono<HerdEnv>): void {
  app.post("/api/v1/apps", async (c) => {
    const p = await params(c);
    const { application, clientSecret } = await registerApplication(c.get("deps").database.db, {
      name: scalar(p.client_name) ?? "",
      redirectUris: list(p.redirect_uris, splitRedirectUris),
      // Mastodon reads `scopes` as a string; an array is taken as the list it means.
      scopes: list(p.scopes, parseScopes),
      website: scalar(p.website),
    });
    return c.json(serializeCredentialApplication(application, clientSecret));
  });

  // Any valid token will do, app or user, whatever its scopes (since 4.3.0).
  app.get("/api/v1/apps/verify_credentials", (c) => {
    const auth = requireToken(c);
    if (!auth.application) throw new ApiError(401, "The access token is invalid");
    return c.json(serializeApplication(auth.application));
  });
}
