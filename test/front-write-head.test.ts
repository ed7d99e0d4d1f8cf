// The front's default headers under Node go into the ServerResponse's one
// writeHead (src/http/front.ts). Routes answer through @hono/node-server,
// which calls writeHead in one way (test/http-front.test.ts covers that);
// here each other form Node accepts is called directly on a real listener.
import http, { type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { withFront } from "../src/http/front.ts";
import { silentLogger } from "../src/logger.ts";

type Answer = (res: ServerResponse) => void;
let answer: Answer = () => undefined;

const front = withFront((_request: Request, env?: { outgoing?: ServerResponse }) => {
  answer(env!.outgoing!);
  return new Response(null);
}, silentLogger);

const server = await new Promise<Server>((resolve) => {
  const s = http.createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const request = new Request(`http://herd.test${incoming.url}`);
    try {
      front(request, { incoming, outgoing } as never);
    } catch {
      // As @hono/node-server does after a refused header: a plain 500.
      outgoing.writeHead(500, { "Content-Type": "text/plain" });
      outgoing.end("error");
    }
  });
  s.listen(0, "127.0.0.1", () => resolve(s));
});
const { port } = server.address() as AddressInfo;
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function get(path: string): Promise<{ status: number; raw: string[]; message: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path }, (res) => {
        res.resume();
        res.on("end", () =>
          resolve({ status: res.statusCode!, raw: res.rawHeaders, message: res.statusMessage! }),
        );
      })
      .on("error", reject);
  });
}

/** The values of `name` in a raw header list, however often it comes. */
const values = (raw: string[], name: string) =>
  raw.flatMap((v, i) => (i % 2 === 0 && v.toLowerCase() === name ? [raw[i + 1]!] : []));

describe("the front's defaults in writeHead", () => {
  it("joins a headers object, the route's own winning whatever their case", async () => {
    answer = (res) => {
      res.writeHead(200, { "cache-control": "public, max-age=60", "X-Route": "1" });
      res.end();
    };
    const { raw } = await get("/api/v1/thing");
    expect(values(raw, "cache-control")).toEqual(["public, max-age=60"]);
    expect(values(raw, "x-route")).toEqual(["1"]);
    expect(values(raw, "access-control-allow-origin")).toEqual(["*"]);
    expect(values(raw, "x-request-id")).toHaveLength(1);
  });

  it("reads the headers after an absent status message, as Node does", async () => {
    answer = (res) => {
      res.writeHead(201, undefined, { "X-Route": "2" });
      res.end();
    };
    const { status, raw } = await get("/api/v1/thing");
    expect(status).toBe(201);
    expect(values(raw, "x-route")).toEqual(["2"]);
    expect(values(raw, "cache-control")).toEqual(["private, no-store"]);
  });

  it("keeps a status message", async () => {
    answer = (res) => {
      res.writeHead(404, "Nowhere", { "X-Route": "3" });
      res.end();
    };
    const { status, message, raw } = await get("/api/v1/thing");
    expect([status, message]).toEqual([404, "Nowhere"]);
    expect(values(raw, "x-content-type-options")).toEqual(["nosniff"]);
  });

  it("keeps a raw list's shape and repeated names", async () => {
    answer = (res) => {
      res.writeHead(200, ["Set-Cookie", "a=1", "Set-Cookie", "b=2", "Cache-Control", "no-cache"]);
      res.end();
    };
    const flat = await get("/api/v1/thing");
    expect(values(flat.raw, "set-cookie")).toEqual(["a=1", "b=2"]);
    expect(values(flat.raw, "cache-control")).toEqual(["no-cache"]);
    expect(values(flat.raw, "x-request-id")).toHaveLength(1);
    answer = (res) => {
      res.writeHead(200, [["X-Route", "4"]] as never);
      res.end();
    };
    const nested = await get("/api/v1/thing");
    expect(nested.status).toBe(200);
    expect(values(nested.raw, "x-route")).toEqual(["4"]);
    expect(values(nested.raw, "access-control-allow-origin")).toEqual(["*"]);
  });

  it("gives the defaults to an answer without writeHead, and leaves headers set before in place", async () => {
    answer = (res) => {
      res.setHeader("Cache-Control", "no-cache");
      res.end("implicit");
    };
    const { raw } = await get("/api/v1/thing");
    expect(values(raw, "cache-control")).toEqual(["no-cache"]);
    expect(values(raw, "x-content-type-options")).toEqual(["nosniff"]);
  });

  it("still gives them to the 500 that follows a refused header", async () => {
    answer = (res) => {
      res.writeHead(200, { "X-Bad": "a\u0001b" });
    };
    const { status, raw } = await get("/api/v1/thing");
    expect(status).toBe(500);
    expect(values(raw, "x-request-id")).toHaveLength(1);
    expect(values(raw, "cache-control")).toEqual(["private, no-store"]);
  });
});
