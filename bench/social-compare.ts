// Herd against a baseline under the same load, for bench/social.ts: rounds in
// turns, medians, and each side's CPU per request.
import { runLoad } from "./load.ts";
import { cpuSeconds } from "./server.ts";
import { evenRounds, median, type Pair, type Round, type Side } from "./social-report.ts";

export interface Target {
  port: number;
  path: string;
  headers?: Record<string, string>;
  /** The process that answers, for its CPU time. */
  pid: number;
}

export interface Scale {
  /** Requests a round sends at most. */
  requests: number;
  /** Rounds per side; rounded up to an even number. */
  rounds: number;
  /** A round is cut to what the warm-up says takes about this long. */
  seconds: number;
}

/**
 * The warm-up of each side, which also sizes its rounds: this many requests
 * at least, and then more until WARM_UP_SECONDS have passed. Herd's home
 * timeline on the full data set took about 15,000 requests to settle (CPU
 * per request about 240, 220, 150, 115, then 60–90 µs in rounds of 5,000
 * after 3,000 of warm-up; the same after a 20 s pause, so it is the JIT,
 * not the database settling), and 2,000 alone measured that warm-up as (a).
 */
const WARM_UP_REQUESTS = 2000;
const WARM_UP_SECONDS = 3;

/**
 * Rounds of Herd and the baseline in turns, after a warm-up of each. Each
 * side goes first in half of the rounds (so their number is made even): a
 * round that follows the other side's may run on a warmer or a busier
 * machine. A round sends `scale.requests` requests, or fewer when the
 * warm-up shows that they would take more than `scale.seconds`. Figures are
 * medians of rounds, and the ratio is the median of each round pair's own
 * ratio: the machine's speed drifts between rounds (it is a shared VM), and
 * a pair taken back to back shares the drift.
 */
export async function compare(
  concurrency: number,
  herd: Target,
  base: Target,
  scale: Scale,
): Promise<Pair> {
  const load = async (t: Target, n: number): Promise<Round> => {
    const before = cpuSeconds([t.pid]);
    const r = await runLoad({ ...t, requests: n, concurrency });
    return { ...r, cpuUs: ((cpuSeconds([t.pid]) - before) / n) * 1e6 };
  };
  const budget = async (t: Target) => {
    const started = performance.now();
    let warm = await load(t, Math.min(scale.requests, WARM_UP_REQUESTS));
    while (performance.now() - started < WARM_UP_SECONDS * 1000) {
      warm = await load(t, Math.max(concurrency * 4, Math.floor(warm.rps / 2)));
    }
    return Math.max(
      concurrency * 4,
      Math.min(scale.requests, Math.floor(warm.rps * scale.seconds)),
    );
  };
  const baseRequests = await budget(base);
  const herdRequests = await budget(herd);
  const herds: Round[] = [];
  const bases: Round[] = [];
  const rounds = evenRounds(scale.rounds);
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      bases.push(await load(base, baseRequests));
      herds.push(await load(herd, herdRequests));
    } else {
      herds.push(await load(herd, herdRequests));
      bases.push(await load(base, baseRequests));
    }
  }
  const pick = (rs: Round[]): Side => ({
    ...rs[0]!,
    requests: rs.reduce((n, r) => n + r.requests, 0),
    errors: rs.reduce((n, r) => n + r.errors, 0),
    rps: median(rs.map((r) => r.rps)),
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
    max: Math.max(...rs.map((r) => r.max)),
    cpuUs: median(rs.map((r) => r.cpuUs)),
    rounds: rs.map((r) => Math.round(r.rps)),
  });
  return {
    herd: pick(herds),
    base: pick(bases),
    ratio: median(herds.map((h, i) => h.rps / bases[i]!.rps)),
    ratios: herds.map((h, i) => h.rps / bases[i]!.rps),
  };
}
