// The Marker entity (https://docs.joinmastodon.org/entities/Marker/), and the
// hash of markers by timeline name that the markers API answers.
import type { MarkerRow } from "../../domain/markers/markers.ts";

export interface Marker {
  last_read_id: string;
  /** The lock version: how many times the marker changed. */
  version: number;
  updated_at: string;
}

export function serializeMarker(marker: MarkerRow): Marker {
  return {
    last_read_id: marker.lastReadId,
    version: marker.lockVersion,
    updated_at: marker.updatedAt.toISOString(),
  };
}

/** `{"home": Marker, "notifications": Marker}`, with the timelines present. */
export function serializeMarkers(rows: readonly MarkerRow[]): Record<string, Marker> {
  const out: Record<string, Marker> = {};
  for (const row of rows) out[row.timeline] = serializeMarker(row);
  return out;
}
