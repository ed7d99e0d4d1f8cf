// Registering an app through POST /api/v1/apps
// (https://docs.joinmastodon.org/methods/apps/#create), validated as
// Doorkeeper::Application and Mastodon's ApplicationExtension validate it:
// a name of at most 60 characters, at least one valid redirect URI (2,000
// characters at most in all), only scopes the server knows, and an optional
// http(s) website. Failures are one 422 naming every problem, worded as Rails'
// "Validation failed: ..." message.
import type { Db } from "../../db/database.ts";
import type { ApplicationRow } from "../../db/schema/index.ts";
import { DomainError } from "../errors.ts";
import { createApplication } from "./applications.ts";
import { redirectUriErrors } from "./redirect-uris.ts";
import { DEFAULT_SCOPES, invalidScopes } from "./scopes.ts";

export const APP_NAME_LIMIT = 60;
export const APP_REDIRECT_URI_LIMIT = 2_000;
export const APP_WEBSITE_LIMIT = 2_000;

export interface ApplicationRegistration {
  name: string;
  redirectUris: string[];
  /** Empty: the default scopes. */
  scopes: string[];
  website: string | null;
}

function isWebUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

/** The problems of a registration, as Rails' full messages, in Mastodon's order. */
export function registrationErrors(input: ApplicationRegistration): string[] {
  const errors: string[] = [];
  if (input.name.trim() === "") errors.push("Application name can't be blank");
  if (input.redirectUris.length === 0) {
    errors.push("Redirect URI can't be blank");
  } else {
    const seen = new Set<string>();
    for (const uri of input.redirectUris) {
      for (const message of redirectUriErrors(uri)) {
        if (!seen.has(message)) errors.push(`Redirect URI ${message}`);
        seen.add(message);
      }
    }
  }
  if (invalidScopes(input.scopes).length > 0) {
    errors.push("Scopes doesn't match configured on the server.");
  }
  if (input.name.length > APP_NAME_LIMIT) {
    errors.push(`Application name is too long (maximum is ${APP_NAME_LIMIT} characters)`);
  }
  if (input.website) {
    if (!isWebUrl(input.website)) errors.push("Application website is invalid");
    if (input.website.length > APP_WEBSITE_LIMIT) {
      errors.push(`Application website is too long (maximum is ${APP_WEBSITE_LIMIT} characters)`);
    }
  }
  if (input.redirectUris.join("\n").length > APP_REDIRECT_URI_LIMIT) {
    errors.push(`Redirect URI is too long (maximum is ${APP_REDIRECT_URI_LIMIT} characters)`);
  }
  return errors;
}

export async function registerApplication(
  db: Db,
  input: ApplicationRegistration,
): Promise<{ application: ApplicationRow; clientSecret: string }> {
  const errors = registrationErrors(input);
  if (errors.length > 0) {
    throw new DomainError("unprocessable", `Validation failed: ${errors.join(", ")}`);
  }
  return createApplication(db, {
    name: input.name,
    redirectUris: input.redirectUris,
    scopes: input.scopes.length > 0 ? input.scopes : [...DEFAULT_SCOPES],
    website: input.website || null,
  });
}
