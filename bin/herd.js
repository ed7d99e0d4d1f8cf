#!/usr/bin/env node
// The `herd` admin command (tootctl-compatible). Plain JavaScript, so that an
// old Node can still say clearly why it cannot run the TypeScript sources.
const [major] = process.versions.node.split(".").map(Number);
if (major < 22) {
  process.stderr.write(
    `herd: Node.js 22 or newer is required (this is ${process.version}); run it as npx herd\n`,
  );
  process.exit(1);
}
const { run } = await import("../src/cli/main.ts");
process.exitCode = await run(process.argv.slice(2));
