// Token (https://docs.joinmastodon.org/entities/Token/): what POST /oauth/token
// answers. `refresh_token` appears only for tokens that have one, as Doorkeeper.
import type { IssuedToken } from "../../domain/oauth/tokens.ts";

export interface Token {
  access_token: string;
  token_type: "Bearer";
  scope: string;
  /** Unix seconds. */
  created_at: number;
  refresh_token?: string;
}

export function serializeToken(issued: IssuedToken): Token {
  const token: Token = {
    access_token: issued.accessToken,
    token_type: "Bearer",
    scope: issued.row.scopes,
    created_at: Math.floor(issued.row.createdAt.getTime() / 1000),
  };
  if (issued.refreshToken) token.refresh_token = issued.refreshToken;
  return token;
}
