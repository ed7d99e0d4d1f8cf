// The moderated servers shown by GET /api/v1/instance/domain_blocks
// (https://docs.joinmastodon.org/methods/instance/#domain_blocks), with
// Mastodon's rules: only blocks that limit users (silence, suspend), least
// severe first then by domain; an obfuscated block shows its domain partly
// starred, and every block its SHA-256 digest so that a visitor can check a
// domain they know against it.
import { createHash } from "node:crypto";
import { asc, inArray, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { domainBlocks } from "../../db/schema/index.ts";

export interface PublicDomainBlock {
  /** The domain, or its obfuscated form. */
  domain: string;
  digest: string;
  severity: "silence" | "suspend";
  publicComment: string | null;
}

/** Stars the middle of `domain`, keeping a quarter at each end and the dots (Mastodon's DomainBlock#public_domain). */
export function obfuscateDomain(domain: string): string {
  const chars = [...domain];
  const length = chars.length;
  const visible = Math.floor(length / 4);
  return chars.map((c, i) => (i > visible && i < length - visible && c !== "." ? "*" : c)).join("");
}

export async function listPublicDomainBlocks(db: Db): Promise<PublicDomainBlock[]> {
  const rows = await db
    .select()
    .from(domainBlocks)
    .where(inArray(domainBlocks.severity, ["silence", "suspend"]))
    .orderBy(
      sql`CASE ${domainBlocks.severity} WHEN 'silence' THEN 1 WHEN 'suspend' THEN 2 ELSE 0 END`,
      asc(domainBlocks.domain),
    );
  return rows.map((row) => ({
    domain: row.obfuscate ? obfuscateDomain(row.domain) : row.domain,
    digest: createHash("sha256").update(row.domain).digest("hex"),
    severity: row.severity as "silence" | "suspend",
    publicComment: row.publicComment,
  }));
}
