// Muting accounts (https://docs.joinmastodon.org/methods/accounts/#mute,
// #unmute, methods/mutes/), as Mastodon's Api::V1::AccountsController and
// Api::V1::MutesController: `notifications` (default true) and `duration`
// (seconds, 0 for ever); the actions answer the Relationship; the list shows
// MutedAccount entities, newest mute first, paginated by mute id.
import type { Hono } from "hono";
import { muteAccount, mutedAccounts, unmuteAccount } from "../../domain/graph/mute.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { ApiError } from "../../http/errors.ts";
import { pageQuery } from "../../http/pagination.ts";
import { params, validate, zBool } from "../../http/params.ts";
import { z } from "zod";
import { loadAccountViews } from "../entities/account-loader.ts";
import { serializeMutedAccount } from "../entities/account.ts";
import { urlsOf } from "./accounts-common.ts";
import { ACCOUNTS_LIMIT, answerRelationship, pathAccount } from "./graph-common.ts";
import { setPageLinks } from "./statuses-interactions.ts";

/** About 68 years: further than any date PostgreSQL and clients handle alike. */
const MAX_DURATION = 2 ** 31 - 1;

/** Ruby's to_i, as Mastodon reads `duration`: the leading integer, else 0. */
function toInteger(value: unknown): number | null {
  if (value === undefined || value === null || value === "") return 0;
  if (typeof value === "number") return Number.isFinite(value) ? Math.trunc(value) : null;
  if (typeof value !== "string") return null;
  const m = /^\s*([+-]?\d+)/.exec(value);
  return m ? Number(m[1]) : 0;
}

export function registerMutesRoutes(app: Hono<HerdEnv>): void {
  // https://docs.joinmastodon.org/methods/mutes/#get
  app.get("/api/v1/mutes", async (c) => {
    const { account } = requireUser(c, "follow", "read", "read:mutes");
    const q = pageQuery(await params(c), ACCOUNTS_LIMIT, ACCOUNTS_LIMIT * 2);
    const db = c.get("deps").database.db;
    const page = await mutedAccounts(db, account.id, q);
    const views = await loadAccountViews(
      db,
      page.items.map((i) => i.accountId),
    );
    const ends = new Map(page.items.map((i) => [i.accountId, i.expiresAt]));
    const urls = urlsOf(c);
    setPageLinks(c, page);
    return c.json(views.map((a) => serializeMutedAccount(a, urls, ends.get(a.id) ?? null)));
  });

  // https://docs.joinmastodon.org/methods/accounts/#mute
  app.post("/api/v1/accounts/:id{[0-9]+}/mute", async (c) => {
    const { account } = requireUser(c, "follow", "write", "write:mutes");
    const p = await params(c);
    const target = await pathAccount(c);
    const { notifications } = validate(z.object({ notifications: zBool }), p);
    const duration = toInteger(p.duration);
    if (duration === null || duration < 0 || duration > MAX_DURATION) {
      throw new ApiError(422, "Validation failed: duration is invalid");
    }
    await muteAccount(c.get("deps").database.db, account.id, target.id, {
      notifications,
      duration,
    });
    return answerRelationship(c, account.id, target.id);
  });

  // https://docs.joinmastodon.org/methods/accounts/#unmute
  app.post("/api/v1/accounts/:id{[0-9]+}/unmute", async (c) => {
    const { account } = requireUser(c, "follow", "write", "write:mutes");
    await params(c);
    const target = await pathAccount(c);
    await unmuteAccount(c.get("deps").database.db, account.id, target.id, c.get("deps").jobs);
    return answerRelationship(c, account.id, target.id);
  });
}
