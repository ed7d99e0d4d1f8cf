// Context (https://docs.joinmastodon.org/entities/Context/): a status's
// ancestors and descendants, rendered together so that the whole thread
// loads in the fixed number of queries of renderStatuses.
import type { Db } from "../../db/database.ts";
import type { StatusContext } from "../../domain/statuses/context.ts";
import type { Urls } from "../../urls.ts";
import { renderStatuses, type Status } from "./status.ts";

export interface Context {
  ancestors: Status[];
  descendants: Status[];
}

export async function renderContext(
  db: Db,
  context: StatusContext,
  viewerId: string | null,
  urls: Urls,
): Promise<Context> {
  const rendered = await renderStatuses(
    db,
    [...context.ancestors, ...context.descendants],
    viewerId,
    urls,
  );
  const byId = new Map(rendered.map((s) => [s.id, s]));
  const pick = (ids: string[]) => ids.map((id) => byId.get(id)).filter((s) => s !== undefined);
  return { ancestors: pick(context.ancestors), descendants: pick(context.descendants) };
}
