// src/lib/request-ids.ts: X-Request-Id values shaped as Rails' (a version 4
// UUID), unique within a generator and across generators, and not a visible
// count of requests.
import { describe, expect, it } from "vitest";
import { hex24, requestIds } from "../src/lib/request-ids.ts";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("request ids", () => {
  it("are version 4 UUIDs in form, each new", () => {
    const next = requestIds();
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const id = next();
      expect(id).toMatch(UUID_V4);
      seen.add(id);
    }
    expect(seen.size).toBe(5000);
  });

  it("differ between generators (processes)", () => {
    const a = requestIds()();
    const b = requestIds()();
    expect(a.slice(0, 24)).not.toBe(b.slice(0, 24));
    expect(a.slice(24)).not.toBe(b.slice(24));
  });

  it("do not show how many came between two of them", () => {
    const next = requestIds();
    const tails = Array.from({ length: 1000 }, () => Number.parseInt(next().slice(24), 16));
    const steps = new Set(tails.slice(1).map((t, i) => t - tails[i]!));
    // A counter would step by one each time.
    expect(steps.size).toBeGreaterThan(990);
    expect(steps.has(1)).toBe(false);
  });

  it("write 24 bits as six hex digits, zeros first", () => {
    for (const [n, hex] of [
      [0, "000000"],
      [0xff, "0000ff"],
      [0x100, "000100"],
      [0xabcdef, "abcdef"],
      [0xffffff, "ffffff"],
    ] as const) {
      expect(hex24(n)).toBe(hex);
    }
    for (let n = 1; n < 0x1000000; n += 65_537) {
      expect(hex24(n)).toBe(n.toString(16).padStart(6, "0"));
    }
  });
});
