// Domains the viewer blocks (https://docs.joinmastodon.org/methods/domain_blocks/),
// as Mastodon's Api::V1::DomainBlocksController: the list is plain domain
// names, newest block first, paginated by block id (100 by default, 200 at
// most); blocking and unblocking answer an empty object.
import type { Context, Hono } from "hono";
import { blockDomain, blockedDomains, unblockDomain } from "../../domain/graph/domain-block.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { pageQuery } from "../../http/pagination.ts";
import { params } from "../../http/params.ts";
import { scalar } from "./accounts-common.ts";
import { setPageLinks } from "./statuses-interactions.ts";

/** Api::V1::DomainBlocksController::BLOCK_LIMIT. */
const BLOCK_LIMIT = 100;

async function domainParam(c: Context<HerdEnv>): Promise<string> {
  return scalar((await params(c)).domain) ?? "";
}

export function registerDomainBlocksRoutes(app: Hono<HerdEnv>): void {
  // https://docs.joinmastodon.org/methods/domain_blocks/#get
  app.get("/api/v1/domain_blocks", async (c) => {
    const { account } = requireUser(c, "follow", "read", "read:blocks");
    const q = pageQuery(await params(c), BLOCK_LIMIT, BLOCK_LIMIT * 2);
    const page = await blockedDomains(c.get("deps").database.db, account.id, q);
    setPageLinks(c, page);
    return c.json(page.items.map((b) => b.domain));
  });

  // https://docs.joinmastodon.org/methods/domain_blocks/#block
  app.post("/api/v1/domain_blocks", async (c) => {
    const { account } = requireUser(c, "follow", "write", "write:blocks");
    await blockDomain(c.get("deps").database.db, account.id, await domainParam(c));
    return c.json({});
  });

  // https://docs.joinmastodon.org/methods/domain_blocks/#unblock
  app.delete("/api/v1/domain_blocks", async (c) => {
    const { account } = requireUser(c, "follow", "write", "write:blocks");
    await unblockDomain(c.get("deps").database.db, account.id, await domainParam(c));
    return c.json({});
  });
}
