// The page behind the link of the confirmation mail:
// GET /auth/confirmation?confirmation_token=... (Devise's confirmations#show
// in Mastodon). Confirms the address and says what happens next.
import type { Hono } from "hono";
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { confirmByToken } from "../domain/accounts/confirmation.ts";
import { getSetting } from "../domain/instance/settings.ts";
import type { HerdEnv } from "../http/env.ts";

function page(
  siteTitle: string,
  title: string,
  body: HtmlEscapedString | Promise<HtmlEscapedString>,
) {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>${title} - ${siteTitle}</title>
        <style>
          body {
            font-family: system-ui, sans-serif;
            max-width: 32rem;
            margin: 4rem auto;
            padding: 0 1rem;
            line-height: 1.5;
            color: #222;
          }
          h1 {
            font-size: 1.4rem;
          }
        </style>
      </head>
      <body>
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html>`;
}

export function registerConfirmationRoutes(app: Hono<HerdEnv>): void {
  app.get("/auth/confirmation", async (c) => {
    const db = c.get("deps").database.db;
    const siteTitle = await getSetting(db, "site_title");
    const result = await confirmByToken(db, c.req.query("confirmation_token") ?? "");
    c.header("Cache-Control", "no-store");
    c.header("Referrer-Policy", "no-referrer");
    switch (result.status) {
      case "confirmed":
        return c.html(
          page(
            siteTitle,
            "Your e-mail address is confirmed",
            result.user.approved
              ? html`<p>You can now sign in with your app.</p>`
              : html`<p>
                  Your sign-up now waits for the staff of ${siteTitle} to review it. You can sign in
                  once it is approved.
                </p>`,
          ),
        );
      case "already_confirmed":
        return c.html(
          page(
            siteTitle,
            "Already confirmed",
            html`<p>This e-mail address was already confirmed. You can sign in.</p>`,
          ),
        );
      case "expired":
        // Devise answers these with 422 and the form to ask for a new mail.
        return c.html(
          page(
            siteTitle,
            "This link has expired",
            html`<p>
              Links in confirmation mails work for 2 days. Ask your app to send a new one.
            </p>`,
          ),
          422,
        );
      case "email_taken":
        return c.html(
          page(
            siteTitle,
            "This address is already in use",
            html`<p>
              Another account uses this e-mail address now. Ask your app to send a link for a
              different address.
            </p>`,
          ),
          422,
        );
      default:
        return c.html(
          page(
            siteTitle,
            "This link is not valid",
            html`<p>
              The confirmation link is incomplete or was replaced by a newer one. Use the link in
              the latest mail, or ask your app to send a new one.
            </p>`,
          ),
          422,
        );
    }
  });
}
