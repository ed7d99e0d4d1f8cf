// What the account routes share: Mastodon's `authorize_if_got_token!` for
// public endpoints, the Rails ways of sending ids and scalars, and the
// contexts domain functions need from the dependencies.
import type { Context } from "hono";
import type { Authenticated } from "../../domain/oauth/authenticate.ts";
import { grants } from "../../domain/oauth/scopes.ts";
import type { MailContext } from "../../domain/accounts/confirmation.ts";
import type { FormatContext } from "../../domain/accounts/update-profile.ts";
import type { Deps } from "../../deps.ts";
import type { HerdEnv } from "../../http/env.ts";
import { ApiError } from "../../http/errors.ts";
import { urlsFor, type Urls } from "../../urls.ts";

/**
 * Public endpoints check a token only when there is one, as Mastodon's
 * authorize_if_got_token!: a token Doorkeeper does not know is as no token,
 * a revoked or expired one is a 401, one without the scope a 403.
 */
export function authorizeIfGotToken(c: Context<HerdEnv>, ...anyOf: string[]): Authenticated | null {
  const state = c.get("token");
  if (!state || state.kind === "none") return null;
  if (state.kind === "invalid") {
    if (state.reason === "invalid") return null;
    throw new ApiError(
      401,
      state.reason === "revoked" ? "The access token was revoked" : "The access token expired",
    );
  }
  if (anyOf.length > 0 && !anyOf.some((s) => grants(state.auth.scopes, s))) {
    throw new ApiError(403, "This action is outside the authorized scopes");
  }
  return state.auth;
}

/** A scalar parameter as Rails permits it (numbers and booleans become strings); else undefined. */
export function scalar(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/** `id[]=1&id[]=2`, `id=1` or `{"id": [1, 2]}`, as Rails' Array(params[:id]). */
export function idsParam(value: unknown): string[] {
  const list = Array.isArray(value)
    ? value
    : value !== null && typeof value === "object"
      ? Object.values(value)
      : value === undefined || value === null
        ? []
        : [value];
  return list.map(scalar).filter((v): v is string => v !== undefined);
}

/** Rails' truthy_param? (ActiveModel::Type::Boolean): present and not 0, f, false or off. */
export function truthy(value: unknown): boolean {
  const s = scalar(value);
  return s !== undefined && s !== "" && !/^(0|f|false|off)$/i.test(s);
}

export function urlsOf(c: Context<HerdEnv>): Urls {
  return urlsFor(c.get("deps").config);
}

export function localDomains(deps: Deps): string[] {
  const { localDomain, webDomain } = deps.config;
  return [...new Set([localDomain, webDomain, localDomain.replace(/:\d+$/, "")])];
}

export function mailContext(deps: Deps): MailContext {
  return {
    mailer: deps.mailer,
    logger: deps.logger,
    baseUrl: urlsFor(deps.config).base,
    domain: deps.config.localDomain,
  };
}

export function formatContext(deps: Deps): FormatContext {
  return { urls: urlsFor(deps.config), localDomains: localDomains(deps) };
}
