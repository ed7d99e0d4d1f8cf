// The notification types and their properties, as Mastodon's
// Notification::PROPERTIES and Notification::Groups (app/models/notification.rb,
// app/models/concerns/notification/groups.rb).
// https://docs.joinmastodon.org/entities/Notification/#type
import type { NotificationType } from "../../db/schema/index.ts";

/** Every type a client may ask for in `types[]` / `exclude_types[]`. */
export const NOTIFICATION_TYPES: readonly NotificationType[] = [
  "mention",
  "status",
  "reblog",
  "follow",
  "follow_request",
  "favourite",
  "poll",
  "update",
  "admin.sign_up",
  "admin.report",
  "severed_relationships",
  "moderation_warning",
  "quote",
  "quoted_update",
];

/** Types the notification policy may filter or drop (`filterable: true`). */
export const FILTERABLE_TYPES: ReadonlySet<NotificationType> = new Set([
  "mention",
  "reblog",
  "follow",
  "follow_request",
  "favourite",
  "quote",
]);

/** Types that share a group key within a time window (4.4 added admin.sign_up). */
export const GROUPABLE_TYPES: readonly NotificationType[] = [
  "favourite",
  "reblog",
  "follow",
  "admin.sign_up",
];

/** Types whose entity carries the status they are about (REST::NotificationSerializer#status_type?). */
export const STATUS_TYPES: ReadonlySet<NotificationType> = new Set([
  "favourite",
  "reblog",
  "status",
  "mention",
  "poll",
  "update",
  "quote",
  "quoted_update",
]);

/** Types a notification request counts (NotificationRequest#prepare_notifications_count). */
export const REQUEST_TYPES: readonly NotificationType[] = ["mention", "quote"];

export function isNotificationType(value: string): value is NotificationType {
  return (NOTIFICATION_TYPES as readonly string[]).includes(value);
}

/**
 * The types a listing shows, as Notification.browserable: `types` (unknown
 * names ignored; none given means all) minus `excludeTypes`. Null means "all
 * types", so that no type condition is needed.
 */
export function requestedTypes(
  types: readonly string[],
  excludeTypes: readonly string[],
): NotificationType[] | null {
  const base =
    types.length === 0 ? NOTIFICATION_TYPES : NOTIFICATION_TYPES.filter((t) => types.includes(t));
  const result = base.filter((t) => !excludeTypes.includes(t));
  return result.length === NOTIFICATION_TYPES.length ? null : result;
}

/**
 * The types whose notifications are grouped in a listing: `grouped_types[]`
 * when given (only groupable ones count), else all groupable types.
 */
export function groupedTypes(given: readonly string[] | undefined): NotificationType[] {
  if (!given || given.length === 0) return [...GROUPABLE_TYPES];
  return GROUPABLE_TYPES.filter((t) => given.includes(t));
}
