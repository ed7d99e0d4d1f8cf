// A status's thread, as Mastodon's Api::V1::StatusesController#context and
// StatusThreadingConcern (https://docs.joinmastodon.org/methods/statuses/#context):
// - the status itself must be visible to the viewer (else 404);
// - ancestors: up the reply chain, the nearest ones first up to the limit,
//   then shown root first;
// - descendants: depth first, siblings oldest first, the author's own replies
//   to themselves brought to the top (promote_by!);
// - limits apply to the raw tree before filtering: 40 ancestors, 60
//   descendants and a depth of 20 for visitors, 4,096 of each and no depth
//   limit for signed-in users;
// - each status is then filtered for the viewer: what the viewer may not see
//   (StatusPolicy) and, for signed-in viewers, what they block or mute or
//   what blocks them (StatusFilter); the viewer's own statuses always show.
import { and, inArray, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { statuses } from "../../db/schema/index.ts";
import { notFound } from "../errors.ts";
import { findVisibleStatus } from "./interactions/target.ts";
import { notHiddenBy, statusVisibleTo } from "./visibility.ts";

/** StatusesController::CONTEXT_LIMIT. */
const CONTEXT_LIMIT = 4096;
/** StatusesController::ANCESTORS_LIMIT, DESCENDANTS_LIMIT, DESCENDANTS_DEPTH_LIMIT. */
const ANCESTORS_LIMIT = 40;
const DESCENDANTS_LIMIT = 60;
const DESCENDANTS_DEPTH_LIMIT = 20;

export interface StatusContext {
  ancestors: string[];
  descendants: string[];
}

async function ancestorIds(db: Db, inReplyToId: string, limit: number): Promise<string[]> {
  const result = await db.execute<{ id: string }>(sql`
    WITH RECURSIVE search_tree(id, in_reply_to_id, path) AS (
      SELECT id, in_reply_to_id, ARRAY[id] FROM statuses WHERE id = ${inReplyToId}::bigint
      UNION ALL
      SELECT s.id, s.in_reply_to_id, path || s.id
      FROM search_tree JOIN statuses s ON s.id = search_tree.in_reply_to_id
      WHERE NOT s.id = ANY(path)
    )
    SELECT id::text AS id FROM search_tree ORDER BY path LIMIT ${limit}`);
  return result.rows.map((r) => r.id).reverse();
}

async function descendantIds(
  db: Db,
  id: string,
  limit: number,
  depth: number | null,
): Promise<string[]> {
  // One more of each: the status itself is the tree's root.
  const depthCheck = depth === null ? sql`TRUE` : sql`array_length(path, 1) < ${depth + 1}`;
  const result = await db.execute<{ id: string }>(sql`
    WITH RECURSIVE search_tree(id, path) AS (
      SELECT id, ARRAY[id] FROM statuses WHERE id = ${id}::bigint
      UNION ALL
      SELECT s.id, path || s.id
      FROM search_tree JOIN statuses s ON s.in_reply_to_id = search_tree.id
      WHERE ${depthCheck} AND NOT s.id = ANY(path)
    )
    SELECT id::text AS id FROM search_tree ORDER BY path LIMIT ${limit + 1}`);
  return result.rows.map((r) => r.id).filter((x) => x !== id);
}

/** Moves the items matching `test` up to the first place not matching, keeping their order (promote_by!). */
function promote<T>(items: T[], test: (item: T) => boolean): T[] {
  const out = [...items];
  let insertAt = out.findIndex((item) => !test(item));
  if (insertAt === -1) return out;
  for (let i = insertAt + 1; i < out.length; i++) {
    if (!test(out[i]!)) continue;
    const [item] = out.splice(i, 1);
    out.splice(insertAt, 0, item!);
    insertAt++;
  }
  return out;
}

/** The ids of the thread around status `id` that `viewerId` may see, in Mastodon's order. */
export async function statusContext(
  db: Db,
  id: string,
  viewerId: string | null,
): Promise<StatusContext> {
  const status = await findVisibleStatus(db, id, viewerId);
  if (!status) throw notFound();
  const signedIn = viewerId !== null;
  const [up, down] = await Promise.all([
    status.inReplyToId === null
      ? Promise.resolve([])
      : ancestorIds(db, status.inReplyToId, signedIn ? CONTEXT_LIMIT : ANCESTORS_LIMIT),
    descendantIds(
      db,
      status.id,
      signedIn ? CONTEXT_LIMIT : DESCENDANTS_LIMIT,
      signedIn ? null : DESCENDANTS_DEPTH_LIMIT,
    ),
  ]);
  const all = [...up, ...down];
  if (all.length === 0) return { ancestors: [], descendants: [] };
  const shown = await db
    .select({
      id: statuses.id,
      accountId: statuses.accountId,
      inReplyToAccountId: statuses.inReplyToAccountId,
    })
    .from(statuses)
    .where(and(inArray(statuses.id, all), statusVisibleTo(viewerId), notHiddenBy(viewerId)));
  const byId = new Map(shown.map((s) => [s.id, s]));
  const descendants = down.map((x) => byId.get(x)).filter((s) => s !== undefined);
  return {
    ancestors: up.filter((x) => byId.has(x)),
    descendants: promote(descendants, (s) => s.inReplyToAccountId === s.accountId).map((s) => s.id),
  };
}
