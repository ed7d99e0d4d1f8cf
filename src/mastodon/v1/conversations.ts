// /api/v1/conversations (https://docs.joinmastodon.org/methods/conversations/),
// as Mastodon's Api::V1::ConversationsController: pages of 20 (40 at most)
// ordered by last status, paginated by the last status id; marking one read;
// removing one from the list.
import type { Hono } from "hono";
import {
  listConversations,
  markConversationRead,
  removeConversation,
} from "../../domain/conversations/list-conversations.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { pageQuery } from "../../http/pagination.ts";
import { params } from "../../http/params.ts";
import { renderConversations } from "../entities/conversation.ts";
import { urlsOf } from "./accounts-common.ts";
import { setPageLinks } from "./notifications-common.ts";

const WRITE = ["write", "write:conversations"];

export function registerConversationsRoutes(app: Hono<HerdEnv>): void {
  app.get("/api/v1/conversations", async (c) => {
    const { account } = requireUser(c, "read", "read:statuses");
    const page = pageQuery(await params(c), 20, 40);
    const db = c.get("deps").database.db;
    const rows = await listConversations(db, account.id, page);
    setPageLinks(c, ["limit"], {
      next: rows.length === page.limit ? (rows[rows.length - 1]?.lastStatusId ?? null) : null,
      prev: rows[0]?.lastStatusId ?? null,
    });
    return c.json(await renderConversations(db, rows, account.id, urlsOf(c)));
  });

  app.post("/api/v1/conversations/:id/read", async (c) => {
    const { account } = requireUser(c, ...WRITE);
    await params(c); // a malformed body is a 400, as in Rails
    const db = c.get("deps").database.db;
    const row = await markConversationRead(db, account.id, c.req.param("id"));
    const [entity] = await renderConversations(db, [row], account.id, urlsOf(c));
    return c.json(entity);
  });

  app.delete("/api/v1/conversations/:id", async (c) => {
    const { account } = requireUser(c, ...WRITE);
    await params(c);
    await removeConversation(c.get("deps").database.db, account.id, c.req.param("id"));
    return c.json({});
  });
}
