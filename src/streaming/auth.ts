// Who opens a stream. As Mastodon's streaming server (accountFromRequest,
// 4.2 and later): every stream needs a user's access token, taken from the
// `Authorization: Bearer` header, else the `access_token` query parameter,
// else the `Sec-WebSocket-Protocol` header. A missing token is "Missing
// access token"; an unknown, revoked or expired token, an app-only token, or
// a user who could not use the REST API (unconfirmed, unapproved, disabled,
// suspended) is "Invalid access token", both 401.
// https://docs.joinmastodon.org/methods/streaming/#authorization
import type { IncomingHttpHeaders } from "node:http";
import type { Db } from "../db/database.ts";
import { authenticateToken } from "../domain/oauth/authenticate.ts";
import type { TokenCache } from "../domain/oauth/token-cache.ts";
import { authenticationError } from "./errors.ts";

export interface StreamUser {
  tokenId: string;
  scopes: readonly string[];
  accountId: string;
}

/** The token of a streaming request, as Mastodon's accountFromRequest finds it. */
export function requestToken(
  headers: Pick<IncomingHttpHeaders, "authorization" | "sec-websocket-protocol">,
  url: URL,
): string | null {
  const authorization = headers.authorization;
  if (authorization) return authorization.replace(/^Bearer /i, "").trim() || null;
  const query = url.searchParams.get("access_token");
  if (query) return query;
  // A browser cannot set headers on a WebSocket; the token comes as the
  // (first) subprotocol, which the server echoes back.
  const protocol = headers["sec-websocket-protocol"]?.split(",")[0]?.trim();
  return protocol || null;
}

/** The user behind `token`, or a 401 StreamingError. */
export async function authenticateStream(
  db: Db,
  tokens: TokenCache | null,
  token: string | null,
): Promise<StreamUser> {
  if (!token) throw authenticationError("Missing access token");
  const check = await authenticateToken(db, token, tokens);
  if (!check.ok) throw authenticationError("Invalid access token");
  const { user, account, token: row, scopes } = check.auth;
  if (
    !user ||
    !account ||
    !user.confirmedAt ||
    !user.approved ||
    user.disabled ||
    account.suspendedAt ||
    account.memorial
  ) {
    throw authenticationError("Invalid access token");
  }
  return { tokenId: row.id, scopes, accountId: account.id };
}
