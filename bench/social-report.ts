// The table bench/social.ts prints: each figure, its baseline from the same
// run, the ratio, the target and whether it is met.
import type { LoadResult } from "./load.ts";
import type { QueryCount } from "./social-queries.ts";
import type { Seeded } from "./social-seed.ts";

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** A round of load lasts about this long at most: a slow server gets fewer requests. */
export const ROUND_SECONDS = 20;
/** Rounds per side for /health and /api/v1/trends, of about a second each: short rounds, so more of them. */
export const QUICK_ROUNDS = 12;

/** The rounds a side runs when `asked`: even, so that each side goes first as often. */
export const evenRounds = (asked: number) => asked + (asked % 2);

export interface ReportOptions {
  requests: number;
  rounds: number;
  concurrency: number;
  posts: number;
}

/** One round of load, with the answering process's CPU time per request (µs). */
export interface Round extends LoadResult {
  cpuUs: number;
}

/** One side's rounds: medians, and each round's requests a second. */
export interface Side extends Round {
  rounds: number[];
}

export interface Pair {
  herd: Side;
  base: Side;
  /** The median of each round pair's Herd/baseline ratio of requests a second. */
  ratio: number;
  /** Each round pair's ratio, in the order run. */
  ratios: number[];
}

/** The `q` quantile of `xs` (linear between ranks). */
export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const at = (s.length - 1) * q;
  const low = Math.floor(at);
  return s[low]! + (s[Math.min(low + 1, s.length - 1)]! - s[low]!) * (at - low);
}

/**
 * Whether the middle half of the round pairs' ratios lies on both sides of
 * `target`: the run was too noisy to tell on which side the ratio is.
 */
export function straddles(ratios: number[], target: number): boolean {
  return quantile(ratios, 0.25) < target && quantile(ratios, 0.75) >= target;
}

export interface Figures {
  node: string;
  cpus: number;
  loadAverage: number[];
  database: string;
  scale: string;
  nodeFlags: string[];
  seeded: Seeded;
  bodyBytes: Record<string, number>;
  queries: QueryCount[];
  timeline: Pair;
  /** The home timeline with one client at a time: a request's own latency, without queueing. */
  timelineAlone: LoadResult;
  status: Pair;
  health: Pair;
  healthHono: Pair;
  /** GET /api/v1/trends, a constant answer through the API's middleware and router, against node:http giving the same answer. */
  trends: Pair;
  /** Bare Hono giving /api/v1/trends's whole answer against bare node:http giving it: the stack's floor. */
  trendsFloor: Pair;
  /** GET /api/v1/trends against node:http's plain answer (the same body, two headers). */
  trendsPlain: Pair;
  /** Bare node:http answering with Herd's whole answer (its headers too) against its plain one. */
  trendsWhole: Pair;
  instance: Pair;
  fanOut: { bareInsertMs: number[]; durableMs: number[]; expected: number };
  posting: { followersMs: number[]; noneMs: number[] };
  rss: { idle: number; after: number };
}

const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : "-");
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "-");

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "),
    )
    .join("\n");
}

export function report(f: Figures, o: ReportOptions): string {
  const times = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  const pass = (ok: boolean) => (ok ? "pass" : "FAIL");
  const rows: string[][] = [["figure", "Herd", "baseline", "ratio", "target", "result"]];
  const throughput = (label: string, p: Pair, target: number | null, baseline: string) => {
    // The verdict is the median's; "?" marks one the run was too noisy to trust.
    const unsure =
      target !== null && p.herd.errors === 0 && straddles(p.ratios, target / 100) ? "?" : "";
    rows.push([
      `${label}: req/s (vs ${baseline})`,
      f0(p.herd.rps),
      f0(p.base.rps),
      `${f0(p.ratio * 100)}% (${f0(quantile(p.ratios, 0.25) * 100)}–${f0(quantile(p.ratios, 0.75) * 100)})`,
      target === null ? "(info)" : `>= ${target}%`,
      target === null ? "" : pass(p.ratio >= target / 100 && p.herd.errors === 0) + unsure,
    ]);
    rows.push([
      `${label}: CPU µs per request (server process only)`,
      f0(p.herd.cpuUs),
      f0(p.base.cpuUs),
      times(p.herd.cpuUs, p.base.cpuUs),
      "(info)",
      "",
    ]);
  };

  const latency = (label: string, p: Pair, p99Target?: number) => {
    rows.push([`${label}: p50 ms`, f1(p.herd.p50), f1(p.base.p50), "", "", ""]);
    rows.push([
      `${label}: p99 ms`,
      f1(p.herd.p99),
      f1(p.base.p99),
      "",
      p99Target ? `<= ${p99Target} ms` : "",
      p99Target ? pass(p.herd.p99 <= p99Target) : "",
    ]);
  };
  throughput("(a) home timeline, limit 40", f.timeline, 35, "bare Hono, same bytes");
  latency("(a) home timeline, limit 40", f.timeline, 30);
  rows.push([
    "(a) home timeline, limit 40, one client at a time: p50 / p99 ms",
    `${f1(f.timelineAlone.p50)} / ${f1(f.timelineAlone.p99)}`,
    "",
    "",
    "(info)",
    "",
  ]);
  throughput("(b) GET /api/v1/statuses/:id", f.status, 25, "bare Hono, same bytes");
  latency("(b) GET /api/v1/statuses/:id", f.status);
  const fan = median(f.fanOut.durableMs);
  const bareMs = median(f.fanOut.bareInsertMs);
  rows.push([
    `(c) post to ${f.fanOut.expected - 1} followers' feeds, ms (vs bare INSERT…SELECT)`,
    f0(fan),
    f1(bareMs),
    times(fan, bareMs),
    "<= 5x",
    pass(fan / bareMs <= 5),
  ]);
  const withF = median(f.posting.followersMs);
  const none = median(f.posting.noneMs);
  rows.push([
    `(c) posting latency, ms, ${f.fanOut.expected - 1} followers (vs none)`,
    f1(withF),
    f1(none),
    times(withF, none),
    "<= 1.5x",
    pass(withF / none <= 1.5),
  ]);
  // (d) asks for "a constant endpoint behind the full middleware stack":
  // /api/v1/trends is one, judged as (a) and (b) are, against a baseline
  // giving the same bytes. /health is answered by the front, before the
  // middleware and router, so it is shown for information only.
  throughput(
    "(d) GET /api/v1/trends (constant, the API's stack)",
    f.trends,
    80,
    "bare node:http, same answer",
  );
  throughput(
    "(d) bare Hono, the same answer (no Herd: the floor)",
    f.trendsFloor,
    null,
    "bare node:http, same answer",
  );
  throughput(
    "(d) GET /api/v1/trends",
    f.trendsPlain,
    null,
    "bare node:http, same body, two headers",
  );
  throughput(
    "(d) bare node:http, Herd's whole answer (Mastodon's headers)",
    f.trendsWhole,
    null,
    "bare node:http, same body, two headers",
  );
  throughput("(d) GET /health (the front only)", f.health, null, "bare node:http");
  throughput("(d) GET /health (the front only)", f.healthHono, null, "bare Hono");
  throughput("(d) GET /api/v1/instance", f.instance, null, "bare node:http, same body");
  rows.push(["(e) Herd RSS MiB, idle before load", f1(f.rss.idle), "", "", "", ""]);
  rows.push(["(e) Herd RSS MiB, after the run", f1(f.rss.after), "", "", "", ""]);
  const byLimit = (n: number) =>
    f.queries.find((q) => q.path.endsWith(`limit=${n}`))?.queries ?? NaN;
  rows.push([
    "SQL statements per uncached home page, limit 40 (vs 20)",
    String(byLimit(40)),
    String(byLimit(20)),
    "",
    "equal",
    pass(byLimit(40) === byLimit(20)),
  ]);

  const pairs: [string, Pair][] = [
    ["timeline", f.timeline],
    ["status", f.status],
    ["health", f.health],
    ["health vs Hono", f.healthHono],
    ["trends", f.trends],
    ["trends, bare Hono", f.trendsFloor],
    ["trends vs plain", f.trendsPlain],
    ["trends, node:http whole answer", f.trendsWhole],
    ["instance", f.instance],
  ];
  const lines = [
    `Herd social bench: Node ${f.node}, ${f.cpus} CPUs, load average ${f.loadAverage.join(" ")}, ` +
      `${f.database} PostgreSQL, ${f.scale} data set, server flags ${f.nodeFlags.join(" ") || "none"}`,
    `Seeded: ${Object.entries(f.seeded.rows)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
    `Load: ${evenRounds(o.rounds)} rounds per side of ${o.requests} requests, fewer if a round ` +
      `would pass ${ROUND_SECONDS} s (/health and the constant answers: ${QUICK_ROUNDS} rounds of ` +
      `about 1 s), each side warmed up for 3 s first, ${o.concurrency} concurrent keep-alive clients, ` +
      `the sides in turns; figures are medians ` +
      `of rounds, ratios the median of each round pair's ratio; bodies: ${Object.entries(
        f.bodyBytes,
      )
        .map(([k, v]) => `${k} ${v} B`)
        .join(", ")}; posts: ${o.posts}, medians`,
    "",
    table(rows),
    "",
    "Ratios of requests a second: the median of the round pairs' ratios, with the middle half of " +
      "them in brackets; a ? after a result: that middle half lies on both sides of the target, " +
      "so the run was too noisy to tell.",
    "Requests measured, Herd/baseline: " +
      pairs.map(([label, p]) => `${label} ${p.herd.requests}/${p.base.requests}`).join(", "),
    "Requests a second by round, Herd | baseline:",
    ...pairs.map(
      ([label, p]) => `  ${label}: ${p.herd.rounds.join(" ")} | ${p.base.rounds.join(" ")}`,
    ),
    "Statements per request (in process, page cache off): " +
      f.queries.map((q) => `${q.path} (${q.items} items) ${q.queries}`).join("; "),
  ];
  for (const [label, p] of pairs) {
    if (p.herd.errors > 0)
      lines.push(`  ${label}: Herd answered ${JSON.stringify(p.herd.statuses)}`);
  }
  return lines.join("\n");
}
