// ExtendedDescription, PrivacyPolicy and TermsOfService
// (https://docs.joinmastodon.org/entities/ExtendedDescription/,
// /entities/PrivacyPolicy/, /entities/TermsOfService/), and the weekly
// activity hashes of GET /api/v1/instance/activity.
import type { ActivityWeek } from "../../domain/instance/activity.ts";
import type { InstanceDocument, TermsOfService as Terms } from "../../domain/instance/documents.ts";

export interface ExtendedDescription {
  updated_at: string | null;
  content: string;
}

export interface PrivacyPolicy {
  updated_at: string;
  content: string;
}

export interface TermsOfService {
  effective_date: string;
  effective: boolean;
  content: string;
  succeeded_by: string | null;
}

export interface Activity {
  week: string;
  statuses: string;
  logins: string;
  registrations: string;
}

/** Rails' `Time#iso8601`: seconds precision. */
function iso8601(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function serializeExtendedDescription(doc: InstanceDocument): ExtendedDescription {
  return { updated_at: doc.updatedAt ? iso8601(doc.updatedAt) : null, content: doc.html };
}

export function serializePrivacyPolicy(doc: InstanceDocument): PrivacyPolicy {
  return { updated_at: iso8601(doc.updatedAt ?? new Date(0)), content: doc.html };
}

/** Herd keeps one version of the terms: it is in effect and has no successor. */
export function serializeTermsOfService(terms: Terms): TermsOfService {
  return {
    effective_date: terms.effectiveDate,
    effective: true,
    content: terms.html,
    succeeded_by: null,
  };
}

/** Counts as strings and the week as UNIX seconds, as Mastodon sends them. */
export function serializeActivity(week: ActivityWeek): Activity {
  return {
    week: String(Math.floor(week.week.getTime() / 1000)),
    statuses: String(week.statuses),
    logins: String(week.logins),
    registrations: String(week.registrations),
  };
}
