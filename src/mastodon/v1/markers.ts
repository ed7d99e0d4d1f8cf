// Timeline markers (https://docs.joinmastodon.org/methods/markers/), as
// Mastodon's Api::V1::MarkersController: reading needs `read:statuses`,
// saving `write:statuses`; a save that raced another one is a 409.
import type { Hono } from "hono";
import {
  getMarkers,
  MARKER_TIMELINES,
  MarkerConflict,
  saveMarkers,
  type MarkerChange,
} from "../../domain/markers/markers.ts";
import { requireUser } from "../../http/auth.ts";
import type { HerdEnv } from "../../http/env.ts";
import { ApiError } from "../../http/errors.ts";
import { params } from "../../http/params.ts";
import { serializeMarkers } from "../entities/marker.ts";
import { idsParam } from "./accounts-common.ts";

const isHash = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export function registerMarkersRoutes(app: Hono<HerdEnv>): void {
  // https://docs.joinmastodon.org/methods/markers/#get: `timeline[]=home&timeline[]=notifications`
  app.get("/api/v1/markers", async (c) => {
    const { account } = requireUser(c, "read", "read:statuses");
    const timelines = idsParam((await params(c)).timeline);
    const rows = await getMarkers(c.get("deps").database.db, account.id, timelines);
    return c.json(serializeMarkers(rows));
  });

  // https://docs.joinmastodon.org/methods/markers/#create: `home[last_read_id]`,
  // `notifications[last_read_id]`; other parameters are ignored.
  app.post("/api/v1/markers", async (c) => {
    const { account } = requireUser(c, "write", "write:statuses");
    const p = await params(c);
    const changes: MarkerChange[] = [];
    for (const timeline of MARKER_TIMELINES) {
      const given = p[timeline];
      if (isHash(given)) changes.push({ timeline, lastReadId: given.last_read_id });
    }
    try {
      const rows = await saveMarkers(c.get("deps").database.db, account.id, changes);
      return c.json(serializeMarkers(rows));
    } catch (error) {
      if (error instanceof MarkerConflict) throw new ApiError(409, error.message);
      throw error;
    }
  });
}
