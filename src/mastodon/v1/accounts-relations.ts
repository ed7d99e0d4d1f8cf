// Account endpoints about follows, blocks, lists and statuses. Herd has none
// of these yet, so they answer as Mastodon does for an account with no data
// (empty lists, relationships between strangers), with Mastodon's scopes and
// 404 for unknown accounts. They fill in as the features arrive.
import type { Context, Hono } from "hono";
import { loadAccount, loadAccounts } from "../../domain/accounts/read.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { ApiError, notFoundError } from "../../http/errors.ts";
import { params } from "../../http/params.ts";
import { noRelationship } from "../entities/relationship.ts";
import { authorizeIfGotToken, idsParam, truthy } from "./accounts-common.ts";

async function requireAccount(c: Context<HerdEnv>): Promise<void> {
  const account = await loadAccount(c.var.deps.database.db, c.req.param("id") ?? "");
  if (!account) throw notFoundError();
}

export function registerAccountRelationsRoutes(app: Hono<HerdEnv>): void {
  // https://docs.joinmastodon.org/methods/accounts/#relationships
  app.get("/api/v1/accounts/relationships", async (c) => {
    requireUser(c, "read", "read:follows");
    const p = await params(c);
    const found = await loadAccounts(c.var.deps.database.db, idsParam(p.id));
    const withSuspended = truthy(p.with_suspended);
    return c.json(
      found.filter((a) => withSuspended || !a.suspendedAt).map((a) => noRelationship(a.id)),
    );
  });

  // https://docs.joinmastodon.org/methods/accounts/#familiar_followers
  app.get("/api/v1/accounts/familiar_followers", async (c) => {
    requireUser(c, "read", "read:follows");
    const found = await loadAccounts(c.var.deps.database.db, idsParam((await params(c)).id));
    return c.json(found.filter((a) => !a.suspendedAt).map((a) => ({ id: a.id, accounts: [] })));
  });

  // https://docs.joinmastodon.org/methods/accounts/#statuses
  app.get("/api/v1/accounts/:id{[0-9]+}/statuses", async (c) => {
    authorizeIfGotToken(c, "read", "read:statuses");
    await requireAccount(c);
    return c.json([]);
  });

  // https://docs.joinmastodon.org/methods/accounts/#followers, #following and
  // #endorsements (the accounts it features)
  for (const path of ["followers", "following", "endorsements"]) {
    app.get(`/api/v1/accounts/:id{[0-9]+}/${path}`, async (c) => {
      authorizeIfGotToken(c, "read", "read:accounts");
      await requireAccount(c);
      return c.json([]);
    });
  }

  // https://docs.joinmastodon.org/methods/accounts/#featured_tags (no scope check in Mastodon)
  app.get("/api/v1/accounts/:id{[0-9]+}/featured_tags", async (c) => {
    await requireAccount(c);
    return c.json([]);
  });

  // https://docs.joinmastodon.org/methods/accounts/#lists
  app.get("/api/v1/accounts/:id{[0-9]+}/lists", async (c) => {
    requireUser(c, "read", "read:lists");
    await requireAccount(c);
    return c.json([]);
  });

  // https://docs.joinmastodon.org/methods/accounts/#identity_proofs: deprecated,
  // always empty; any user token will do (Mastodon checks no scope).
  app.get("/api/v1/accounts/:id{[0-9]+}/identity_proofs", async (c) => {
    const state = c.get("token");
    if (state.kind !== "valid") {
      throw new ApiError(422, "This method requires an authenticated user");
    }
    requireUser(c);
    await requireAccount(c);
    return c.json([]);
  });
}
