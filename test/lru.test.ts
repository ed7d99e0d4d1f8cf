// The caches' least-recently-used map (src/lib/lru.ts): the first out is the
// least recently used, except that a hit on an entry in the newer half does
// not move it (moving a hot key on every hit made V8's Map slower with each
// hit); such an entry is still never the first out.
import { describe, expect, it } from "vitest";
import { Lru } from "../src/lib/lru.ts";

const filled = (n: number, limit?: number) => {
  const lru = new Lru<number>(limit);
  for (let i = 0; i < n; i++) lru.set(`k${i}`, i);
  return lru;
};

describe("Lru", () => {
  it("gives what was set, and nothing for what was not", () => {
    const lru = filled(3);
    expect(lru.get("k1")).toBe(1);
    expect(lru.peek("k2")).toBe(2);
    expect(lru.get("nope")).toBeUndefined();
    expect(lru.size).toBe(3);
  });

  it("forgets the oldest beyond its limit", () => {
    const lru = filled(5, 3);
    expect([...lru.keys()]).toEqual(["k2", "k3", "k4"]);
    expect(lru.get("k0")).toBeUndefined();
  });

  it("moves a hit from the older half to the end, so that it outlives the others", () => {
    const lru = filled(10, 10);
    expect(lru.get("k0")).toBe(0);
    expect(lru.oldest()).toBe("k1");
    lru.set("k10", 10);
    expect(lru.peek("k0")).toBe(0);
    expect(lru.peek("k1")).toBeUndefined();
  });

  it("leaves a hit in the newer half where it is", () => {
    const lru = filled(10);
    const order = [...lru.keys()];
    for (let i = 0; i < 100; i++) lru.get("k9");
    lru.get("k6");
    expect([...lru.keys()]).toEqual(order);
  });

  it("never puts an entry used within the last size/2 moves first out", () => {
    const lru = new Lru<number>(100);
    for (let i = 0; i < 100; i++) lru.set(`k${i}`, i);
    // A hot key among a stream of new ones: it must survive them all.
    for (let i = 100; i < 10_000; i++) {
      if (i % 40 === 20) expect(lru.get("k0")).toBe(0);
      lru.set(`k${i}`, i);
    }
    expect(lru.peek("k0")).toBe(0);
    expect(lru.size).toBe(100);
  });

  it("moves a hit on the older of two, as strict LRU would", () => {
    const lru = filled(2, 2);
    lru.get("k0");
    lru.set("k2", 2);
    expect([...lru.keys()]).toEqual(["k0", "k2"]);
  });

  it("does not move a peeked entry", () => {
    const lru = filled(4);
    lru.peek("k0");
    expect(lru.oldest()).toBe("k0");
  });

  it("updates a kept key in place, as a use", () => {
    const lru = filled(4, 4);
    lru.set("k0", 100);
    expect(lru.size).toBe(4);
    expect(lru.oldest()).toBe("k1");
    expect(lru.get("k0")).toBe(100);
  });

  it("deletes and clears", () => {
    const lru = filled(4);
    expect(lru.delete("k1")).toBe(true);
    expect(lru.delete("k1")).toBe(false);
    expect([...lru.keys()]).toEqual(["k0", "k2", "k3"]);
    lru.clear();
    expect(lru.size).toBe(0);
    expect(lru.oldest()).toBeUndefined();
  });
});
