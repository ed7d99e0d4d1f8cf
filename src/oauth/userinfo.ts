// GET/POST /oauth/userinfo (https://docs.joinmastodon.org/methods/oauth/#userinfo):
// OpenID Connect claims about the token's user, as Mastodon's
// OAuthUserinfoSerializer. `sub` is the ActivityPub actor URI, which is
// globally unique where account ids are not.
import type { Context, Hono } from "hono";
import { requireUser, resolveToken } from "../http/auth.ts";
import type { HerdEnv } from "../http/env.ts";
import { urlsFor } from "../urls.ts";

export function registerUserinfoRoutes(app: Hono<HerdEnv>): void {
  app.use("/oauth/userinfo", resolveToken);
  const show = (c: Context<HerdEnv>) => {
    // Mastodon asks for `profile`; `read` covers the same data and is accepted too.
    const { account } = requireUser(c, "profile", "read");
    const urls = urlsFor(c.get("deps").config);
    c.header("Cache-Control", "private, no-store");
    return c.json({
      iss: `${urls.base}/`,
      sub: account.uri ?? urls.actor(account.username),
      name: account.displayName,
      preferred_username: account.username,
      profile: account.url ?? urls.profile(account.username),
      picture: urls.file(account.avatarUrl) || urls.defaultAvatar,
    });
  };
  app.get("/oauth/userinfo", show);
  app.post("/oauth/userinfo", show);
}
