// Statements with parameters are named, so that each connection parses them
// once and PostgreSQL may keep their plans (src/db/database.ts); those sent
// through `unprepared` are not, and are planned for their values each time.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { unprepared } from "../src/db/database.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();

describe("statements on the pool", () => {
  it("are prepared when they have parameters, unless sent unprepared", async () => {
    const prepared = await t.database.db.transaction(async (tx) => {
      const named = await tx.execute<{ n: number }>(sql`SELECT ${41}::int + 1 AS named_probe`);
      const unnamed = await tx.execute<{ n: number }>(
        unprepared(sql`SELECT ${41}::int + 2 AS unnamed_probe`),
      );
      expect([named.rows[0], unnamed.rows[0]]).toEqual([
        { named_probe: 42 },
        { unnamed_probe: 43 },
      ]);
      const { rows } = await tx.execute<{ statement: string }>(
        sql.raw("SELECT statement FROM pg_prepared_statements"),
      );
      return rows.map((r) => r.statement);
    });
    expect(prepared.some((s) => s.includes("named_probe") && !s.includes("unnamed"))).toBe(true);
    expect(prepared.some((s) => s.includes("unnamed_probe"))).toBe(false);
  });
});
