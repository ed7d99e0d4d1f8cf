// SQL statements per request, counted in process: the real app (createApp)
// over the seeded database, with every statement any pg client of this
// process sends counted while one request runs. A page must cost a fixed
// number of statements whatever its size (no N+1), counted with the cache of
// rendered pages off.
import pg from "pg";
import { inProcessApp } from "./in-process-app.ts";

export interface QueryCount {
  path: string;
  status: number;
  /** Entities in the answer (for an array), else 1. */
  items: number;
  queries: number;
  /** The first words of each statement, for a reader of the report. */
  statements: string[];
}

type QueryFn = (...args: unknown[]) => unknown;

/**
 * Counts the statements of each GET of `paths` (with `token`), against the
 * database at `url`, as an app for `localDomain` answers them.
 */
export async function countQueries(
  url: string,
  localDomain: string,
  token: string,
  paths: string[],
): Promise<QueryCount[]> {
  // Without the cache of rendered pages, which would answer from memory:
  // what a page costs when it is read.
  const { app, database } = inProcessApp(url, localDomain, 4, { PAGE_CACHE_MB: "0" });

  const proto = pg.Client.prototype as unknown as { query: QueryFn };
  const original = proto.query;
  let counting = false;
  let statements: string[] = [];
  proto.query = function (this: unknown, ...args: unknown[]) {
    if (counting) {
      const first = args[0];
      const text =
        typeof first === "string" ? first : ((first as { text?: string } | null)?.text ?? "?");
      statements.push(text.replace(/\s+/g, " ").trim().slice(0, 60));
    }
    return original.apply(this, args);
  };
  const out: QueryCount[] = [];
  try {
    const headers = { authorization: `Bearer ${token}` };
    for (const path of paths) {
      // Warm: token use recorded, caches filled. Twice: the token cache keeps
      // nothing read while no connection of the pool listened yet.
      await app.request(path, { headers });
      await app.request(path, { headers });
      statements = [];
      counting = true;
      const res = await app.request(path, { headers });
      const body: unknown = await res.json().catch(() => null);
      // Anything the request started without awaiting (a token touch) counts too.
      await new Promise((r) => setTimeout(r, 50));
      counting = false;
      out.push({
        path,
        status: res.status,
        items: Array.isArray(body) ? body.length : 1,
        queries: statements.length,
        statements,
      });
    }
  } finally {
    counting = false;
    proto.query = original;
    await database.close();
  }
  return out;
}
