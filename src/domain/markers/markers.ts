// Timeline markers (https://docs.joinmastodon.org/methods/markers/): where a
// user stopped reading their home timeline and notifications, shared between
// their apps. As Mastodon's Marker and Api::V1::MarkersController, a marker is
// updated with optimistic locking: each change increments its version, and a
// change that raced another one fails with a conflict instead of overwriting it.
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { markers } from "../../db/schema/index.ts";
import { isId, newId } from "../../lib/ids.ts";
import { unprocessable } from "../errors.ts";

export type MarkerRow = typeof markers.$inferSelect;
export type MarkerTimeline = "home" | "notifications";

/** Marker::TIMELINES, in Mastodon's order. */
export const MARKER_TIMELINES: readonly MarkerTimeline[] = ["home", "notifications"];

export function isMarkerTimeline(value: unknown): value is MarkerTimeline {
  return typeof value === "string" && (MARKER_TIMELINES as readonly string[]).includes(value);
}

/** The markers of `accountId` for the timelines asked (unknown names are ignored). */
export async function getMarkers(
  db: Db,
  accountId: string,
  timelines: readonly string[],
): Promise<MarkerRow[]> {
  const wanted = [...new Set(timelines.filter(isMarkerTimeline))];
  if (wanted.length === 0) return [];
  return db
    .select()
    .from(markers)
    .where(and(eq(markers.accountId, accountId), inArray(markers.timeline, wanted)));
}

export interface MarkerChange {
  timeline: MarkerTimeline;
  /** As sent; undefined when the timeline was sent without one. */
  lastReadId: unknown;
}

function readId(value: unknown): string | null {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value !== "string" || value.trim() === "") return null;
  const trimmed = value.trim();
  if (!isId(trimmed)) throw unprocessable("Validation failed: Last read is invalid");
  return trimmed;
}

/** Another request changed the marker meanwhile (Rails' ActiveRecord::StaleObjectError). */
export class MarkerConflict extends Error {
  override name = "MarkerConflict";
  constructor() {
    super("Conflict during update, please try again");
  }
}

/**
 * Saves the markers of `changes` in one transaction. A marker changed by
 * another request between reading and writing it is a conflict (409).
 */
export async function saveMarkers(
  db: Db,
  accountId: string,
  changes: readonly MarkerChange[],
): Promise<MarkerRow[]> {
  return db.transaction(async (tx) => {
    const saved: MarkerRow[] = [];
    for (const change of changes) {
      const lastReadId = readId(change.lastReadId);
      const [current] = await tx
        .select()
        .from(markers)
        .where(and(eq(markers.accountId, accountId), eq(markers.timeline, change.timeline)));
      if (!current) {
        if (lastReadId === null) throw unprocessable("Validation failed: Last read can't be blank");
        const [created] = await tx
          .insert(markers)
          .values({ id: newId(), accountId, timeline: change.timeline, lastReadId })
          .returning();
        saved.push(created!);
        continue;
      }
      // Unchanged (or nothing sent): nothing is written, as Rails saves no unchanged record.
      if (lastReadId === null || lastReadId === current.lastReadId) {
        saved.push(current);
        continue;
      }
      const [updated] = await tx
        .update(markers)
        .set({
          lastReadId,
          lockVersion: sql`${markers.lockVersion} + 1`,
          updatedAt: new Date(),
        })
        .where(and(eq(markers.id, current.id), eq(markers.lockVersion, current.lockVersion)))
        .returning();
      if (!updated) throw new MarkerConflict();
      saved.push(updated);
    }
    return saved;
  });
}
