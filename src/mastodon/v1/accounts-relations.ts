// The social graph around one account (https://docs.joinmastodon.org/methods/accounts/):
// relationships, familiar followers, followers and following, and following,
// unfollowing, removing a follower and private notes, as Mastodon's
// Api::V1::AccountsController and Api::V1::Accounts::* controllers. Every
// action answers with the viewer's Relationship to the account. Also the
// deprecated identity proofs, always an empty list. (An account's statuses
// and lists are in account-statuses.ts and account-lists.ts.)
import type { Context, Hono } from "hono";
import { z } from "zod";
import { loadAccount, loadAccounts } from "../../domain/accounts/read.ts";
import { followAccount, removeFromFollowers, unfollowAccount } from "../../domain/graph/follow.ts";
import { familiarFollowers, followersOf, followingOf } from "../../domain/graph/follow-lists.ts";
import { setAccountNote } from "../../domain/graph/notes.ts";
import { loadRelationships } from "../../domain/graph/relationships.ts";
import { isSupportedLanguage } from "../../domain/statuses/languages.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { ApiError, notFoundError } from "../../http/errors.ts";
import { pageQuery } from "../../http/pagination.ts";
import { params, validate, zArray, zBool } from "../../http/params.ts";
import { loadAccountViews } from "../entities/account-loader.ts";
import { serializeAccount } from "../entities/account.ts";
import { serializeRelationship } from "../entities/relationship.ts";
import { authorizeIfGotToken, idsParam, scalar, truthy, urlsOf } from "./accounts-common.ts";
import {
  ACCOUNTS_LIMIT,
  answerAccountPage,
  answerRelationship,
  pathAccount,
} from "./graph-common.ts";
import { cacheIfUnauthenticated, deprecatedSince } from "../../http/cache-control.ts";

async function requireAccount(c: Context<HerdEnv>): Promise<void> {
  const account = await loadAccount(c.get("deps").database.db, c.req.param("id") ?? "");
  if (!account) throw notFoundError();
}

const followInput = z.object({
  reblogs: zBool,
  notify: zBool,
  languages: zArray(z.string().max(16), 100),
});

export function registerAccountRelationsRoutes(app: Hono<HerdEnv>): void {
  // https://docs.joinmastodon.org/methods/accounts/#relationships: suspended
  // accounts only with `with_suspended`.
  app.get("/api/v1/accounts/relationships", async (c) => {
    const { account: viewer } = requireUser(c, "read", "read:follows");
    const p = await params(c);
    const db = c.get("deps").database.db;
    const withSuspended = truthy(p.with_suspended);
    const found = (await loadAccounts(db, idsParam(p.id))).filter(
      (a) => withSuspended || !a.suspendedAt,
    );
    const views = await loadRelationships(
      db,
      viewer.id,
      found.map((a) => a.id),
    );
    return c.json(views.map(serializeRelationship));
  });

  // https://docs.joinmastodon.org/methods/accounts/#familiar_followers
  app.get("/api/v1/accounts/familiar_followers", async (c) => {
    const { account: viewer } = requireUser(c, "read", "read:follows");
    const db = c.get("deps").database.db;
    const found = (await loadAccounts(db, idsParam((await params(c)).id))).filter(
      (a) => !a.suspendedAt,
    );
    const familiar = await familiarFollowers(db, viewer.id, found);
    const ids = [...new Set([...familiar.values()].flat())];
    const views = new Map((await loadAccountViews(db, ids)).map((a) => [a.id, a]));
    const urls = urlsOf(c);
    return c.json(
      found.map((a) => ({
        id: a.id,
        accounts: (familiar.get(a.id) ?? []).flatMap((id) => {
          const view = views.get(id);
          return view ? [serializeAccount(view, urls)] : [];
        }),
      })),
    );
  });

  // https://docs.joinmastodon.org/methods/accounts/#followers, #following
  for (const [path, list] of [
    ["followers", followersOf],
    ["following", followingOf],
  ] as const) {
    app.get(`/api/v1/accounts/:id{[0-9]+}/${path}`, async (c) => {
      const auth = authorizeIfGotToken(c, "read", "read:accounts");
      const db = c.get("deps").database.db;
      const owner = await loadAccount(db, c.req.param("id"));
      if (!owner) throw notFoundError();
      const q = pageQuery(await params(c), ACCOUNTS_LIMIT, ACCOUNTS_LIMIT * 2);
      const page = await list(db, owner, auth?.account?.id ?? null, q);
      cacheIfUnauthenticated(c);
      return answerAccountPage(c, page);
    });
  }

  // https://docs.joinmastodon.org/methods/accounts/#follow
  app.post("/api/v1/accounts/:id{[0-9]+}/follow", async (c) => {
    const { account: viewer } = requireUser(c, "follow", "write", "write:follows");
    const p = await params(c);
    const target = await pathAccount(c);
    const input = validate(followInput, p);
    // Follow's LanguageValidator: each a language Mastodon lists, exactly.
    if (input.languages?.some((l) => !isSupportedLanguage(l))) {
      throw new ApiError(422, "Validation failed: Languages is invalid");
    }
    const deps = c.get("deps");
    await followAccount(
      deps.database.db,
      viewer,
      target.id,
      {
        reblogs: input.reblogs,
        notify: input.notify,
        languages: "languages" in p ? (input.languages ?? null) : undefined,
      },
      deps.jobs,
    );
    return answerRelationship(c, viewer.id, target.id);
  });

  // https://docs.joinmastodon.org/methods/accounts/#unfollow, #remove_from_followers
  for (const [path, run] of [
    ["unfollow", unfollowAccount],
    ["remove_from_followers", removeFromFollowers],
  ] as const) {
    app.post(`/api/v1/accounts/:id{[0-9]+}/${path}`, async (c) => {
      const { account: viewer } = requireUser(c, "follow", "write", "write:follows");
      await params(c);
      const target = await pathAccount(c);
      await run(c.get("deps").database.db, viewer.id, target.id);
      return answerRelationship(c, viewer.id, target.id);
    });
  }

  // https://docs.joinmastodon.org/methods/accounts/#note
  app.post("/api/v1/accounts/:id{[0-9]+}/note", async (c) => {
    const { account: viewer } = requireUser(c, "write", "write:accounts");
    const p = await params(c);
    const target = await pathAccount(c);
    const comment = scalar(p.comment);
    if (comment === undefined && p.comment !== undefined && p.comment !== null) {
      throw new ApiError(422, "Validation failed: Comment is invalid");
    }
    await setAccountNote(c.get("deps").database.db, viewer.id, target.id, comment);
    return answerRelationship(c, viewer.id, target.id);
  });

  // https://docs.joinmastodon.org/methods/accounts/#identity_proofs: deprecated,
  // always empty; any user token will do (Mastodon checks no scope).
  app.get("/api/v1/accounts/:id{[0-9]+}/identity_proofs", async (c) => {
    deprecatedSince(c, "2022-03-30");
    const state = c.get("token");
    if (state.kind !== "valid") {
      throw new ApiError(422, "This method requires an authenticated user");
    }
    requireUser(c);
    await requireAccount(c);
    return c.json([]);
  });
}
