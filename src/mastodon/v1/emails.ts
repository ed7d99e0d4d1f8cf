// E-mail confirmation for apps that signed a user up
// (https://docs.joinmastodon.org/methods/emails/), as Mastodon's
// Api::V1::Emails::ConfirmationsController: only the app the user signed up
// with may resend the mail (and change the address), and only while an
// address waits for confirmation.
import type { Hono } from "hono";
import { resendConfirmation } from "../../domain/accounts/confirmation.ts";
import { requireToken } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { ApiError } from "../../http/errors.ts";
import { params } from "../../http/params.ts";
import { authorizeIfGotToken, mailContext, scalar } from "./accounts-common.ts";

export function registerEmailsRoutes(app: Hono<HerdEnv>): void {
  app.post("/api/v1/emails/confirmations", async (c) => {
    const auth = requireToken(c, "write", "write:accounts");
    const { user, account } = auth;
    if (
      !user ||
      !account ||
      user.createdByApplicationId === null ||
      user.createdByApplicationId !== auth.token.applicationId
    ) {
      throw new ApiError(
        403,
        "This method is only available to the application the user originally signed-up with",
      );
    }
    const p = await params(c);
    let email: string | undefined;
    if (Object.hasOwn(p, "email")) {
      email = p.email === null ? "" : scalar(p.email);
      if (email === undefined)
        throw new ApiError(422, "Validation failed: E-mail address is invalid");
    }
    const deps = c.get("deps");
    await resendConfirmation(deps.database.db, mailContext(deps), user, account.username, email);
    return c.json({});
  });

  // Whether the signed-in user has confirmed the e-mail address (Mastodon 4.4).
  app.get("/api/v1/emails/check_confirmation", (c) => {
    const auth = authorizeIfGotToken(c, "read", "read:accounts");
    if (!auth?.user) throw new ApiError(422, "This method requires an authenticated user");
    return c.json(auth.user.confirmedAt !== null);
  });
}
