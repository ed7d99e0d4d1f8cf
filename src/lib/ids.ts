// Mastodon-style ids: the millisecond timestamp shifted left 16 bits, plus 16
// bits that keep ids made in the same millisecond apart. Time-ordered, 64-bit,
// rendered as strings in JSON (https://docs.joinmastodon.org/api/guidelines/#id).
let lastMs = 0n;
let sequence = 0n;

export function newId(at: Date | number = Date.now()): string {
  const ms = BigInt(typeof at === "number" ? at : at.getTime());
  if (ms === lastMs) {
    sequence = (sequence + 1n) & 0xffffn;
  } else {
    lastMs = ms;
    // Start each millisecond at a random point so two processes rarely collide.
    sequence = BigInt(Math.floor(Math.random() * 0x8000));
  }
  return ((ms << 16n) | sequence).toString();
}

/** The smallest id that could have been made at `at`: for date-based pagination. */
export function idFloor(at: Date): string {
  return (BigInt(at.getTime()) << 16n).toString();
}

/** When id `id` was made (ms since the epoch), by the clock of whoever made it. */
export function idTime(id: string): number {
  return Number(BigInt(id) >> 16n);
}

/** True for a string that can be a 64-bit id (what a client may send us). */
export function isId(value: string): boolean {
  return /^\d{1,19}$/.test(value) && BigInt(value) <= 9223372036854775807n;
}
