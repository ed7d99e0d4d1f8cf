// The front (src/http/front.ts) as a client meets it over a real Node
// listener, where it adds its headers to the ServerResponse's writeHead and
// /health never enters Hono, and in process (app.request), where it adds them to the
// Response: the same headers either way, each route's own headers winning,
// one log line per request.
import http, { type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { FrontResponse } from "../src/http/front-response.ts";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { setSettings } from "../src/domain/instance/settings.ts";
import { cacheEvenIfAuthenticated, cacheIfUnauthenticated } from "../src/http/cache-control.ts";
import { ApiError } from "../src/http/errors.ts";
import type { Logger } from "../src/logger.ts";
import { makeUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();

const logs: { msg: string; fields: Record<string, unknown> }[] = [];
const capture: Logger = {
  debug: () => undefined,
  info: (msg, fields = {}) => void logs.push({ msg, fields }),
  warn: () => undefined,
  error: () => undefined,
  child: () => capture,
};
const app = createApp({ ...t.deps, logger: capture }, { rateStore: t.rateStore });
// Routes that say their answer may be cached, then fail.
app.get("/api/v1/__cached_then_boom", (c) => {
  cacheIfUnauthenticated(c);
  throw new Error("failed after marking the answer public");
});
app.get("/api/v1/__public_then_gone", (c) => {
  cacheEvenIfAuthenticated(c);
  throw new ApiError(404, "Record not found");
});
const server = await new Promise<Server>((resolve) => {
  // As main.ts serves the app.
  const s = serve(
    {
      fetch: app.fetch,
      port: 0,
      hostname: "127.0.0.1",
      serverOptions: { ServerResponse: FrontResponse },
    },
    () => resolve(s as Server),
  ) as Server;
});
const { port } = server.address() as AddressInfo;
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A request over the listener, as a client sends it. */
function overNode(
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: init.method ?? "GET",
        headers: { host: "herd.test", ...init.headers },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
        res.on("end", () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            headers[k] = Array.isArray(v) ? v.join(", ") : String(v);
          }
          resolve({ status: res.statusCode ?? 0, headers, body });
        });
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

/** The same request in process. */
async function inProcess(
  path: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const res = await app.request(`https://herd.test${path}`, {
    method: init.method ?? "GET",
    headers: init.headers ?? {},
  });
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => (headers[k] = v));
  return { status: res.status, headers, body: init.method === "HEAD" ? "" : await res.text() };
}

const FRONT = [
  "x-request-id",
  "access-control-allow-origin",
  "access-control-expose-headers",
  "x-content-type-options",
  "cache-control",
  "content-type",
  "link",
];
/** The headers the front and the routes decide, the request id's shape only. */
function decided(a: Answer): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const name of FRONT) out[name] = a.headers[name];
  if (out["x-request-id"]) out["x-request-id"] = out["x-request-id"].replace(/[0-9a-f]/g, "h");
  return out;
}

/** Mastodon's 404 for an unknown API path, with the API's CORS and Cache-Control. */
function expectApiNotFound(res: Answer): void {
  expect(res.status).toBe(404);
  expect(JSON.parse(res.body)).toEqual({ error: "Record not found" });
  expect(res.headers["access-control-allow-origin"]).toBe("*");
  expect(res.headers["cache-control"]).toBe("private, no-store");
}

beforeEach(() => {
  logs.length = 0;
  t.rateStore.clear();
});

describe("the front over Node", () => {
  it("answers /health with its headers and a log line", async () => {
    const res = await overNode("/health");
    expect(res.status).toBe(200);
    expect(res.body).toBe("OK");
    expect(res.headers["content-type"]).toBe("text/plain; charset=UTF-8");
    expect(res.headers["content-length"]).toBe("2");
    expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers["access-control-allow-origin"]).toBe("*");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["cache-control"]).toBeUndefined();
    expect(logs).toHaveLength(1);
    expect(logs[0]!.fields).toMatchObject({
      requestId: res.headers["x-request-id"],
      method: "GET",
      path: "/health",
      status: 200,
    });
  });

  it("answers HEAD /health without a body", async () => {
    const res = await overNode("/health", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.body).toBe("");
    expect(res.headers["content-length"]).toBe("2");
  });

  it("keeps a proxy's request id, cleaned as Rails does", async () => {
    const res = await overNode("/health", { headers: { "x-request-id": "abc def<>@-_1" } });
    expect(res.headers["x-request-id"]).toBe("abcdef@-_1");
    const api = await overNode("/api/v1/nope", { headers: { "x-request-id": "r-42" } });
    expect(api.headers["x-request-id"]).toBe("r-42");
    expect(logs.map((l) => l.fields.requestId)).toEqual(["abcdef@-_1", "r-42"]);
  });

  it("gives API answers CORS, nosniff and private, no-store; a route's own Cache-Control wins", async () => {
    const missing = await overNode("/api/v1/nope");
    expectApiNotFound(missing);
    expect(missing.headers["access-control-expose-headers"]).toContain("Link");
    expect(missing.headers["x-content-type-options"]).toBe("nosniff");
    const instance = await overNode("/api/v1/instance");
    expect(instance.status).toBe(200);
    expect(instance.headers["cache-control"]).toMatch(/^max-age=\d+, public\b/);
    expect(instance.headers["access-control-allow-origin"]).toBe("*");
    // The API's Vary, left out where the answer is the same for everyone.
    expect(missing.headers.vary).toBe("Authorization");
    expect(instance.headers.vary).toBeUndefined();
  });

  it("keeps an answer that failed after its route marked it public private, over Node and in process", async () => {
    for (const [path, status] of [
      ["/api/v1/__cached_then_boom", 500],
      ["/api/v1/__public_then_gone", 404],
    ] as const) {
      const node = await overNode(path);
      expect(node.status).toBe(status);
      expect(node.headers["cache-control"]).toBe("private, no-store");
      const inProcess = await app.request(`https://herd.test${path}`);
      expect(inProcess.status).toBe(status);
      expect(inProcess.headers.get("cache-control")).toBe("private, no-store");
    }
  });

  it("lets shared caches keep a public read only when no token came", async () => {
    const anonymous = await overNode("/api/v1/trends");
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers["cache-control"]).toBe(
      "max-age=15, public, stale-while-revalidate=30, stale-if-error=86400",
    );
    expect(anonymous.headers.vary).toBe("Authorization");
    expect(anonymous.headers.deprecation).toBe("@1648598400");
    expect(anonymous.headers["content-type"]).toBe("application/json");
    expect(anonymous.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(anonymous.body).toBe("[]");
    // Any Authorization header, even one that names no token: private.
    const sent = await overNode("/api/v1/trends/links", {
      headers: { authorization: "Bearer nothing-of-ours" },
    });
    expect(sent.status).toBe(200);
    expect(sent.headers["cache-control"]).toBe("private, no-store");
    expect(sent.headers.vary).toBe("Authorization, Accept-Language");
    expect(sent.headers.deprecation).toBeUndefined();
  });

  it("gives a bodiless answer and a rate-limited one the defaults too, each header once", async () => {
    await setSettings(t.database.db, { peers_api_enabled: false });
    try {
      const off = await overNode("/api/v1/instance/peers");
      expect(off.status).toBe(404);
      expect(off.body).toBe("");
      expect(off.headers["access-control-allow-origin"]).toBe("*");
      expect(off.headers["cache-control"]).toBe("private, no-store");
      expect(off.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await setSettings(t.database.db, { peers_api_enabled: true });
    }
    // Through a proxy on this machine for a client elsewhere: the rate limits
    // count it, and their headers (set before the answer) go with the defaults.
    const limited = await overNode("/api/v1/instance", {
      headers: { "x-forwarded-for": "203.0.113.5" },
    });
    expect(limited.status).toBe(200);
    expect(limited.headers["x-ratelimit-limit"]).toBe("300");
    expect(limited.headers["access-control-expose-headers"]).toContain("X-RateLimit-Limit");
    expect(limited.headers["cache-control"]).toMatch(/^max-age=\d+, public\b/);
    // And over the limit: the 429 carries the limit's headers and the defaults.
    for (let i = 0; i < 300; i++) t.rateStore.hit("api-ip:203.0.113.6", 5 * 60_000);
    const refused = await overNode("/api/v1/instance", {
      headers: { "x-forwarded-for": "203.0.113.6" },
    });
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toEqual({ error: "Too many requests" });
    expect(refused.headers["x-ratelimit-remaining"]).toBe("0");
    expect(refused.headers["access-control-allow-origin"]).toBe("*");
    expect(refused.headers["cache-control"]).toBe("private, no-store");
    expect(refused.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers preflights through CORS, with the request id", async () => {
    const res = await overNode("/api/v1/statuses", {
      method: "OPTIONS",
      headers: { origin: "https://elk.zone", "access-control-request-method": "POST" },
    });
    expect(res.status).toBe(204);
    expect(res.headers["access-control-allow-origin"]).toBe("*");
    expect(res.headers["access-control-allow-methods"]).toContain("POST");
    expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("opens no CORS on web pages", async () => {
    const res = await overNode("/auth/sign_in");
    expect(res.status).toBe(200);
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("names the account of a valid token in the log line, and no one else's", async () => {
    const { token, account } = await makeUser(t);
    const res = await overNode("/api/v1/accounts/verify_credentials", {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const bad = await overNode("/api/v1/accounts/verify_credentials", {
      headers: { authorization: "Bearer nope" },
    });
    expect(bad.status).toBe(401);
    expect(logs.map((l) => [l.fields.status, l.fields.accountId])).toEqual([
      [200, account.id],
      [401, undefined],
    ]);
  });

  it("sends a timeline page's Link header with its JSON", async () => {
    const { token } = await makeUser(t);
    for (const text of ["one", "two", "three"]) {
      const posted = await t.request("/api/v1/statuses", { token, form: { status: text } });
      expect(posted.status).toBe(200);
    }
    const res = await overNode("/api/v1/timelines/home?limit=2&local=true", {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect((JSON.parse(res.body) as { content: string }[]).map((s) => s.content)).toEqual([
      "<p>three</p>",
      "<p>two</p>",
    ]);
    expect(res.headers.link).toMatch(
      /^<https:\/\/herd\.test\/api\/v1\/timelines\/home\?limit=2&local=true&max_id=\d+>; rel="next", <https:\/\/herd\.test\/api\/v1\/timelines\/home\?limit=2&local=true&min_id=\d+>; rel="prev"$/,
    );
    expect(res.headers["cache-control"]).toBe("private, no-store");
    expect(res.headers["access-control-allow-origin"]).toBe("*");
  });
});

describe("the front and the router agree", () => {
  it("gives a percent-encoded API path the API's headers", async () => {
    const res = await overNode("/%61pi/v1/nope");
    expectApiNotFound(res);
    expect(logs[0]!.fields.path).toBe("/api/v1/nope");
  });

  it("answers HEAD on an API route with the headers of its GET and no body", async () => {
    const res = await overNode("/api/v1/instance", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.body).toBe("");
    expect(res.headers["cache-control"]).toMatch(/^max-age=\d+, public\b/);
    expect(res.headers["access-control-allow-origin"]).toBe("*");
    expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("keeps CORS and the request id on a 413", async () => {
    const res = await overNode("/api/v1/statuses", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: Buffer.alloc(9 * 1024 * 1024, "a"),
    });
    expect(res.status).toBe(413);
    expect(res.headers["access-control-allow-origin"]).toBe("*");
    expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(logs.map((l) => l.fields.status)).toEqual([413]);
  });
});

describe("Link headers", () => {
  it("keep the permitted parameters as URLSearchParams writes them, for each query of one cached page", async () => {
    const { token } = await makeUser(t);
    for (const text of ["a", "b", "c"]) {
      await t.request("/api/v1/statuses", { token, form: { status: text } });
    }
    const link = (query: Record<string, string>, key: string, value: string) => {
      const url = new URL("https://herd.test/api/v1/timelines/home");
      for (const [k, v] of Object.entries(query)) {
        if (k === "limit" || k === "local") url.searchParams.set(k, v);
      }
      url.searchParams.set(key, value);
      url.searchParams.sort();
      return url.toString();
    };
    const odd = "a b!'()~é&=+%😀";
    // The page cache keeps one page for all of these (local does not change
    // the home page), so each query meets the same page object.
    const queries: Record<string, string>[] = [
      { limit: "2" },
      { limit: "2", local: odd },
      { local: "true", limit: "2", access_token: token },
      { limit: "2" },
    ];
    for (const query of queries) {
      const res = await app.request(
        `https://herd.test/api/v1/timelines/home?${new URLSearchParams(query).toString()}`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      expect(res.status).toBe(200);
      const ids = ((await res.json()) as { id: string }[]).map((s) => s.id);
      expect(ids).toHaveLength(2);
      expect(res.headers.get("link")).toBe(
        `<${link(query, "max_id", ids[1]!)}>; rel="next", <${link(query, "min_id", ids[0]!)}>; rel="prev"`,
      );
    }
  });
});

describe("the front in process", () => {
  it("decides the same headers as over Node", async () => {
    const { token } = await makeUser(t);
    await t.request("/api/v1/statuses", { token, form: { status: "hello" } });
    const auth = { authorization: `Bearer ${token}` };
    const cases: [string, { method?: string; headers?: Record<string, string> }][] = [
      ["/health", {}],
      ["/api/v1/nope", {}],
      ["/api/v1/instance", {}],
      ["/api/v1/timelines/home?limit=1", { headers: auth }],
      ["/api/v1/accounts/verify_credentials", { headers: { authorization: "Bearer nope" } }],
      [
        "/api/v1/statuses",
        {
          method: "OPTIONS",
          headers: { origin: "https://elk.zone", "access-control-request-method": "POST" },
        },
      ],
      ["/auth/sign_in", {}],
      ["/.well-known/nodeinfo", {}],
    ];
    for (const [path, init] of cases) {
      const node = await overNode(path, init);
      const local = await inProcess(path, init);
      expect([path, local.status], path).toEqual([path, node.status]);
      expect(decided(local), path).toEqual(decided(node));
    }
  });

  it("answers HEAD /health without a body", async () => {
    const res = await app.request("https://herd.test/health", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
  });

  it("answers an API request without a promise when the token is cached and the route answers at once", async () => {
    const { token, account } = await makeUser(t);
    const request = () =>
      new Request("https://herd.test/api/v1/trends", {
        headers: { authorization: `Bearer ${token}` },
      });
    // The first use reads the token from the database; the second, from the cache.
    const first = app.fetch(request());
    expect(first).toBeInstanceOf(Promise);
    expect((await first).status).toBe(200);
    logs.length = 0;
    const second = app.fetch(request());
    expect(second).toBeInstanceOf(Response);
    expect((second as Response).status).toBe(200);
    expect(await (second as Response).json()).toEqual([]);
    expect(logs.map((l) => [l.fields.status, l.fields.accountId])).toEqual([[200, account.id]]);
  });
});
