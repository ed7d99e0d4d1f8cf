// src/lib/request-ids.ts: X-Request-Id values shaped as Rails' (a version 4
// UUID), unique within a generator and across generators, and not a visible
// count of requests.
import { describe, expect, it } from "vitest";
import { requestIds } from "../src/lib/request-ids.ts";

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
});
