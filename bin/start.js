#!/usr/bin/env node
// Starts the Herd server. Plain JavaScript, so that an old Node can still say
// clearly why it cannot run the TypeScript sources.
const [major] = process.versions.node.split(".").map(Number);
if (major < 22) {
  process.stderr.write(
    `herd: Node.js 22 or newer is required (this is ${process.version}); run it through npm start\n`,
  );
  process.exit(1);
}
const { main } = await import("../src/main.ts");
await main();
