// The front's default headers under Node go into the ServerResponse's one
// writeHead (src/http/front.ts). Routes answer through @hono/node-server,
// which calls writeHead in one way (test/http-front.test.ts covers that);
// here each other form Node accepts is called directly on a real listener,
// on a server made with the front's FrontResponse (as main.ts makes it) and
// on one with Node's own ServerResponse, which the front patches.
import http, { type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { withFront } from "../src/http/front.ts";
import { FrontResponse } from "../src/http/front-response.ts";
import { silentLogger } from "../src/logger.ts";

type Answer = (res: ServerResponse) => void;
let answer: Answer = () => undefined;

const front = withFront((_request: Request, env?: { outgoing?: ServerResponse }) => {
  answer(env!.outgoing!);
  return new Response(null);
}, silentLogger);

function listen(options: http.ServerOptions): Promise<Server> {
  return new Promise<Server>((resolve) => {
    const s = http.createServer(options, (incoming: IncomingMessage, outgoing: ServerResponse) => {
      // Answers the front never saw (as Node's own 400 or 417 are): Node's writeHead.
      if (incoming.url?.startsWith("/untouched")) return answer(outgoing);
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
}
const servers = {
  "Node's ServerResponse": await listen({}),
  FrontResponse: await listen({ ServerResponse: FrontResponse }),
};
afterAll(async () => {
  for (const server of Object.values(servers)) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

function getFrom(
  port: number,
  path: string,
): Promise<{ status: number; raw: string[]; message: string }> {
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

describe.each(Object.entries(servers))("the front's defaults in writeHead (%s)", (kind, server) => {
  const get = (path: string) => getFrom((server.address() as AddressInfo).port, path);

  it("leaves an answer the front never saw as Node writes it", async () => {
    answer = (res) => {
      res.writeHead(203, "Quite", { "X-Route": "6" });
      res.end();
    };
    const { status, message, raw } = await get("/untouched/api/v1/thing");
    expect([status, message]).toEqual([203, "Quite"]);
    expect(values(raw, "x-route")).toEqual(["6"]);
    expect(values(raw, "x-request-id")).toEqual([]);
    expect(values(raw, "cache-control")).toEqual([]);
    answer = (res) => {
      res.statusCode = 202;
      res.end("implicit");
    };
    const implicit = await get("/untouched/api/v1/thing");
    expect(implicit.status).toBe(202);
    expect(values(implicit.raw, "x-content-type-options")).toEqual([]);
  });

  it("patches only a response that is not a FrontResponse", async () => {
    let own: boolean | undefined;
    answer = (res) => {
      own = Object.hasOwn(res, "writeHead");
      res.end();
    };
    const { raw } = await get("/api/v1/thing");
    expect(own).toBe(kind !== "FrontResponse");
    expect(values(raw, "cache-control")).toEqual(["private, no-store"]);
  });

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
