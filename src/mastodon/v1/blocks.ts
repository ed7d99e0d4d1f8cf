// Blocking accounts (https://docs.joinmastodon.org/methods/accounts/#block,
// #unblock, methods/blocks/), as Mastodon's Api::V1::AccountsController and
// Api::V1::BlocksController: the actions answer the Relationship; the list
// shows blocked accounts, newest block first, paginated by block id.
import type { Hono } from "hono";
import { blockAccount, blockedAccounts, unblockAccount } from "../../domain/graph/block.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { pageQuery } from "../../http/pagination.ts";
import { params } from "../../http/params.ts";
import {
  ACCOUNTS_LIMIT,
  answerAccountPage,
  answerRelationship,
  pathAccount,
} from "./graph-common.ts";

export function registerBlocksRoutes(app: Hono<HerdEnv>): void {
  // https://docs.joinmastodon.org/methods/blocks/#get
  app.get("/api/v1/blocks", async (c) => {
    const { account } = requireUser(c, "follow", "read", "read:blocks");
    const q = pageQuery(await params(c), ACCOUNTS_LIMIT, ACCOUNTS_LIMIT * 2);
    return answerAccountPage(c, await blockedAccounts(c.get("deps").database.db, account.id, q));
  });

  for (const [path, run] of [
    ["block", blockAccount],
    ["unblock", unblockAccount],
  ] as const) {
    app.post(`/api/v1/accounts/:id{[0-9]+}/${path}`, async (c) => {
      const { account } = requireUser(c, "follow", "write", "write:blocks");
      await params(c);
      const target = await pathAccount(c);
      await run(c.get("deps").database.db, account.id, target.id);
      return answerRelationship(c, account.id, target.id);
    });
  }
}
