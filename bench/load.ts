// A small, bounded HTTP load generator for loopback: a fixed number of
// requests over a fixed number of keep-alive connections, with each
// request's latency recorded.
import http from "node:http";

export interface LoadOptions {
  port: number;
  path: string;
  requests: number;
  concurrency: number;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface LoadResult {
  requests: number;
  /** Answers other than 200, and failed requests. */
  errors: number;
  statuses: Record<string, number>;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

function once(agent: http.Agent, o: LoadOptions): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(
      {
        host: "127.0.0.1",
        port: o.port,
        path: o.path,
        agent,
        headers: o.headers,
        timeout: o.timeoutMs ?? 10_000,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", () => resolve(0));
      },
    );
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
  });
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency });
  const latencies = new Float64Array(o.requests);
  const statuses: Record<string, number> = {};
  let next = 0;
  let errors = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= o.requests) return;
      const t = performance.now();
      const status = await once(agent, o);
      latencies[i] = performance.now() - t;
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status !== 200) errors++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort();
  return {
    requests: o.requests,
    errors,
    statuses,
    seconds,
    rps: o.requests / seconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: latencies[latencies.length - 1] ?? NaN,
  };
}

/** One request with a body; resolves status and parsed JSON (null if not JSON). */
export function requestJson(
  port: number,
  method: string,
  path: string,
  body: Record<string, string>,
): Promise<{ status: number; body: any }> {
  const payload = new URLSearchParams(body).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path,
        method,
        agent: false,
        timeout: 30_000,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "content-length": Buffer.byteLength(payload),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          let parsed: unknown = null;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on("error", reject);
    req.end(payload);
  });
}
