// A small, bounded HTTP load generator for loopback: a fixed number of
// requests over a fixed number of keep-alive connections, with each
// request's latency recorded.
import http from "node:http";
import net from "node:net";

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

/**
 * One keep-alive HTTP/1.1 connection that sends GET requests one at a time
 * and reads each answer's status and body length (Content-Length or
 * chunked), without building request or response objects: Node's http
 * client spent more CPU per request than the server under test, on the same
 * two cores, and so set the pace and the tail it was meant to measure (a
 * CPU profile of Herd under it: idle 54% of the time), as wrk or autocannon
 * would not.
 */
class Connection {
  readonly #socket: net.Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #pending: ((status: number) => void) | null = null;
  /** Bytes of the current body still to skip, or null while reading a head. */
  #remaining: number | null = null;
  #chunked = false;
  #status = 0;
  #closed = false;

  constructor(port: number) {
    this.#socket = net.connect({ host: "127.0.0.1", port, noDelay: true });
    this.#socket.on("data", (data: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? data : Buffer.concat([this.#buffer, data]);
      this.#parse();
    });
    const fail = () => {
      this.#closed = true;
      this.#finish(0);
    };
    this.#socket.on("error", fail);
    this.#socket.on("close", fail);
  }

  get closed(): boolean {
    return this.#closed;
  }

  request(head: Buffer, timeoutMs: number): Promise<number> {
    if (this.#closed) return Promise.resolve(0);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#socket.destroy();
        this.#finish(0);
      }, timeoutMs);
      this.#pending = (status) => {
        clearTimeout(timer);
        resolve(status);
      };
      this.#socket.write(head);
    });
  }

  close(): void {
    this.#socket.destroy();
  }

  #finish(status: number): void {
    const pending = this.#pending;
    this.#pending = null;
    this.#remaining = null;
    this.#chunked = false;
    pending?.(status);
  }

  #parse(): void {
    for (;;) {
      if (this.#remaining === null) {
        const end = this.#buffer.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = this.#buffer.toString("latin1", 0, end);
        this.#buffer = this.#buffer.subarray(end + 4);
        this.#status = Number(head.slice(9, 12));
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        this.#chunked = length === null && /\r\ntransfer-encoding: *chunked/i.test(head);
        this.#remaining = length ? Number(length[1]) : 0;
      }
      if (this.#chunked) {
        // A chunk: its size line, its bytes and CRLF; the last has size 0.
        const line = this.#buffer.indexOf("\r\n");
        if (line < 0) return;
        const size = parseInt(this.#buffer.toString("latin1", 0, line), 16);
        if (this.#buffer.length < line + 2 + size + 2) return;
        this.#buffer = this.#buffer.subarray(line + 2 + size + 2);
        if (size === 0) this.#finish(this.#status);
        continue;
      }
      if (this.#buffer.length < this.#remaining) {
        this.#remaining -= this.#buffer.length;
        this.#buffer = Buffer.alloc(0);
        return;
      }
      this.#buffer = this.#buffer.subarray(this.#remaining);
      this.#finish(this.#status);
      if (this.#buffer.length === 0) return;
    }
  }
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const head = Buffer.from(
    `GET ${o.path} HTTP/1.1\r\nHost: 127.0.0.1:${o.port}\r\nConnection: keep-alive\r\n` +
      Object.entries(o.headers ?? {})
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join("") +
      "\r\n",
    "latin1",
  );
  const latencies = new Float64Array(o.requests);
  const statuses: Record<string, number> = {};
  let next = 0;
  let errors = 0;
  const connections: Connection[] = [];
  const worker = async () => {
    let connection = new Connection(o.port);
    connections.push(connection);
    for (;;) {
      const i = next++;
      if (i >= o.requests) return;
      if (connection.closed) {
        connection = new Connection(o.port);
        connections.push(connection);
      }
      const t = performance.now();
      const status = await connection.request(head, o.timeoutMs ?? 10_000);
      latencies[i] = performance.now() - t;
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status !== 200) errors++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  for (const c of connections) c.close();
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
