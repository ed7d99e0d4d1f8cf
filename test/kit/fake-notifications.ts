// A stand-in for a pool's LISTEN connections (src/db/pool-notifications.ts):
// tests of the caches the database invalidates say each payload themselves,
// and set how many connections listen.
import type { PoolNotifications } from "../../src/db/pool-notifications.ts";

export function fakeNotifications() {
  let listening = 1;
  const fns: ((p: string | null) => void)[] = [];
  const source: PoolNotifications = {
    listening: () => listening,
    subscribe(fn) {
      fns.push(fn);
      return () => undefined;
    },
  };
  return {
    source,
    say: (p: string | null) => fns.forEach((fn) => fn(p)),
    setListening: (n: number) => (listening = n),
  };
}
