// Which of some statuses a viewer may see now (statusVisibleTo), for entities
// that show a status beside something else (notification requests).
import { and, inArray } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { statuses } from "../../db/schema/index.ts";
import { isId } from "../../lib/ids.ts";
import { statusVisibleTo } from "../statuses/visibility.ts";

/** The ids among `ids` that `viewerAccountId` may see, in the order of `ids`. */
export async function visibleStatusIds(
  db: Db,
  viewerAccountId: string,
  ids: readonly string[],
): Promise<string[]> {
  const wanted = [...new Set(ids.filter(isId))];
  if (wanted.length === 0) return [];
  const rows = await db
    .select({ id: statuses.id })
    .from(statuses)
    .where(and(inArray(statuses.id, wanted), statusVisibleTo(viewerAccountId)));
  const found = new Set(rows.map((r) => r.id));
  return wanted.filter((id) => found.has(id));
}
