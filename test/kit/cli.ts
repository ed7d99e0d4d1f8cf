// `herd` run in the test's process against the test instance's database, as
// a CLI test calls it: what it printed on each stream and its exit code.
import { parseConfig } from "../../src/config.ts";
import { run, type Output, type RunOptions } from "../../src/cli/main.ts";
import type { TestInstance } from "./instance.ts";

export interface CliResult {
  code: number;
  out: string[];
  err: string[];
}

/** A `herd(...argv)` for `t`'s database, with `dataDir` as DATA_DIR; `options` go to run(). */
export function cliFor(
  t: TestInstance,
  dataDir: string,
  options: Omit<RunOptions, "output" | "config"> = {},
): (...argv: string[]) => Promise<CliResult> {
  const config = parseConfig({
    NODE_ENV: "test",
    LOCAL_DOMAIN: "herd.test",
    LOCAL_HTTPS: "true",
    DATABASE_URL: t.url,
    DATA_DIR: dataDir,
  });
  return async (...argv) => {
    const out: string[] = [];
    const err: string[] = [];
    const output: Output = { out: (l) => out.push(l), err: (l) => err.push(l) };
    const code = await run(argv, { ...options, output, config });
    return { code, out, err };
  };
}
