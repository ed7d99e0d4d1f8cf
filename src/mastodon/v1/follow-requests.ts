// Follow requests to the viewer (https://docs.joinmastodon.org/methods/follow_requests/),
// as Mastodon's Api::V1::FollowRequestsController: the accounts asking,
// newest request first, paginated by request id; accepting or rejecting
// answers the Relationship with the account that asked.
import type { Hono } from "hono";
import type { Db } from "../../db/database.ts";
import { loadAccount } from "../../domain/accounts/read.ts";
import {
  authorizeFollowRequest,
  pendingFollowRequests,
  rejectFollowRequest,
} from "../../domain/graph/follow-requests.ts";
import { requireUser } from "../../http/auth.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import type { HerdEnv } from "../../http/env.ts";
import { notFoundError } from "../../http/errors.ts";
import { pageQuery } from "../../http/pagination.ts";
import { params } from "../../http/params.ts";
import { ACCOUNTS_LIMIT, answerAccountPage, answerRelationship } from "./graph-common.ts";

export function registerFollowRequestsRoutes(app: Hono<HerdEnv>): void {
  // https://docs.joinmastodon.org/methods/follow_requests/#get
  app.get("/api/v1/follow_requests", async (c) => {
    const { account } = requireUser(c, "follow", "read", "read:follows");
    const q = pageQuery(await params(c), ACCOUNTS_LIMIT, ACCOUNTS_LIMIT * 2);
    return answerAccountPage(
      c,
      await pendingFollowRequests(c.get("deps").database.db, account.id, q),
    );
  });

  // https://docs.joinmastodon.org/methods/follow_requests/#accept, #reject
  type Answer = (db: Db, accountId: string, requesterId: string, jobs: JobQueue) => Promise<void>;
  const answers: [string, Answer][] = [
    ["authorize", authorizeFollowRequest],
    ["reject", (db, accountId, requesterId) => rejectFollowRequest(db, accountId, requesterId)],
  ];
  for (const [path, run] of answers) {
    app.post(`/api/v1/follow_requests/:id{[0-9]+}/${path}`, async (c) => {
      const { account } = requireUser(c, "follow", "write", "write:follows");
      await params(c);
      const db = c.get("deps").database.db;
      const requester = await loadAccount(db, c.req.param("id"));
      if (!requester) throw notFoundError();
      await run(db, account.id, requester.id, c.get("deps").jobs);
      return answerRelationship(c, account.id, requester.id);
    });
  }
}
