#!/usr/bin/env node
// The `herd` admin command (tootctl-compatible). Plain JavaScript, so that an
// old Node can still say clearly why it cannot run the TypeScript sources
// (Node runs them itself, unflagged, from 22.18 and 23.6).
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 18) || (major === 23 && minor < 6)) {
  process.stderr.write(
    `herd: Node.js 22.18 or newer is required (this is ${process.version}); run it as npx herd\n`,
  );
  process.exit(1);
}
await import("./resolve-hooks.js");
const { run } = await import("../src/cli/main.ts");
process.exitCode = await run(process.argv.slice(2), { handleSignals: true });
