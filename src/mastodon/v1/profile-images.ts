// DELETE /api/v1/profile/avatar and /api/v1/profile/header
// (https://docs.joinmastodon.org/methods/profile/#delete-profile-avatar), as
// Mastodon's Api::V1::Profile::AvatarsController and HeadersController:
// `write:accounts`, the default image again, and the CredentialAccount (also
// when there was no image).
import type { Hono } from "hono";
import { removeProfileImage } from "../../domain/media/profile-images.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { answerCredentialAccount } from "./accounts-credentials.ts";
import { mediaContext } from "./media.ts";

export function registerProfileImagesRoutes(app: Hono<HerdEnv>): void {
  for (const kind of ["avatar", "header"] as const) {
    app.delete(`/api/v1/profile/${kind}`, async (c) => {
      const { account, user } = requireUser(c, "write", "write:accounts");
      await removeProfileImage(mediaContext(c.get("deps")), account.id, kind);
      return answerCredentialAccount(c, account, user);
    });
  }
}
