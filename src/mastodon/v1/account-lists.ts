// The viewer's lists that include an account
// (https://docs.joinmastodon.org/methods/accounts/#lists), as Mastodon's
// Api::V1::Accounts::ListsController.
import type { Hono } from "hono";
import { listsIncluding } from "../../domain/lists/lists.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { serializeList } from "../entities/list.ts";

export function registerAccountListsRoutes(app: Hono<HerdEnv>): void {
  app.get("/api/v1/accounts/:id{[0-9]+}/lists", async (c) => {
    const { account } = requireUser(c, "read", "read:lists");
    const rows = await listsIncluding(c.get("deps").database.db, account.id, c.req.param("id"));
    return c.json(rows.map(serializeList));
  });
}
