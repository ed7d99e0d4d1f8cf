// Site settings kept in the database (site_settings) and set with the CLI.
// Names follow Mastodon's Setting keys where it has them.
import { inArray, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { siteSettings } from "../../db/schema/index.ts";
import { DomainError } from "../errors.ts";

/** `open`: anyone signs up; `approved`: sign-ups wait for a moderator; `none`: closed. */
export type RegistrationsMode = "open" | "approved" | "none";

export interface SiteSettings {
  site_title: string;
  site_short_description: string;
  site_extended_description: string;
  site_contact_email: string;
  /** The username of the contact account (a local account). */
  site_contact_username: string;
  registrations_mode: RegistrationsMode;
  /** Whether a sign-up must give a reason when approval is required. */
  require_invite_text: boolean;
  closed_registrations_message: string;
  /** Markdown/HTML; empty means Herd's default text. */
  site_terms: string;
  terms_of_service: string;
  /** Whether the list of blocked domains is shown: "all", "users" or "disabled". */
  show_domain_blocks: "all" | "users" | "disabled";
  show_domain_blocks_rationale: "all" | "users" | "disabled";
  /** Whether unauthenticated visitors may read the public timelines and profiles. */
  timeline_preview: boolean;
  peers_api_enabled: boolean;
  activity_api_enabled: boolean;
  status_page_url: string;
}

export const DEFAULT_SETTINGS: SiteSettings = {
  site_title: "Herd",
  site_short_description: "",
  site_extended_description: "",
  site_contact_email: "",
  site_contact_username: "",
  registrations_mode: "open",
  require_invite_text: false,
  closed_registrations_message: "",
  site_terms: "",
  terms_of_service: "",
  show_domain_blocks: "users",
  show_domain_blocks_rationale: "users",
  timeline_preview: true,
  peers_api_enabled: true,
  activity_api_enabled: true,
  status_page_url: "",
};

export type SettingKey = keyof SiteSettings;

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(DEFAULT_SETTINGS, key);
}

/** All settings, defaults filled in, in one query. */
export async function getSettings(db: Db): Promise<SiteSettings> {
  const rows = await db.select().from(siteSettings);
  const out: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const row of rows) if (isSettingKey(row.key)) out[row.key] = row.value;
  return out as unknown as SiteSettings;
}

export async function getSetting<K extends SettingKey>(db: Db, key: K): Promise<SiteSettings[K]> {
  const rows = await db
    .select()
    .from(siteSettings)
    .where(inArray(siteSettings.key, [key]));
  return (rows[0]?.value as SiteSettings[K] | undefined) ?? DEFAULT_SETTINGS[key];
}

/** Sets settings; each value must have the type of its default. */
export async function setSettings(db: Db, values: Partial<SiteSettings>): Promise<void> {
  for (const [key, value] of Object.entries(values)) {
    if (!isSettingKey(key)) throw new DomainError("unprocessable", `Unknown setting: ${key}`);
    if (typeof value !== typeof DEFAULT_SETTINGS[key]) {
      throw new DomainError(
        "unprocessable",
        `Setting ${key} must be a ${typeof DEFAULT_SETTINGS[key]}`,
      );
    }
    if (key === "registrations_mode" && !["open", "approved", "none"].includes(value as string)) {
      throw new DomainError("unprocessable", "registrations_mode must be open, approved or none");
    }
  }
  await db.transaction(async (tx) => {
    for (const [key, value] of Object.entries(values)) {
      await tx
        .insert(siteSettings)
        .values({ key, value })
        .onConflictDoUpdate({ target: siteSettings.key, set: { value, updatedAt: sql`now()` } });
    }
  });
}
