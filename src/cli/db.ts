// `herd db ...`: the schema migrations (migrations/*.sql) that the server
// also applies when it starts.
import { listMigrations, migrate, pendingMigrations } from "../db/migrate.ts";
import type { Command } from "./command.ts";

const migrateCommand: Command = {
  words: ["db", "migrate"],
  maxArgs: 0,
  summary: "Apply pending migrations",
  description: "Applies the migrations the database has not seen yet, printing each one's name.",
  async run(ctx) {
    const { applied } = await migrate((await ctx.database()).pool);
    if (applied.length === 0) ctx.output.out("Nothing to migrate");
    for (const name of applied) ctx.output.out(name);
  },
};

const status: Command = {
  words: ["db", "status"],
  maxArgs: 0,
  summary: "Show which migrations are applied",
  description:
    "Lists every migration as `up` (applied) or `down` (pending). Exit code 0 either way.",
  async run(ctx) {
    const pending = new Set(await pendingMigrations((await ctx.database()).pool));
    for (const name of await listMigrations()) {
      ctx.output.out(`${pending.has(name) ? "down" : "up  "}  ${name}`);
    }
  },
};

export const dbCommands: Command[] = [migrateCommand, status];
