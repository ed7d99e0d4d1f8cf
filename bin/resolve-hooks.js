// A module resolution shortcut for drizzle-orm, registered by bin/start.js and
// bin/herd.js before they load the sources.
//
// drizzle-orm ships a package.json of ~180 KB (an `exports` map of ~450
// entries) and ~450 ES modules. For each of them, Node 24 looks up the
// package scope and works through that package.json again: loading
// drizzle-orm then costs ~0.7 s and leaves the process ~230 MB larger (see
// nodejs/node#59888, #60425). drizzle-orm's own files import each other by
// relative paths to ES modules (its package.json says "type": "module", and
// every such specifier ends in .js), so those are resolved here directly.
import { registerHooks } from "node:module";

const DRIZZLE = "/node_modules/drizzle-orm/";

registerHooks({
  resolve(specifier, context, nextResolve) {
    const parent = context.parentURL;
    if (
      parent?.includes(DRIZZLE) &&
      (specifier.startsWith("./") || specifier.startsWith("../")) &&
      specifier.endsWith(".js")
    ) {
      return { url: new URL(specifier, parent).href, format: "module", shortCircuit: true };
    }
    return nextResolve(specifier, context);
  },
});
