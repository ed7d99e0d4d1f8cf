#!/usr/bin/env node
// Starts the Herd server. Plain JavaScript, so that an old Node can still say
// clearly why it cannot run the TypeScript sources (Node runs them itself,
// unflagged, from 22.18 and 23.6).
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 18) || (major === 23 && minor < 6)) {
  process.stderr.write(
    `herd: Node.js 22.18 or newer is required (this is ${process.version}); run it through npm start\n`,
  );
  process.exit(1);
}
await import("./resolve-hooks.js");
const { main } = await import("../src/main.ts");
try {
  // Run by `npm start`: stop with npm (see MainOptions.followParent).
  await main({ followParent: Boolean(process.env.npm_lifecycle_event) });
} catch (error) {
  process.stderr.write(`herd: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
