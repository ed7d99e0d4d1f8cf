// Everything GET /api/v1/instance and /api/v2/instance show, gathered in a
// fixed number of queries (https://docs.joinmastodon.org/methods/instance/).
import type { Db } from "../../db/database.ts";
import { findContactAccount, type ContactAccount } from "./contact.ts";
import { listRules, type RuleRow } from "./rules.ts";
import { getSettings, type SiteSettings } from "./settings.ts";
import { getInstanceStats, takeInstanceStats, type InstanceStats } from "./stats.ts";

export interface InstanceInfo {
  settings: SiteSettings;
  rules: RuleRow[];
  contactAccount: ContactAccount | null;
  stats: InstanceStats;
  /** When the counts were taken (Date.now()): they are reused for a while (stats.ts). */
  statsTakenAt: number;
  hasTermsOfService: boolean;
}

export async function getInstanceInfo(
  db: Db,
  domains: { localDomain: string; webDomain: string },
): Promise<InstanceInfo> {
  const counts = takeInstanceStats(db);
  const [settings, rules, stats] = await Promise.all([
    getSettings(db),
    listRules(db),
    counts.stats,
  ]);
  const contactAccount = settings.site_contact_username.trim()
    ? await findContactAccount(db, settings.site_contact_username, [
        domains.localDomain,
        domains.webDomain,
      ])
    : null;
  return {
    settings,
    rules,
    contactAccount,
    stats,
    statsTakenAt: counts.at,
    hasTermsOfService: settings.terms_of_service.trim() !== "",
  };
}

export interface NodeInfoFacts {
  stats: InstanceStats;
  title: string;
  description: string;
  openRegistrations: boolean;
}

/** What NodeInfo tells other servers (https://nodeinfo.diaspora.software/). */
export async function getNodeInfoFacts(
  db: Db,
  options: { singleUserMode: boolean },
): Promise<NodeInfoFacts> {
  const [settings, stats] = await Promise.all([getSettings(db), getInstanceStats(db)]);
  return {
    stats,
    title: settings.site_title,
    description: settings.site_short_description,
    openRegistrations: registrationsEnabled(settings, options.singleUserMode),
  };
}

/** Registrations are open unless the mode is `none` or the server is single-user (Mastodon's rule). */
export function registrationsEnabled(settings: SiteSettings, singleUserMode: boolean): boolean {
  return settings.registrations_mode !== "none" && !singleUserMode;
}
