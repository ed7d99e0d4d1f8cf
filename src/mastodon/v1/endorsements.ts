// Endorsements: accounts featured on a profile
// (https://docs.joinmastodon.org/methods/endorsements/, methods/accounts/#endorse,
// #unendorse, #pin, #unpin, #endorsements), as Mastodon's
// Api::V1::EndorsementsController and Api::V1::Accounts::EndorsementsController
// (pin and unpin are the older names of endorse and unendorse).
import type { Hono } from "hono";
import { loadAccount } from "../../domain/accounts/read.ts";
import {
  endorseAccount,
  endorsedAccounts,
  unendorseAccount,
} from "../../domain/graph/endorsements.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { notFoundError } from "../../http/errors.ts";
import { pageQuery } from "../../http/pagination.ts";
import { params } from "../../http/params.ts";
import { authorizeIfGotToken } from "./accounts-common.ts";
import {
  ACCOUNTS_LIMIT,
  answerAccountPage,
  answerRelationship,
  pathAccount,
} from "./graph-common.ts";
import { cacheIfUnauthenticated } from "../../http/cache-control.ts";

export function registerEndorsementsRoutes(app: Hono<HerdEnv>): void {
  // https://docs.joinmastodon.org/methods/endorsements/#get
  app.get("/api/v1/endorsements", async (c) => {
    const { account } = requireUser(c, "read", "read:accounts");
    const q = pageQuery(await params(c), ACCOUNTS_LIMIT, ACCOUNTS_LIMIT * 2);
    return answerAccountPage(c, await endorsedAccounts(c.get("deps").database.db, account.id, q));
  });

  // https://docs.joinmastodon.org/methods/accounts/#endorsements: public;
  // nothing for a suspended account.
  app.get("/api/v1/accounts/:id{[0-9]+}/endorsements", async (c) => {
    authorizeIfGotToken(c, "read", "read:accounts");
    const db = c.get("deps").database.db;
    const owner = await loadAccount(db, c.req.param("id"));
    if (!owner) throw notFoundError();
    const q = pageQuery(await params(c), ACCOUNTS_LIMIT, ACCOUNTS_LIMIT * 2);
    const page = owner.suspendedAt
      ? { items: [], cursors: null, full: false }
      : await endorsedAccounts(db, owner.id, q);
    cacheIfUnauthenticated(c);
    return answerAccountPage(c, page);
  });

  for (const [path, run] of [
    ["endorse", endorseAccount],
    ["pin", endorseAccount],
    ["unendorse", unendorseAccount],
    ["unpin", unendorseAccount],
  ] as const) {
    app.post(`/api/v1/accounts/:id{[0-9]+}/${path}`, async (c) => {
      const { account } = requireUser(c, "write", "write:accounts");
      await params(c);
      const target = await pathAccount(c);
      await run(c.get("deps").database.db, account.id, target.id);
      return answerRelationship(c, account.id, target.id);
    });
  }
}
