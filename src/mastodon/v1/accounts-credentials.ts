// The signed-in user's own account: verify_credentials and update_credentials
// (https://docs.joinmastodon.org/methods/accounts/#verify_credentials), as
// Mastodon's Api::V1::Accounts::CredentialsController.
import type { Context, Hono } from "hono";
import { z } from "zod";
import { loadAccount } from "../../domain/accounts/read.ts";
import { updateProfile } from "../../domain/accounts/update-profile.ts";
import { countFollowRequests } from "../../domain/graph/follow-requests.ts";
import type { AccountRow, UserRow } from "../../db/schema/index.ts";
import { requireToken, requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { ApiError } from "../../http/errors.ts";
import { params, validate, zArray, zBool, zStr } from "../../http/params.ts";
import { discardFiles, withStoredFiles } from "../../domain/media/files.ts";
import { prepareProfileImages } from "../../domain/media/profile-images.ts";
import { serializeCredentialAccount } from "../entities/account.ts";
import { fileParam, mediaContext } from "./media.ts";
import { formatContext, truthy, urlsOf } from "./accounts-common.ts";

/** A text a client may clear with null as well as "". */
const zText = z.preprocess((v) => (v === null ? "" : v), zStr);

const updateSchema = z.object({
  display_name: zText,
  note: zText,
  locked: zBool,
  bot: zBool,
  discoverable: zBool,
  hide_collections: zBool,
  indexable: zBool,
  fields_attributes: zArray(z.object({ name: zText, value: zText }), 100),
  // A blank `source` is ignored, as Mastodon's `params[:source].blank?`.
  source: z.preprocess(
    (v) => (v === "" || v === null ? undefined : v),
    z.object({ privacy: zStr, sensitive: zBool, language: zText, quote_policy: zStr }).optional(),
  ),
  // avatar and header are files (multipart), read apart from this schema.
});

/** REST::CredentialAccountSerializer counts pending follow requests up to 40. */
const FOLLOW_REQUESTS_COUNT_LIMIT = 40;

/**
 * Answers the CredentialAccount of the user's account as stored now, with
 * the pending follow requests counted, in a fixed number of queries.
 */
export async function answerCredentialAccount(
  c: Context<HerdEnv>,
  account: AccountRow,
  user: UserRow,
) {
  const db = c.get("deps").database.db;
  const [view, followRequests] = await Promise.all([
    loadAccount(db, account.id),
    countFollowRequests(db, account.id, FOLLOW_REQUESTS_COUNT_LIMIT),
  ]);
  return c.json(serializeCredentialAccount(view ?? account, user, urlsOf(c), followRequests));
}

export function registerCredentialsRoutes(app: Hono<HerdEnv>): void {
  app.get("/api/v1/accounts/verify_credentials", async (c) => {
    const scopes = ["profile", "read", "read:accounts"];
    // `allow_nonfunctional` lets an app see an account that is not usable yet
    // (unconfirmed, pending), as Mastodon's require_potential_user!.
    let auth;
    if (truthy((await params(c)).allow_nonfunctional)) {
      auth = requireToken(c, ...scopes);
      if (!auth.user || !auth.account) {
        throw new ApiError(422, "This method requires an authenticated user");
      }
      if (auth.account.suspendedAt) throw new ApiError(403, "Your login is currently disabled");
    } else {
      auth = requireUser(c, ...scopes);
    }
    return answerCredentialAccount(c, auth.account!, auth.user!);
  });

  app.patch("/api/v1/accounts/update_credentials", async (c) => {
    const auth = requireUser(c, "write", "write:accounts");
    const raw = await params(c);
    const p = validate(updateSchema, raw);
    const deps = c.get("deps");
    const db = deps.database.db;
    // Avatar and header are checked and processed first, stored just before the update.
    const images = await prepareProfileImages(auth.account.id, {
      avatar: await fileParam(raw.avatar),
      header: await fileParam(raw.header),
    });
    const media = mediaContext(deps);
    const update = () =>
      updateProfile(
        db,
        formatContext(deps),
        auth.user.id,
        {
          displayName: p.display_name,
          note: p.note,
          locked: p.locked,
          bot: p.bot,
          discoverable: p.discoverable,
          hideCollections: p.hide_collections,
          indexable: p.indexable,
          fields: p.fields_attributes,
          privacy: p.source?.privacy,
          sensitive: p.source?.sensitive,
          language: p.source?.language,
          quotePolicy: p.source?.quote_policy,
          avatar: images.avatar,
          header: images.header,
        },
        { discardFiles: (tx, keys) => discardFiles(media, tx, keys) },
      );
    const { user } = await withStoredFiles(deps.media, images.files, update);
    return answerCredentialAccount(c, auth.account, user);
  });
}
