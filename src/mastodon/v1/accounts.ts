// /api/v1/accounts: sign-up, reading profiles, lookup and search
// (https://docs.joinmastodon.org/methods/accounts/), as Mastodon's
// Api::V1::AccountsController and its Accounts:: siblings. Also registers the
// other account-related modules (credentials, relationships, preferences,
// e-mail confirmation) so that routes.ts names only this one.
import type { Hono } from "hono";
import { registerAccount } from "../../domain/accounts/register.ts";
import {
  loadAccount,
  loadAccounts,
  lookupAccount,
  searchAccounts,
} from "../../domain/accounts/read.ts";
import { requireToken, requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { ApiError, notFoundError } from "../../http/errors.ts";
import { params } from "../../http/params.ts";
import { clientIp } from "../../http/rate-limit.ts";
import { serializeAccount } from "../entities/account.ts";
import { serializeToken } from "../entities/token.ts";
import { registerEmailsRoutes } from "./emails.ts";
import { registerPreferencesRoutes } from "./preferences.ts";
import {
  authorizeIfGotToken,
  idsParam,
  localDomains,
  mailContext,
  scalar,
  truthy,
  urlsOf,
} from "./accounts-common.ts";
import { registerCredentialsRoutes } from "./accounts-credentials.ts";
import { registerAccountRelationsRoutes } from "./accounts-relations.ts";
import { cacheIfUnauthenticated } from "../../http/cache-control.ts";

/** Api::BaseController::DEFAULT_ACCOUNTS_LIMIT. */
const DEFAULT_ACCOUNTS_LIMIT = 40;

/** Mastodon's limit_param: |limit| capped at twice the default; unreadable means 0. */
function limitParam(value: unknown, defaultLimit: number): number {
  const s = scalar(value);
  if (s === undefined) return defaultLimit;
  const n = Math.abs(Number.parseInt(s, 10));
  return Math.min(Number.isFinite(n) ? n : 0, defaultLimit * 2);
}

export function registerAccountsRoutes(app: Hono<HerdEnv>): void {
  // Fixed paths first: `:id` routes below only take digits anyway.
  registerCredentialsRoutes(app);
  registerAccountRelationsRoutes(app);
  registerPreferencesRoutes(app);
  registerEmailsRoutes(app);

  // https://docs.joinmastodon.org/methods/accounts/#create
  app.post("/api/v1/accounts", async (c) => {
    const auth = requireToken(c, "write", "write:accounts");
    if (auth.user || !auth.application) {
      // Api::BaseController#require_client_credentials! (sic).
      throw new ApiError(403, "This method requires an client credentials authentication");
    }
    const p = await params(c);
    const deps = c.get("deps");
    const signedUp = await registerAccount(deps.database.db, mailContext(deps), {
      application: auth.application,
      ip: clientIp(c),
      username: scalar(p.username) ?? "",
      email: scalar(p.email) ?? "",
      password: scalar(p.password) ?? "",
      agreement: typeof p.agreement === "boolean" ? p.agreement : scalar(p.agreement),
      locale: scalar(p.locale),
      reason: scalar(p.reason),
      singleUserMode: deps.config.singleUserMode,
    });
    // Doorkeeper's token response headers.
    c.header("Cache-Control", "no-store");
    c.header("Pragma", "no-cache");
    return c.json(serializeToken({ ...signedUp.token, refreshToken: null }));
  });

  // https://docs.joinmastodon.org/methods/accounts/#index
  app.get("/api/v1/accounts", async (c) => {
    authorizeIfGotToken(c, "read", "read:accounts");
    const ids = [...new Set(idsParam((await params(c)).id))];
    if (ids.length > DEFAULT_ACCOUNTS_LIMIT) {
      // Mastodon raises Mastodon::ValidationError, answered as a bare 422.
      throw new ApiError(422, `Too many ids: at most ${DEFAULT_ACCOUNTS_LIMIT} accounts at once`);
    }
    const list = await loadAccounts(c.get("deps").database.db, ids, { visibleOnly: true });
    const urls = urlsOf(c);
    return c.json(list.map((a) => serializeAccount(a, urls)));
  });

  // https://docs.joinmastodon.org/methods/accounts/#lookup (public, as Mastodon's controller).
  app.get("/api/v1/accounts/lookup", async (c) => {
    authorizeIfGotToken(c, "read", "read:accounts");
    const acct = scalar((await params(c)).acct) ?? "";
    const deps = c.get("deps");
    const account = await lookupAccount(
      deps.database.db,
      acct,
      localDomains(deps),
      deps.resolver ?? null,
    );
    if (!account) throw notFoundError();
    cacheIfUnauthenticated(c);
    return c.json(serializeAccount(account, urlsOf(c)));
  });

  // https://docs.joinmastodon.org/methods/accounts/#search
  app.get("/api/v1/accounts/search", async (c) => {
    const { account: viewer } = requireUser(c, "read", "read:accounts");
    const p = await params(c);
    const limit = limitParam(p.limit, DEFAULT_ACCOUNTS_LIMIT);
    const offset = Math.max(0, Number.parseInt(scalar(p.offset) ?? "0", 10) || 0);
    const deps = c.get("deps");
    const found =
      limit === 0
        ? []
        : await searchAccounts(deps.database.db, {
            q: scalar(p.q) ?? "",
            limit,
            offset,
            localDomains: localDomains(deps),
            followingOnly: truthy(p.following),
            viewerId: viewer.id,
          });
    const urls = urlsOf(c);
    return c.json(found.map((a) => serializeAccount(a, urls)));
  });

  // https://docs.joinmastodon.org/methods/accounts/#get: unknown, unconfirmed
  // and unapproved accounts are 404; suspended ones are shown as suspended.
  app.get("/api/v1/accounts/:id{[0-9]+}", async (c) => {
    authorizeIfGotToken(c, "read", "read:accounts");
    const account = await loadAccount(c.get("deps").database.db, c.req.param("id"), {
      visibleOnly: true,
    });
    if (!account) throw notFoundError();
    cacheIfUnauthenticated(c);
    return c.json(serializeAccount(account, urlsOf(c)));
  });
}
