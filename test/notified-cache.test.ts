// The cache the database invalidates (src/db/notified-cache.ts), on its own:
// which notifications drop which entries, what a store that raced a
// notification keeps, and its limits of count, size and time. The token
// cache (test/token-cache.test.ts) and the cache of rendered pages
// (test/page-cache.test.ts) test it against a real database.
import { afterEach, describe, expect, it, vi } from "vitest";
import { changedKeys, notifiedCache } from "../src/db/notified-cache.ts";
import { fakeNotifications } from "./kit/fake-notifications.ts";

const fakeSource = fakeNotifications;

afterEach(() => vi.useRealTimers());

describe("notifiedCache", () => {
  it("reads a payload's keys", () => {
    expect(changedKeys("12 v:1,2")).toEqual(["v:1", "v:2"]);
    expect(changedKeys("12 s:9")).toEqual(["s:9"]);
    expect(changedKeys("12 *")).toBeNull();
  });

  it("drops the entries that name a changed row, and only those", () => {
    const s = fakeSource();
    const cache = notifiedCache<string>(s.source, { maxEntries: 10, maxAgeMs: 60_000 });
    cache.begin()("p1", "one", { keys: ["v:1", "s:10", "a:20"] });
    cache.begin()("p2", "two", { keys: ["v:2", "s:10", "a:21"] });
    s.say("1 a:21");
    expect([cache.get("p1"), cache.get("p2")]).toEqual(["one", undefined]);
    s.say("2 s:11,10");
    expect(cache.get("p1")).toBeUndefined();
    cache.begin()("p1", "one", { keys: ["v:1"] });
    s.say("3 v:2");
    expect(cache.get("p1")).toBe("one");
    s.say("4 *");
    expect(cache.get("p1")).toBeUndefined();
  });

  it("keeps what a store read unless a notification since named one of its rows", () => {
    const s = fakeSource();
    const cache = notifiedCache<string>(s.source, { maxEntries: 10, maxAgeMs: 60_000 });
    const raced = cache.begin();
    s.say("1 v:1");
    raced("p1", "stale", { keys: ["v:1", "s:5"] });
    expect(cache.get("p1")).toBeUndefined();
    const unrelated = cache.begin();
    s.say("2 v:9");
    s.say("3 s:6");
    unrelated("p1", "fresh", { keys: ["v:1", "s:5"] });
    expect(cache.get("p1")).toBe("fresh");
    // Too many notifications since to tell: refused.
    const old = cache.begin();
    for (let i = 0; i < 600; i++) s.say(`${10 + i} v:99`);
    old("p2", "old", { keys: ["v:2"] });
    expect(cache.get("p2")).toBeUndefined();
    // A lost listener: refused too.
    const lost = cache.begin();
    s.say(null);
    lost("p3", "lost", { keys: ["v:3"] });
    expect(cache.get("p3")).toBeUndefined();
  });

  it("acts on a notification once, however many connections hear it", () => {
    const s = fakeSource();
    const cache = notifiedCache<string>(s.source, { maxEntries: 10, maxAgeMs: 60_000 });
    s.say("5 v:1");
    const store = cache.begin();
    s.say("5 v:1");
    store("p1", "one", { keys: ["v:1"] });
    expect(cache.get("p1")).toBe("one");
  });

  it("keeps at most maxEntries and maxSize, dropping the least recently used", () => {
    const s = fakeSource();
    const cache = notifiedCache<string>(s.source, {
      maxEntries: 3,
      maxSize: 100,
      maxAgeMs: 60_000,
    });
    for (const key of ["a", "b", "c"]) cache.begin()(key, key, { keys: [], size: 30 });
    expect(cache.get("a")).toBe("a"); // now the most recently used
    cache.begin()("d", "d", { keys: [], size: 10 });
    expect(["a", "b", "c", "d"].map((k) => cache.get(k) ?? null)).toEqual(["a", null, "c", "d"]);
    cache.begin()("e", "e", { keys: [], size: 60 });
    // 30 + 30 + 10 + 60 would pass 100: the least recently used (a) goes.
    expect(["a", "c", "d", "e"].map((k) => cache.get(k) ?? null)).toEqual([null, "c", "d", "e"]);
    cache.begin()("f", "f", { keys: [], size: 101 });
    expect(cache.get("f")).toBeUndefined();
  });

  it("trusts an entry until its own time or the maximum age, whichever is first", () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    const s = fakeSource();
    const cache = notifiedCache<string>(s.source, { maxEntries: 10, maxAgeMs: 10_000 });
    cache.begin()("p1", "one", { keys: [] });
    cache.begin()("p2", "two", { keys: [], until: performance.now() + 2_000 });
    vi.advanceTimersByTime(1_900);
    expect([cache.get("p1"), cache.get("p2")]).toEqual(["one", "two"]);
    vi.advanceTimersByTime(200);
    expect([cache.get("p1"), cache.get("p2")]).toEqual(["one", undefined]);
    vi.advanceTimersByTime(8_000);
    expect(cache.get("p1")).toBeUndefined();
    // Wrong before it could be kept: not kept.
    expect(cache.begin()("p3", "three", { keys: [], until: performance.now() })).toBe(false);
    expect(cache.get("p3")).toBeUndefined();
  });

  it("keeps and serves nothing while no connection listens", () => {
    const s = fakeSource();
    const cache = notifiedCache<string>(s.source, { maxEntries: 10, maxAgeMs: 60_000 });
    cache.begin()("p1", "one", { keys: [] });
    s.setListening(0);
    expect(cache.get("p1")).toBeUndefined();
    cache.begin()("p2", "two", { keys: [] });
    s.setListening(1);
    expect(cache.get("p2")).toBeUndefined();
  });
});
