// The server's long texts, written by the admin in Markdown and kept in site
// settings: the extended description (`site_extended_description`), the
// privacy policy (`site_terms`, as Mastodon names it) and the terms of
// service (`terms_of_service`). See
// https://docs.joinmastodon.org/methods/instance/#extended_description,
// #privacy_policy and #terms_of_service.
import { inArray } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { siteSettings } from "../../db/schema/index.ts";
import { DomainError } from "../errors.ts";
import {
  DEFAULT_PRIVACY_POLICY_UPDATED_AT,
  defaultPrivacyPolicy,
} from "./default-privacy-policy.ts";
import { renderMarkdown } from "./markdown.ts";

type DocumentKey = "site_extended_description" | "site_terms" | "terms_of_service";

export interface InstanceDocument {
  /** Null when the text was never set. */
  updatedAt: Date | null;
  html: string;
}

export interface TermsOfService {
  /** `YYYY-MM-DD`: the day the current terms were set. */
  effectiveDate: string;
  html: string;
}

async function readSetting(db: Db, key: DocumentKey) {
  const rows = await db
    .select()
    .from(siteSettings)
    .where(inArray(siteSettings.key, [key]));
  const row = rows[0];
  const text = typeof row?.value === "string" ? row.value : "";
  return { text: text.trim() === "" ? "" : text, updatedAt: row?.updatedAt ?? null };
}

/** Mastodon lets these texts say `%{domain}` for the server's domain. */
function withDomain(text: string, localDomain: string): string {
  return text.replaceAll("%{domain}", localDomain);
}

export async function getExtendedDescription(db: Db): Promise<InstanceDocument> {
  const { text, updatedAt } = await readSetting(db, "site_extended_description");
  if (text === "") return { updatedAt: null, html: "" };
  return { updatedAt, html: renderMarkdown(text) };
}

/** The admin's privacy policy, or Herd's default when none is set. */
export async function getPrivacyPolicy(db: Db, localDomain: string): Promise<InstanceDocument> {
  const { text, updatedAt } = await readSetting(db, "site_terms");
  if (text === "") {
    return {
      updatedAt: DEFAULT_PRIVACY_POLICY_UPDATED_AT,
      html: renderMarkdown(defaultPrivacyPolicy(localDomain)),
    };
  }
  return { updatedAt, html: renderMarkdown(withDomain(text, localDomain)) };
}

/**
 * The terms of service in effect, or `not_found` when none are set (as
 * Mastodon answers). `date` asks for the terms effective on that day.
 */
export async function getTermsOfService(
  db: Db,
  localDomain: string,
  date?: string,
): Promise<TermsOfService> {
  const { text, updatedAt } = await readSetting(db, "terms_of_service");
  if (text === "" || !updatedAt) throw new DomainError("not_found", "Record not found");
  const effectiveDate = updatedAt.toISOString().slice(0, 10);
  if (date !== undefined && date !== effectiveDate) {
    throw new DomainError("not_found", "Record not found");
  }
  return { effectiveDate, html: renderMarkdown(withDomain(text, localDomain)) };
}
