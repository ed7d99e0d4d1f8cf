// /api/v1/polls (https://docs.joinmastodon.org/methods/polls/), as Mastodon's
// Api::V1::PollsController and Polls::VotesController: reading needs a token
// only if one is sent (`read:statuses`), voting a user token with
// `write:statuses`; a poll whose status the viewer may not see is a 404.
import type { Hono } from "hono";
import { findVisiblePoll, voteInPoll } from "../../domain/polls/vote.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { params } from "../../http/params.ts";
import { renderPoll } from "../entities/poll.ts";
import { authorizeIfGotToken, idsParam, urlsOf } from "./accounts-common.ts";
import { cacheIfUnauthenticated } from "../../http/cache-control.ts";

export function registerPollsRoutes(app: Hono<HerdEnv>): void {
  // https://docs.joinmastodon.org/methods/polls/#get
  app.get("/api/v1/polls/:id", async (c) => {
    const viewerId = authorizeIfGotToken(c, "read", "read:statuses")?.account?.id ?? null;
    const db = c.get("deps").database.db;
    const poll = await findVisiblePoll(db, c.req.param("id"), viewerId);
    cacheIfUnauthenticated(c);
    return c.json(await renderPoll(db, poll, viewerId, urlsOf(c)));
  });

  // https://docs.joinmastodon.org/methods/polls/#vote
  app.post("/api/v1/polls/:id/votes", async (c) => {
    const { account } = requireUser(c, "write", "write:statuses");
    const choices = idsParam((await params(c)).choices);
    const db = c.get("deps").database.db;
    const poll = await voteInPoll(db, account.id, c.req.param("id"), choices);
    return c.json(await renderPoll(db, poll, account.id, urlsOf(c)));
  });
}
