// `npm run bench`: every benchmark of the project, one after the other, each
// in its own process (so one's memory and warm caches do not colour the
// next), each printing its own table:
//   startup    bench/run.ts        start-up time, idle memory, throughput (P1)
//   social     bench/social.ts     timelines, statuses, fan-out, middleware (P2)
//   streaming  bench/streaming.ts  live events to 1,000 WebSocket clients (P4)
//   media      bench/media.ts      upload-to-ready time of a 12-megapixel photo (P5)
//
//   npm run bench                      all of them
//   npm run bench -- social            some of them, by name
//   npm run bench -- social --small    options after the names go to each one
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const SUITES: Record<string, string> = {
  startup: "bench/run.ts",
  social: "bench/social.ts",
  streaming: "bench/streaming.ts",
  media: "bench/media.ts",
};

const args = process.argv.slice(2);
const names = args.filter((a) => !a.startsWith("--"));
const options = args.filter((a) => a.startsWith("--"));
const unknown = names.filter((n) => !(n in SUITES));
if (unknown.length > 0) {
  process.stderr.write(
    `bench: unknown ${unknown.join(", ")} (known: ${Object.keys(SUITES).join(", ")})\n`,
  );
  process.exit(2);
}
let failed = 0;
for (const [name, script] of Object.entries(SUITES)) {
  if (names.length > 0 && !names.includes(name)) continue;
  if (!existsSync(path.join(ROOT, script))) continue;
  process.stderr.write(`\nbench: ${name} (${script})\n`);
  const run = spawnSync(process.execPath, [script, ...options], { cwd: ROOT, stdio: "inherit" });
  if (run.status !== 0) {
    failed++;
    process.stderr.write(`bench: ${name} failed (${run.status ?? run.signal})\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
