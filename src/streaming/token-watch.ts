// Ends the streams of tokens that stopped being valid: revoked (POST
// /oauth/revoke, a password change, an application deleted), expired, or
// whose user was disabled or suspended since the stream opened. Mastodon
// publishes a `kill` message on each token's channel when that happens;
// Herd checks instead, every few seconds, every token with an open stream in
// this process in ONE query, so that no path that invalidates tokens has to
// remember to tell the streaming API (there are several, in several
// modules). A revoked token's stream ends within `intervalMs`.
import { sql } from "drizzle-orm";
import type { Db } from "../db/database.ts";
import type { Logger } from "../logger.ts";
import type { Connection } from "./hub.ts";

/** The ids of `tokenIds` that may still stream. */
async function liveTokens(db: Db, tokenIds: string[]): Promise<Set<string>> {
  const { rows } = await db.execute<{ id: string }>(sql`SELECT t.id::text AS id
    FROM oauth_access_tokens t
      JOIN users u ON u.id = t.user_id
      JOIN accounts a ON a.id = u.account_id
    WHERE t.id = ANY(${sql.param(tokenIds)}::bigint[]) AND t.revoked_at IS NULL
      AND (t.expires_at IS NULL OR t.expires_at > now())
      AND NOT u.disabled AND a.suspended_at IS NULL AND NOT a.memorial`);
  return new Set(rows.map((r) => r.id));
}

/** Checks the tokens of `connections` every `intervalMs`; returns the function that stops it. */
export function watchTokens(
  db: Db,
  connections: Set<Connection>,
  intervalMs: number,
  logger: Logger,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running || connections.size === 0) return;
    running = true;
    const checked = [...connections];
    const tokenIds = [...new Set(checked.map((c) => c.user.tokenId))];
    liveTokens(db, tokenIds)
      .then((live) => {
        // Only the connections whose token was asked about: others opened meanwhile.
        for (const connection of checked) {
          if (!live.has(connection.user.tokenId)) connection.close();
        }
      })
      .catch((err: unknown) => logger.warn("streaming: could not check tokens", { err }))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
