// OAuth 2 (https://docs.joinmastodon.org/spec/oauth/): the authorization and
// token endpoints, revocation, userinfo and the server metadata.
import type { Hono } from "hono";
import type { HerdEnv } from "../http/env.ts";
import { registerAuthorizeRoutes } from "./authorize.ts";
import { registerMetadataRoutes } from "./metadata.ts";
import { registerTokenRoutes } from "./token.ts";
import { registerUserinfoRoutes } from "./userinfo.ts";

export function registerOAuthRoutes(app: Hono<HerdEnv>): void {
  registerAuthorizeRoutes(app);
  registerTokenRoutes(app);
  registerUserinfoRoutes(app);
  registerMetadataRoutes(app);
}
