// Lint rules: typescript-eslint's recommended set, plus the layer rules of
// ARCHITECTURE.md (client API and federation never import each other).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules", "data", "data-*", "coverage"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        URL: "readonly",
        Buffer: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "no-restricted-properties": [
        "error",
        {
          object: "process",
          property: "env",
          message: "Only src/config.ts reads process.env.",
        },
      ],
    },
  },
  {
    files: ["src/config.ts", "test/**", "bench/**", "bin/**", "vitest.config.ts"],
    rules: { "no-restricted-properties": "off" },
  },
  {
    files: ["test/**", "bench/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: ["src/mastodon/**", "src/oauth/**", "src/web/**", "src/cli/**", "src/streaming/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/federation/**", "@fedify/*"],
              message: "Client API code never imports federation.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["src/federation/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/mastodon/**", "**/oauth/**"],
              message: "Federation code never imports the client API.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["src/lib/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["../*", "!./*"], message: "src/lib imports nothing from src." }] },
      ],
    },
  },
);
