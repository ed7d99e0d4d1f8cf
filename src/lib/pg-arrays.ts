// Lists sent to PostgreSQL as one array parameter (`unnest($1::bigint[])`,
// `= ANY($1::bigint[])`), so that a statement's size does not grow with them.

/** A PostgreSQL array literal of ids (strings of digits, checked before). */
export function idArray(ids: readonly string[]): string {
  return `{${ids.join(",")}}`;
}

/** A PostgreSQL array literal of integers. */
export function intArray(values: readonly number[]): string {
  return `{${values.map((v) => Math.trunc(v)).join(",")}}`;
}

/** A PostgreSQL array literal of texts, each quoted. */
export function textArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, "\\$&")}"`).join(",")}}`;
}
