// A Map kept in least-recently-used order, for the per-process caches
// (db/notified-cache.ts, mastodon/entities/status-cache.ts).
//
// Why a hit is not simply moved to the end with delete-and-set: V8 leaves a
// deleted Map entry in its hash bucket's chain until the table is rebuilt,
// so each move of the same key makes that key's chain one longer, and the
// `set` after each `delete` walks the whole chain looking for the key. A key
// hit again and again (a client polling its home timeline, a popular status,
// the instance) then costs more with every hit: with 1,000 entries about
// 2 µs a hit, with 10,000 about 40 µs, against 0.15 µs for hits spread over
// many keys (Node 24; bench/lru.ts). Here a hit moves its entry only once it
// has fallen into the older half of the map: a hot key moves once in about
// size/2 moves. The order is so only nearly least-recently-used: an entry
// used within the last size/2 insertions and moves is not the first out,
// unless entries were deleted since or several go out at once (a cache
// making room by bytes).

interface Slot<V> {
  value: V;
  /** The clock when it was last inserted or moved to the end. */
  at: number;
}

export class Lru<V> {
  readonly #slots = new Map<string, Slot<V>>();
  /** Counts insertions and moves: the order of the map. */
  #clock = 0;
  readonly #limit: number;

  /** `limit`: entries kept at most by `set` (the oldest go first); none by default. */
  constructor(limit = Infinity) {
    this.#limit = limit;
  }

  /** The value of `key`, counted as a use. */
  get(key: string): V | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    // Its distance from the end, at most (deletions only shorten it).
    if (this.#clock - slot.at > (this.#slots.size - 1) >> 1) {
      this.#slots.delete(key);
      this.#slots.set(key, slot);
      slot.at = ++this.#clock;
    }
    return slot.value;
  }

  /** The value of `key`, not counted as a use. */
  peek(key: string): V | undefined {
    return this.#slots.get(key)?.value;
  }

  /** Stores `value` as the most recently used (a key kept already is updated in place, then used). */
  set(key: string, value: V): void {
    const slot = this.#slots.get(key);
    if (slot !== undefined) {
      slot.value = value;
      this.get(key);
      return;
    }
    this.#slots.set(key, { value, at: ++this.#clock });
    while (this.#slots.size > this.#limit) this.#slots.delete(this.oldest()!);
  }

  delete(key: string): boolean {
    return this.#slots.delete(key);
  }

  /** The key that goes out first. */
  oldest(): string | undefined {
    return this.#slots.keys().next().value;
  }

  clear(): void {
    this.#slots.clear();
  }

  get size(): number {
    return this.#slots.size;
  }

  /** The keys, the first out first. */
  keys(): MapIterator<string> {
    return this.#slots.keys();
  }
}
