// Table rows carried inside one JSON document built by PostgreSQL, for read
// paths that gather several tables in a single statement (one round trip,
// no per-column decoding in JavaScript). The select list and the decoder come
// from the Drizzle table, so a new column needs no change here:
// - 64-bit ids leave PostgreSQL as text (JSON numbers would lose digits);
// - timestamps arrive as ISO strings and become Dates again;
// - everything else (text, booleans, integers, jsonb) is JSON already.
import { getTableColumns } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";

export interface JsonRowCodec<Row> {
  /** The select list of a subquery whose `row_to_json` is a row, the table aliased as `alias`. */
  selectList(alias: string): string;
  /** The row again, from the object `row_to_json` made. */
  decode(json: Record<string, unknown>): Row;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

function expression(alias: string, column: PgColumn): string {
  const ref = `${alias}.${quote(column.name)}`;
  const type = column.getSQLType();
  if (type === "bigint") return `${ref}::text`;
  if (type === "bigint[]") return `${ref}::text[]`;
  return ref;
}

export function jsonRowCodec<T extends PgTable>(table: T): JsonRowCodec<T["$inferSelect"]> {
  const columns = Object.entries(getTableColumns(table)) as [string, PgColumn][];
  const dates = columns
    .filter(([, c]) => c.getSQLType().startsWith("timestamp"))
    .map(([key]) => key);
  return {
    selectList: (alias) =>
      columns.map(([key, c]) => `${expression(alias, c)} AS ${quote(key)}`).join(", "),
    decode: (json) => {
      for (const key of dates) {
        const v = json[key];
        if (typeof v === "string") json[key] = new Date(v);
      }
      return json as T["$inferSelect"];
    },
  };
}
