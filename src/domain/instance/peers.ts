// Servers this one knows of, for GET /api/v1/instance/peers
// (https://docs.joinmastodon.org/methods/instance/#peers). As Mastodon,
// domains blocked by the admin are left out.
import { sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";

export async function listPeers(db: Db): Promise<string[]> {
  const result = await db.execute<{ domain: string }>(sql`
    SELECT i.domain FROM instances i
    WHERE NOT EXISTS (SELECT 1 FROM domain_blocks b WHERE b.domain = i.domain)
    ORDER BY i.domain
  `);
  return result.rows.map((r) => r.domain);
}
