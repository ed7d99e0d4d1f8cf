// Lists (https://docs.joinmastodon.org/methods/lists/), as Mastodon's
// Api::V1::ListsController and Api::V1::Lists::AccountsController: reading
// needs `read:lists`, changing `write:lists`, and a list not owned by the
// user is "not found".
import type { Context, Hono } from "hono";
import {
  createList,
  deleteList,
  listsOf,
  ownList,
  updateList,
  type ListInput,
} from "../../domain/lists/lists.ts";
import { addListMembers, listMemberIds, removeListMembers } from "../../domain/lists/members.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { pageQuery } from "../../http/pagination.ts";
import { params } from "../../http/params.ts";
import { loadAccountViews } from "../entities/account-loader.ts";
import { serializeAccount } from "../entities/account.ts";
import { serializeList } from "../entities/list.ts";
import { idsParam, scalar, truthy, urlsOf } from "./accounts-common.ts";
import { pageLinks } from "./timelines.ts";

const READ = ["read", "read:lists"] as const;
const WRITE = ["write", "write:lists"] as const;

/** The attributes Mastodon permits (title, replies_policy, exclusive); blanks are absent. */
async function listInput(c: Context<HerdEnv>): Promise<ListInput> {
  const p = await params(c);
  const exclusive = scalar(p.exclusive);
  return {
    title: scalar(p.title),
    repliesPolicy: scalar(p.replies_policy),
    exclusive: exclusive === undefined || exclusive === "" ? undefined : truthy(exclusive),
  };
}

/** DEFAULT_ACCOUNTS_LIMIT and its cap. */
const MEMBERS_LIMIT = 40;
const MEMBERS_MAX = 80;

export function registerListsRoutes(app: Hono<HerdEnv>): void {
  // https://docs.joinmastodon.org/methods/lists/#get
  app.get("/api/v1/lists", async (c) => {
    const { account } = requireUser(c, ...READ);
    const rows = await listsOf(c.get("deps").database.db, account.id);
    return c.json(rows.map(serializeList));
  });

  // https://docs.joinmastodon.org/methods/lists/#create
  app.post("/api/v1/lists", async (c) => {
    const { account } = requireUser(c, ...WRITE);
    const list = await createList(c.get("deps").database.db, account.id, await listInput(c));
    return c.json(serializeList(list));
  });

  // https://docs.joinmastodon.org/methods/lists/#get-one
  app.get("/api/v1/lists/:id", async (c) => {
    const { account } = requireUser(c, ...READ);
    const list = await ownList(c.get("deps").database.db, account.id, c.req.param("id"));
    return c.json(serializeList(list));
  });

  // https://docs.joinmastodon.org/methods/lists/#update (Rails routes PATCH too)
  for (const method of ["put", "patch"] as const) {
    app[method]("/api/v1/lists/:id", async (c) => {
      const { account } = requireUser(c, ...WRITE);
      const db = c.get("deps").database.db;
      const list = await updateList(db, account.id, c.req.param("id"), await listInput(c));
      return c.json(serializeList(list));
    });
  }

  // https://docs.joinmastodon.org/methods/lists/#delete
  app.delete("/api/v1/lists/:id", async (c) => {
    const { account } = requireUser(c, ...WRITE);
    await deleteList(c.get("deps").database.db, account.id, c.req.param("id"));
    return c.json({});
  });

  // https://docs.joinmastodon.org/methods/lists/#accounts: paged by account
  // id; `limit=0` answers every member without a Link header.
  app.get("/api/v1/lists/:id/accounts", async (c) => {
    const { account } = requireUser(c, ...READ);
    const p = await params(c);
    const unlimited = p.limit === "0" || p.limit === 0;
    const q = pageQuery(p, MEMBERS_LIMIT, MEMBERS_MAX);
    const db = c.get("deps").database.db;
    const ids = await listMemberIds(db, account.id, c.req.param("id"), unlimited ? null : q);
    const views = await loadAccountViews(db, ids);
    const urls = urlsOf(c);
    if (!unlimited && ids.length > 0) {
      const link = pageLinks(c, `/api/v1/lists/${c.req.param("id")}/accounts`, ["limit"], {
        // records_continue?: a full page may have more after it.
        next: ids.length === q.limit ? ["max_id", ids[ids.length - 1]!] : null,
        prev: ["since_id", ids[0]!],
      });
      if (link) c.header("Link", link);
    }
    return c.json(views.map((v) => serializeAccount(v, urls)));
  });

  // https://docs.joinmastodon.org/methods/lists/#accounts-add
  app.post("/api/v1/lists/:id/accounts", async (c) => {
    const { account } = requireUser(c, ...WRITE);
    const ids = idsParam((await params(c)).account_ids);
    const { db } = c.get("deps").database;
    await addListMembers(db, c.get("deps").jobs, account.id, c.req.param("id"), ids);
    return c.json({});
  });

  // https://docs.joinmastodon.org/methods/lists/#accounts-remove
  app.delete("/api/v1/lists/:id/accounts", async (c) => {
    const { account } = requireUser(c, ...WRITE);
    const ids = idsParam((await params(c)).account_ids);
    await removeListMembers(c.get("deps").database.db, account.id, c.req.param("id"), ids);
    return c.json({});
  });
}
