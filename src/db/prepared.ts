// Statements built once per database handle instead of once per call. For
// the hottest reads (a bearer token, a timeline page, one status), building
// the SQL through Drizzle cost more CPU than PostgreSQL spent running it
// (bench/profile.ts); a prepared query takes its values as placeholders
// (`sql.placeholder(name)`) and reuses both the SQL text and the server-side
// plan. Only for handles that live long (the pool's `Db`), not transactions.
import type { Db } from "./database.ts";

/** `build(db)`, made the first time each `db` asks for it. */
export function preparedFor<T>(build: (db: Db) => T): (db: Db) => T {
  const made = new WeakMap<Db, T>();
  return (db) => {
    let statement = made.get(db);
    if (statement === undefined) {
      statement = build(db);
      made.set(db, statement);
    }
    return statement;
  };
}
