// Configuration read from the environment (src/config.ts): the settings no
// other test file starts a server with.
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../src/config.ts";

const base = { NODE_ENV: "test", LOCAL_DOMAIN: "herd.test", DATA_DIR: "/tmp/herd-config-unused" };

describe("DB_POOL", () => {
  it("is 5 connections unless given, as Mastodon's", () => {
    expect(parseConfig(base).dbPool).toBe(5);
    expect(parseConfig({ ...base, DB_POOL: "" }).dbPool).toBe(5);
    expect(parseConfig({ ...base, DB_POOL: "12" }).dbPool).toBe(12);
  });

  it("names itself when it is not a whole number of at least one", () => {
    for (const value of ["0", "-3", "2.5", "many"]) {
      expect(() => parseConfig({ ...base, DB_POOL: value })).toThrow(ConfigError);
      expect(() => parseConfig({ ...base, DB_POOL: value })).toThrow(/DB_POOL/);
    }
  });
});
