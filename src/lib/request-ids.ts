// Ids for requests (X-Request-Id, the log line), shaped as Rails makes them
// (ActionDispatch::RequestId: a version 4 UUID), made cheaply: a random
// UUID's first 20 hex digits, drawn again every 2^32 ids, and in the last 12
// a counter passed through a permutation keyed at random with the prefix.
// The permutation keeps the ids unique (it is one-to-one) without showing a
// counter: consecutive ids do not tell a client how many requests came
// between them, as Mastodon's random ids do not. An id names a request in
// logs and is no secret.
//
// Why not randomUUID() for each: with its formatting it was 0.8 µs of a
// constant API answer's 40 (a CPU profile under bench/social.ts (d)'s load).
// The digits come from a table, a byte at a time: the 48-bit number's
// toString(16) took V8's path for doubles (a floating-point modulo per
// digit), 0.9 µs an id (perf under the same load: 2.5% of the CPU).
import { randomInt, randomUUID } from "node:crypto";

const LOW24 = 0xff_ffff;
const ROUNDS = 4;
/** Two hex digits for each byte. */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** 24 bits as six hex digits. */
export const hex24 = (x: number): string =>
  HEX[x >>> 16]! + HEX[(x >>> 8) & 0xff]! + HEX[x & 0xff]!;

/** A round of the permutation: 24 bits of `half` mixed with `key`. */
function mix(half: number, key: number): number {
  let x = Math.imul(half ^ key, 0x9e3779b1);
  x ^= x >>> 15;
  x = Math.imul(x, 0x85ebca6b);
  return (x ^ (x >>> 13)) & LOW24;
}

/** Makes request ids; one maker per app (withFront), so one per process. */
export function requestIds(): () => string {
  let prefix = "";
  let counter = 0x1_0000_0000;
  const keys = new Array<number>(ROUNDS).fill(0);
  return () => {
    if (counter >= 0x1_0000_0000) {
      // xxxxxxxx-xxxx-4xxx-yxxx-: the version and variant digits stay.
      prefix = randomUUID().slice(0, 24);
      for (let i = 0; i < ROUNDS; i++) keys[i] = randomInt(0x1_0000_0000) | 0;
      counter = 0;
    }
    // A Feistel network over the counter's 48 bits (two halves of 24).
    const n = counter++;
    let left = Math.floor(n / 0x100_0000);
    let right = n & LOW24;
    for (let i = 0; i < ROUNDS; i++) {
      const next = left ^ mix(right, keys[i]!);
      left = right;
      right = next;
    }
    return prefix + hex24(left) + hex24(right);
  };
}
