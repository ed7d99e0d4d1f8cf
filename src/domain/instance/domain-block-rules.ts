// What the server's moderation decided about another server (domain_blocks,
// Mastodon's DomainBlock): the rule for a domain is the block of that domain
// or, failing one, of its nearest parent domain (DomainBlock.rule_for: the
// longest of the domain's suffixes that has a block), so a block of
// `example.com` covers `media.example.com` unless a block of the latter says
// otherwise.
//
// Media of a domain are refused (not downloaded nor cached: attachments stay
// remote URLs of type `unknown`, avatars, headers and custom emojis are not
// taken, card images not fetched) when its rule has `reject_media`, or
// suspends it (ActivityPub::ProcessAccountService#skip_download? counts a
// suspended account in; a suspended domain's accounts are).
import { sql } from "drizzle-orm";
import { domainToASCII } from "node:url";
import type { DbOrTx } from "../../db/database.ts";
import { textArray } from "../../lib/pg-arrays.ts";

export interface DomainBlockRule {
  domain: string;
  severity: "silence" | "suspend" | "noop";
  rejectMedia: boolean;
  rejectReports: boolean;
}

/** The domain and each parent domain, longest first (DomainBlock.domain_variants). */
export function domainVariants(domain: string): string[] {
  const trimmed = domain.trim().replace(/\/+/g, "").replace(/\.$/, "").toLowerCase();
  if (trimmed === "") return [];
  // Addressable's normalized_host: IDN in punycode (a port, if any, kept as is).
  const [host = "", port] = trimmed.split(/:(?=\d+$)/);
  const ascii = domainToASCII(host) || host;
  const normalized = port === undefined ? ascii : `${ascii}:${port}`;
  const segments = normalized.split(".");
  return segments.map((_, i) => segments.slice(i).join("."));
}

/** DomainBlock.rule_for(domain): the block that applies to `domain`, or null. */
export async function domainBlockRule(
  db: DbOrTx,
  domain: string | null,
): Promise<DomainBlockRule | null> {
  if (domain === null) return null;
  const variants = domainVariants(domain);
  if (variants.length === 0) return null;
  const { rows } = await db.execute<{
    domain: string;
    severity: DomainBlockRule["severity"];
    reject_media: boolean;
    reject_reports: boolean;
  }>(sql`SELECT domain, severity, reject_media, reject_reports FROM domain_blocks
    WHERE domain = ANY(${textArray(variants)}::text[])
    ORDER BY char_length(domain) DESC LIMIT 1`);
  const row = rows[0];
  return row
    ? {
        domain: row.domain,
        severity: row.severity,
        rejectMedia: row.reject_media,
        rejectReports: row.reject_reports,
      }
    : null;
}

/** Whether media of `domain` (an account's domain; null: local) must not be downloaded. */
export async function rejectsMediaFrom(db: DbOrTx, domain: string | null): Promise<boolean> {
  const rule = await domainBlockRule(db, domain);
  return rule !== null && (rule.rejectMedia || rule.severity === "suspend");
}

/** Whether the file at `url` is on a server whose media must not be downloaded. */
export async function rejectsMediaAt(db: DbOrTx, url: string): Promise<boolean> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (await rejectsMediaFrom(db, parsed.host)) return true;
  return parsed.host !== parsed.hostname && rejectsMediaFrom(db, parsed.hostname);
}
