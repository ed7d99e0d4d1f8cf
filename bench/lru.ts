// What a cache hit costs in src/lib/lru.ts against moving every hit to the
// end with delete-and-set (what Herd's caches did before), for hits spread
// over many keys and for one hot key, at a few cache sizes. A development
// tool beside `npm run bench`, not a figure of its own.
//
//   npx node bench/lru.ts [--hits=200000]
import { Lru } from "../src/lib/lru.ts";

const hits = Number(process.argv.find((a) => a.startsWith("--hits="))?.split("=")[1] ?? 200_000);

/** The old way: a plain Map, a hit moved by delete-and-set. */
function mapGet(map: Map<string, number>, key: string): number | undefined {
  const value = map.get(key);
  if (value !== undefined) {
    map.delete(key);
    map.set(key, value);
  }
  return value;
}

function ns(run: () => void): number {
  const started = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - started) / hits;
}

console.log("entries  pattern  Map delete-and-set ns/hit  Lru ns/hit");
for (const size of [100, 1_000, 10_000]) {
  const keys = Array.from({ length: size }, (_, i) => `s:${1e15 + i * 7919}`);
  for (const pattern of ["spread", "hot"] as const) {
    const pick = pattern === "hot" ? () => keys[size >> 1]! : (i: number) => keys[(i * 31) % size]!;
    const map = new Map<string, number>();
    const lru = new Lru<number>();
    keys.forEach((k, i) => {
      map.set(k, i);
      lru.set(k, i);
    });
    const old = ns(() => {
      for (let i = 0; i < hits; i++) mapGet(map, pick(i));
    });
    const now = ns(() => {
      for (let i = 0; i < hits; i++) lru.get(pick(i));
    });
    console.log(
      `${String(size).padStart(7)}  ${pattern.padEnd(7)}  ${old.toFixed(0).padStart(25)}  ${now.toFixed(0).padStart(10)}`,
    );
  }
}
