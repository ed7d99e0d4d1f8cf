// The real app (createApp) in the bench's own process, over a database the
// bench seeded, for measurements that need to see each statement a request
// sends (bench/social-queries.ts, bench/profile.ts --explain).
import { createApp } from "../src/app.ts";
import { parseConfig } from "../src/config.ts";
import { connect, type Database } from "../src/db/database.ts";
import type { Deps } from "../src/deps.ts";
import { createMemoryRateStore } from "../src/http/rate-limit.ts";
import { silentLogger } from "../src/logger.ts";
import { createMediaStorage } from "../src/storage/index.ts";

export function inProcessApp(
  url: string,
  localDomain: string,
  poolSize: number,
  env: Record<string, string> = {},
): { app: ReturnType<typeof createApp>; database: Database } {
  const database = connect(url, poolSize);
  const config = parseConfig({
    NODE_ENV: "production",
    LOCAL_DOMAIN: localDomain,
    DATA_DIR: "/nonexistent-herd-bench",
    LOG_LEVEL: "silent",
    ...env,
  });
  const deps: Deps = {
    config,
    database,
    logger: silentLogger,
    secrets: { secretKeyBase: "x".repeat(64), postgresPassword: "unused" },
    mailer: { send: async () => undefined },
    jobs: { send: async () => undefined },
    media: createMediaStorage(config),
  };
  return { app: createApp(deps, { rateStore: createMemoryRateStore() }), database };
}
