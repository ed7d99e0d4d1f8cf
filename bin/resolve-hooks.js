// Module resolution shortcuts, registered by bin/start.js and bin/herd.js
// before they load the sources: for drizzle-orm's own imports, and for Herd's
// own modules (measured: resolving from src/ cost ~250 ms of a start).
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
const ROOT = new URL("../", import.meta.url).href;
/** Herd's own modules: src/, bin/, test/ and bench/, all TypeScript or ES modules. */
const OWN = ["src/", "bin/", "test/", "bench/"].map((dir) => ROOT + dir);
/** Packages imported from Herd's own modules, resolved once each (by specifier and conditions). */
const packages = new Map();

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
    if (parent && OWN.some((dir) => parent.startsWith(dir))) {
      // Herd's own modules import each other by relative paths with their
      // extension, and are ES modules (package.json's "type"): Node would
      // otherwise look up the package scope and read package.json for each
      // of ~400 of them.
      if (specifier.startsWith("./") || specifier.startsWith("../")) {
        if (specifier.endsWith(".ts")) {
          return {
            url: new URL(specifier, parent).href,
            format: "module-typescript",
            shortCircuit: true,
          };
        }
      } else if (!specifier.startsWith("node:") && !specifier.startsWith("#")) {
        // A package resolves the same from any of Herd's modules: Node 24
        // would read its package.json again for each importing module.
        const key = `${specifier}\0${context.conditions?.join(",") ?? ""}`;
        let resolved = packages.get(key);
        if (!resolved) {
          resolved = nextResolve(specifier, context);
          packages.set(key, resolved);
        }
        return { ...resolved, shortCircuit: true };
      }
    }
    return nextResolve(specifier, context);
  },
});
