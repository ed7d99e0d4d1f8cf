// The shared HTTP conventions through the real app: parameters as Rails reads
// them, body size limits, errors, rate limits, CORS, default headers and the
// request log. A second app over the same dependencies gets a few test-only
// routes (an echo of the parsed parameters, routes that fail).
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import type { HerdEnv } from "../src/http/env.ts";
import { params } from "../src/http/params.ts";
import {
  clientIp,
  createMemoryRateStore,
  resetTimestamp,
  signInRateLimit,
  throttleIp,
  webFormRateLimit,
  type RateStore,
} from "../src/http/rate-limit.ts";
import type { Logger } from "../src/logger.ts";
import { makeUser, tokenFor } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();

interface LogLine {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}
const logs: LogLine[] = [];
function captureLogger(): Logger {
  const make = (base: Record<string, unknown>): Logger => {
    const write = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
      logs.push({ level, msg, fields: { ...base, ...fields } });
    };
    return {
      debug: write("debug"),
      info: write("info"),
      warn: write("warn"),
      error: write("error"),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make({});
}

/** Describes a parsed value so that File objects show in JSON. */
function describeValue(value: unknown): unknown {
  if (value instanceof File) {
    return { file: value.name, size: value.size, type: value.type };
  }
  if (Array.isArray(value)) return value.map(describeValue);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, describeValue(v)]));
  }
  return value;
}

const rateStore = createMemoryRateStore();
const app = createApp({ ...t.deps, logger: captureLogger() }, { rateStore });
for (const path of ["/api/v1/__echo", "/api/v2/media", "/__echo"]) {
  app.on(["GET", "POST", "PUT", "PATCH", "DELETE"], path, async (c) => {
    const p = await params(c);
    const token = c.get("token");
    return c.json({
      params: describeValue(p),
      token: token.kind === "valid" ? (token.auth.account?.id ?? "app") : token.kind,
      ip: clientIp(c),
    });
  });
}
app.get("/api/v1/__boom", () => {
  throw new Error("secret detail at /srv/herd/db.ts:12");
});
app.get("/__boom", () => {
  throw new Error("secret detail");
});
app.get("/api/v1/__http_exception", () => {
  throw new HTTPException(415, { message: "Unsupported Media Type" });
});
app.get("/api/v1/__duplicate", () => {
  const pgError = Object.assign(new Error("duplicate key value"), { code: "23505" });
  throw Object.assign(new Error("Failed query"), { cause: pgError });
});
app.get("/api/v1/__serialization", () => {
  throw Object.assign(new Error("could not serialize access"), { code: "40001" });
});
app.get("/api/v1/__own_cache", (c) => {
  c.header("Cache-Control", "public, max-age=60");
  return c.json({});
});
app.get("/api/v1/__link", (c) => {
  c.header("Link", '<https://herd.test/api/v1/__link?max_id=1>; rel="next"');
  return c.json([]);
});

let ip = 0;
/** A distinct client address per call, so rate limits of one test do not reach another. */
const freshIp = () => `198.51.100.${(ip++ % 250) + 1}`;

async function call(
  path: string,
  init: RequestInit & { headers?: Record<string, string> } = {},
  env?: unknown,
) {
  const headers = { "x-forwarded-for": freshIp(), ...init.headers };
  return app.request(`https://herd.test${path}`, { ...init, headers }, env as never);
}

async function echo(
  init: RequestInit & { headers?: Record<string, string> },
  path = "/api/v1/__echo",
) {
  const res = await call(path, { method: "POST", ...init });
  const body = (await res.json()) as { params: Record<string, unknown>; token: string; ip: string };
  return { status: res.status, body, res };
}

const form = (body: string, type = "application/x-www-form-urlencoded") =>
  ({ body, headers: { "content-type": type } }) as const;
const json = (body: string, type = "application/json") =>
  ({ body, headers: { "content-type": type } }) as const;

beforeEach(() => {
  logs.length = 0;
});

describe("parameters", () => {
  it("merges query and JSON body, the body winning", async () => {
    const { status, body } = await echo(
      { ...json('{"a":"body","nested":{"x":[1,{"y":true}]}}') },
      "/api/v1/__echo?a=query&q=1&list[]=x&list[]=y",
    );
    expect(status).toBe(200);
    expect(body.params).toEqual({
      a: "body",
      q: "1",
      list: ["x", "y"],
      nested: { x: [1, { y: true }] },
    });
  });

  it("reads url-encoded forms: + and percent-encoding, arrays, hashes, last plain key wins", async () => {
    const { body } = await echo(
      form(
        "name=Jane+Doe&note=50%25+off%21%20%C3%A9&media_ids[]=1&media_ids%5B%5D=2" +
          "&fields_attributes[0][name]=a&fields_attributes[0][value]=b&fields_attributes[1][name]=c" +
          "&a[][k]=1&a[][k]=2&dup=first&dup=last",
      ),
    );
    expect(body.params).toEqual({
      name: "Jane Doe",
      note: "50% off! é",
      media_ids: ["1", "2"],
      fields_attributes: { "0": { name: "a", value: "b" }, "1": { name: "c" } },
      a: [{ k: "1" }, { k: "2" }],
      dup: "last",
    });
  });

  it("accepts a charset in the Content-Type of forms and JSON", async () => {
    const f = await echo(form("x=%C3%A9", "application/x-www-form-urlencoded; charset=UTF-8"));
    expect(f.body.params).toEqual({ x: "é" });
    const j = await echo(json('{"x":"é"}', "application/json; charset=utf-8"));
    expect(j.body.params).toEqual({ x: "é" });
    const upper = await echo(json('{"x":1}', "Application/JSON"));
    expect(upper.body.params).toEqual({ x: 1 });
    const activity = await echo(json('{"type":"Note"}', "application/activity+json"));
    expect(activity.body.params).toEqual({ type: "Note" });
  });

  it("reads an empty JSON body as no parameters", async () => {
    const { status, body } = await echo({ ...json("") }, "/api/v1/__echo?only=query");
    expect(status).toBe(200);
    expect(body.params).toEqual({ only: "query" });
  });

  it("ignores a body whose Content-Type is neither a form nor JSON", async () => {
    const { status, body } = await echo({ ...json('{"a":1}', "text/plain") });
    expect(status).toBe(200);
    expect(body.params).toEqual({});
    const xml = await echo({ ...json("{", "application/xml") });
    expect(xml.status).toBe(200);
  });

  it("reads a POST without Content-Type as a form, as Rack does", async () => {
    const res = await call("/api/v1/__echo", {
      method: "POST",
      body: new TextEncoder().encode("a=1&b[]=2"),
    });
    expect(((await res.json()) as { params: unknown }).params).toEqual({ a: "1", b: ["2"] });
  });

  it("answers malformed JSON with 400 and Mastodon's error JSON", async () => {
    for (const text of ["{", '{"a":', "[1,,2]", "nope"]) {
      const { status, body } = await echo(json(text));
      expect(status).toBe(400);
      expect(body).toEqual({ error: "Error occurred while parsing request parameters" });
    }
  });

  it("answers malformed JSON on a real endpoint (POST /api/v1/apps) with a 400", async () => {
    const { status, body } = await t.json("/api/v1/apps", {
      method: "POST",
      body: "{",
      headers: { "content-type": "application/json" },
    });
    expect(status).toBe(400);
    expect(body).toEqual({ error: "Error occurred while parsing request parameters" });
  });

  it("takes redirect_uris[] from a form on a real endpoint (POST /api/v1/apps)", async () => {
    const { status, body } = await t.json("/api/v1/apps", {
      method: "POST",
      form: [
        ["client_name", "Form+App"],
        ["redirect_uris[]", "https://app.example/callback"],
        ["redirect_uris[]", "urn:ietf:wg:oauth:2.0:oob"],
        ["scopes", "read write"],
      ],
    });
    expect(status).toBe(200);
    expect(body.name).toBe("Form+App");
    expect(body.redirect_uris).toEqual([
      "https://app.example/callback",
      "urn:ietf:wg:oauth:2.0:oob",
    ]);
  });

  it("wraps a JSON array or scalar body in _json, as Rails", async () => {
    expect((await echo(json("[1,2]"))).body.params).toEqual({ _json: [1, 2] });
    expect((await echo(json("42"))).body.params).toEqual({ _json: 42 });
  });

  it("reads multipart forms with files and Rails-style keys", async () => {
    const data = new FormData();
    data.append("description", "a cat");
    data.append("file", new File([new Uint8Array(1234)], "cat.png", { type: "image/png" }));
    data.append("fields_attributes[0][name]", "site");
    data.append("media_ids[]", "7");
    data.append("media_ids[]", "8");
    // A file input left empty: a blank value, never a file.
    data.append("thumbnail", new File([], ""));
    const { status, body } = await echo({ body: data });
    expect(status).toBe(200);
    expect(body.params).toEqual({
      description: "a cat",
      file: { file: "cat.png", size: 1234, type: "image/png" },
      fields_attributes: { "0": { name: "site" } },
      media_ids: ["7", "8"],
      thumbnail: "",
    });
  });

  it("answers a malformed multipart body with a 400", async () => {
    const { status, body } = await echo({
      body: "--nope\r\nthis is not multipart",
      headers: { "content-type": "multipart/form-data; boundary=other" },
    });
    expect(status).toBe(400);
    expect(body).toEqual({ error: "Error occurred while parsing request parameters" });
    const noBoundary = await echo({
      body: "x",
      headers: { "content-type": "multipart/form-data" },
    });
    expect(noBoundary.status).toBe(400);
  });

  it("answers nesting deeper than Rack's limit, and too many parameters, with a 400", async () => {
    const deepForm = await echo(form("a" + "[x]".repeat(40) + "=1"));
    expect(deepForm.status).toBe(400);
    const deepJson = await echo(json('{"a":' + "[".repeat(500) + "]".repeat(500) + "}"));
    expect(deepJson.status).toBe(400);
    const many = Array.from({ length: 5000 }, (_, i) => `k${i}=1`).join("&");
    expect((await echo(form(many))).status).toBe(400);
    const deepQuery = await call("/api/v1/__echo?" + "a" + "[x]".repeat(40) + "=1");
    expect(deepQuery.status).toBe(400);
  });

  it("never lets prototype keys through, in JSON, forms or queries", async () => {
    const j = await echo(
      json(
        '{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}},"a":{"__proto__":{"admin":true},"b":1}}',
      ),
    );
    expect(j.body.params).toEqual({ a: { b: 1 } });
    const f = await echo(
      form("__proto__[admin]=1&a[__proto__][admin]=1&constructor[prototype][admin]=1&ok=1"),
      "/api/v1/__echo?__proto__[admin]=1",
    );
    expect(f.body.params).toEqual({ ok: "1" });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it("reads PATCH update_credentials fields_attributes from a form", async () => {
    const { token } = await makeUser(t);
    const { status, body } = await t.json("/api/v1/accounts/update_credentials", {
      method: "PATCH",
      token,
      form: [
        ["fields_attributes[0][name]", "Site"],
        ["fields_attributes[0][value]", "example.com"],
        ["fields_attributes[1][name]", "Pronouns"],
        ["fields_attributes[1][value]", "they/them"],
      ],
    });
    expect(status).toBe(200);
    expect(body.source.fields.map((f: { name: string }) => f.name)).toEqual(["Site", "Pronouns"]);
  });
});

describe("body size limits", () => {
  const big = (bytes: number) => "x=" + "a".repeat(bytes);

  it("refuses API bodies over 8 MB with 413 and Mastodon's error JSON", async () => {
    const res = await call("/api/v1/__echo", {
      method: "POST",
      ...form(big(8 * 1024 * 1024)),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: "Content Too Large" });
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });

  it("accepts bodies just under the limit", async () => {
    const res = await call("/api/v1/__echo", {
      method: "POST",
      ...form(big(8 * 1024 * 1024 - 10)),
    });
    expect(res.status).toBe(200);
  });

  it("counts bodies sent without Content-Length (chunked)", async () => {
    const chunk = new Uint8Array(1024 * 1024).fill(97);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 9) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await call("/api/v1/__echo", {
      method: "POST",
      body: stream,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      duplex: "half",
    } as RequestInit & { headers: Record<string, string> });
    expect(res.status).toBe(413);
  });

  it("lets media uploads be larger (up to 100 MB)", async () => {
    const res = await call("/api/v2/media", {
      method: "POST",
      ...form(big(9 * 1024 * 1024)),
    });
    expect(res.status).not.toBe(413);
    const over = await call("/api/v2/media", {
      method: "POST",
      body: "x",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "content-length": String(101 * 1024 * 1024),
      },
    });
    expect(over.status).toBe(413);
  });

  it("answers browsers on pages with an HTML 413", async () => {
    const res = await call("/auth/sign_in", { method: "POST", ...form(big(9 * 1024 * 1024)) });
    expect(res.status).toBe(413);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
  });
});

describe("errors", () => {
  it("answers an unexpected error with a bare 500, its request id in the header and the log", async () => {
    const res = await call("/api/v1/__boom", { headers: { "x-request-id": "req-123" } });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: "Internal Server Error" });
    expect(text).not.toMatch(/secret|\/srv|at /);
    expect(res.headers.get("x-request-id")).toBe("req-123");
    const failure = logs.find((l) => l.msg === "request failed");
    expect(failure?.level).toBe("error");
    expect(failure?.fields.requestId).toBe("req-123");
    expect((failure?.fields.err as Error).message).toMatch(/secret detail/);
    const line = logs.find((l) => l.msg === "request");
    expect(line?.fields).toMatchObject({ requestId: "req-123", status: 500 });
  });

  it("answers browsers with an HTML 500 page without details", async () => {
    const res = await call("/__boom", { headers: { accept: "text/html" } });
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(await res.text()).not.toMatch(/secret/);
  });

  it("maps Hono's HTTPException to Mastodon's error JSON", async () => {
    const res = await call("/api/v1/__http_exception");
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({ error: "Unsupported Media Type" });
  });

  it("answers a duplicate record 422 and a serialization failure 503, as Mastodon", async () => {
    const dup = await call("/api/v1/__duplicate");
    expect(dup.status).toBe(422);
    expect(await dup.json()).toEqual({ error: "Duplicate record" });
    const busy = await call("/api/v1/__serialization");
    expect(busy.status).toBe(503);
    expect(await busy.json()).toEqual({
      error: "There was a temporary problem serving your request, please try again",
    });
  });

  it("answers unknown methods on known paths with 404, as Rails routing does", async () => {
    for (const method of ["DELETE", "PUT", "PATCH"]) {
      const res = await call("/api/v1/instance", { method });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: "Record not found" });
    }
    expect((await call("/health", { method: "POST" })).status).toBe(404);
  });

  it("answers OAuth endpoints and discovery paths in JSON, unknown pages in HTML", async () => {
    const oauth = await call("/oauth/token", { method: "PUT" });
    expect(oauth.status).toBe(404);
    expect(await oauth.json()).toEqual({ error: "Record not found" });
    const nodeinfo = await call("/nodeinfo/9.9");
    expect(nodeinfo.status).toBe(404);
    expect(await nodeinfo.json()).toEqual({ error: "Record not found" });
    const oauthPage = await call("/oauth/nothing", { headers: { accept: "text/html" } });
    expect(oauthPage.headers.get("content-type")).toMatch(/text\/html/);
    const page = await call("/nothing/here", { headers: { accept: "text/html" } });
    expect(page.status).toBe(404);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const asJson = await call("/nothing/here", { headers: { accept: "application/json" } });
    expect(await asJson.json()).toEqual({ error: "Record not found" });
  });

  it("keeps a given X-Request-Id only after cleaning it, as Rails", async () => {
    const res = await call("/health", { headers: { "x-request-id": "abc<script>def;1@x" } });
    expect(res.headers.get("x-request-id")).toBe("abcscriptdef1@x");
    const fresh = await call("/health", { headers: { "x-request-id": "<>" } });
    expect(fresh.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("rate limits", () => {
  beforeEach(() => rateStore.clear());

  it("puts Mastodon's headers on API responses: per address when unauthenticated", async () => {
    const res = await call("/api/v1/instance");
    expect(res.headers.get("x-ratelimit-limit")).toBe("300");
    expect(res.headers.get("x-ratelimit-remaining")).toBe("299");
    const reset = res.headers.get("x-ratelimit-reset")!;
    expect(reset).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const ms = Date.parse(reset);
    expect(ms % (5 * 60_000)).toBe(0);
    expect(ms).toBeGreaterThan(Date.now());
    expect(ms - Date.now()).toBeLessThanOrEqual(5 * 60_000);
  });

  it("answers the 301st unauthenticated request in 5 minutes with 429", async () => {
    const headers = { "x-forwarded-for": "203.0.113.50" };
    for (let i = 1; i <= 300; i++) {
      const res = await call("/api/v1/__echo", { headers });
      expect(res.status).toBe(200);
      if (i === 300) expect(res.headers.get("x-ratelimit-remaining")).toBe("0");
    }
    const res = await call("/api/v1/__echo", { headers });
    expect(res.status).toBe(429);
    expect(await res.json()).toEqual({ error: "Too many requests" });
    expect(res.headers.get("x-ratelimit-limit")).toBe("300");
    expect(res.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(res.headers.get("x-ratelimit-reset")).toMatch(/\.\d{6}Z$/);
    // Another address is not affected; nor are pages outside the API.
    expect((await call("/api/v1/__echo")).status).toBe(200);
    expect((await call("/health", { headers })).status).toBe(200);
  });

  it("counts IPv6 clients per /64", async () => {
    const a = await call("/api/v1/__echo", { headers: { "x-forwarded-for": "2001:db8:1:2::1" } });
    const b = await call("/api/v1/__echo", {
      headers: { "x-forwarded-for": "2001:db8:1:2:ffff::9" },
    });
    const other = await call("/api/v1/__echo", {
      headers: { "x-forwarded-for": "2001:db8:1:3::1" },
    });
    expect(a.headers.get("x-ratelimit-remaining")).toBe("299");
    expect(b.headers.get("x-ratelimit-remaining")).toBe("298");
    expect(other.headers.get("x-ratelimit-remaining")).toBe("299");
  });

  it("never limits the loopback address itself", async () => {
    const res = await call("/api/v1/instance", { headers: { "x-forwarded-for": "127.0.0.1" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-ratelimit-limit")).toBeNull();
  });

  it("counts per token (300) and per user (1500) when authenticated, not per address", async () => {
    const { token } = await makeUser(t);
    const res = await call("/api/v1/accounts/verify_credentials", {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-ratelimit-limit")).toBe("300");
    expect(res.headers.get("x-ratelimit-remaining")).toBe("299");
    const keys = await countedKeys("/api/v1/accounts/verify_credentials", {
      authorization: `Bearer ${token}`,
    });
    expect(keys).toEqual(["api-user", "api-token"]);
  });

  it("counts app tokens per token and per address (no user behind them)", async () => {
    const token = await tokenFor(t, null, ["read"]);
    expect(await countedKeys("/api/v1/instance", { authorization: `Bearer ${token}` })).toEqual([
      "api-token",
      "api-ip",
    ]);
  });

  it("adds Mastodon's special limits: media, sign-up, paging, deletions, confirmations", async () => {
    const { token } = await makeUser(t);
    const auth = { authorization: `Bearer ${token}` };
    expect(await countedKeys("/api/v2/media", auth, "POST")).toEqual([
      "api-user",
      "api-token",
      "media",
    ]);
    expect(await countedKeys("/api/v1/accounts", {}, "POST")).toEqual(["api-ip", "sign-up"]);
    expect(await countedKeys("/api/v1/timelines/home?max_id=5", auth)).toEqual([
      "api-user",
      "api-token",
      "paging-user",
    ]);
    expect(await countedKeys("/api/v1/timelines/public?since_id=5", {})).toEqual([
      "api-ip",
      "paging-ip",
    ]);
    expect(await countedKeys("/api/v1/statuses/123", auth, "DELETE")).toEqual([
      "api-user",
      "api-token",
      "delete",
    ]);
    expect(await countedKeys("/api/v1/statuses/123/unreblog", auth, "POST")).toEqual([
      "api-user",
      "api-token",
      "delete",
    ]);
    expect(await countedKeys("/api/v1/emails/confirmations", auth, "POST")).toEqual([
      "api-user",
      "api-token",
      "email-confirmation-ip",
      "email-confirmation-user",
    ]);
  });

  it("stops counting at the first exceeded rule and shows the tightest one", async () => {
    const headers = { "x-forwarded-for": "203.0.113.60" };
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await call("/api/v1/accounts", {
        method: "POST",
        body: "{}",
        headers: { ...headers, "content-type": "application/json" },
      });
      statuses.push(res.status);
      if (i < 5) {
        expect(res.headers.get("x-ratelimit-limit")).toBe("5");
        expect(res.headers.get("x-ratelimit-remaining")).toBe(String(4 - i));
      }
    }
    expect(statuses.slice(0, 5).every((s) => s !== 429)).toBe(true);
    expect(statuses[5]).toBe(429);
  });
});

/** The rules (by name) a request counts against, observed through a recording store. */
async function countedKeys(
  path: string,
  headers: Record<string, string>,
  method = "GET",
): Promise<string[]> {
  const seen: string[] = [];
  const recording: RateStore = {
    hit(key, periodMs) {
      seen.push(key.slice(0, key.indexOf(":")));
      return { count: 1, resetAt: (Math.floor(Date.now() / periodMs) + 1) * periodMs };
    },
  };
  const probe = createApp(t.deps, { rateStore: recording });
  await probe.request(`https://herd.test${path}`, {
    method,
    headers: { "x-forwarded-for": freshIp(), ...headers },
  });
  return seen;
}

describe("client addresses", () => {
  const env = (remoteAddress: string) => ({ incoming: { socket: { remoteAddress } } });

  it("believes X-Forwarded-For from a trusted proxy: the right-most address not a proxy", async () => {
    const { body } = await echo(
      { headers: { "x-forwarded-for": "192.0.2.1, 203.0.113.9, 10.0.0.2" } },
      "/api/v1/__echo",
    );
    expect(body.ip).toBe("203.0.113.9");
    const viaProxy = await app.request(
      "https://herd.test/api/v1/__echo",
      { headers: { "x-forwarded-for": "203.0.113.10" } },
      env("::ffff:127.0.0.1") as never,
    );
    expect(((await viaProxy.json()) as { ip: string }).ip).toBe("203.0.113.10");
  });

  it("ignores X-Forwarded-For from a client that is not a proxy", async () => {
    const res = await app.request(
      "https://herd.test/api/v1/__echo",
      { headers: { "x-forwarded-for": "203.0.113.10" } },
      env("198.51.100.200") as never,
    );
    expect(((await res.json()) as { ip: string }).ip).toBe("198.51.100.200");
  });

  it("keeps IPv4 addresses whole and IPv6 ones by /64 for counting", () => {
    const ctx = (xff: string) =>
      ({ req: { header: (n: string) => (n === "x-forwarded-for" ? xff : undefined) } }) as never;
    expect(throttleIp(ctx("203.0.113.7"))).toBe("203.0.113.7");
    expect(throttleIp(ctx("2001:DB8:0:0A:1::1"))).toBe("2001:db8:0:a::/64");
    expect(throttleIp(ctx("2001:db8::1"))).toBe("2001:db8:0:0::/64");
    expect(throttleIp(ctx("[2001:db8:1::5]:443"))).toBe("2001:db8:1:0::/64");
  });
});

describe("the in-process rate store", () => {
  it("counts in windows aligned on the period and starts over after", () => {
    let now = Date.UTC(2024, 4, 1, 12, 31, 7);
    const store = createMemoryRateStore(() => now);
    const period = 5 * 60_000;
    expect(store.hit("k", period)).toEqual({ count: 1, resetAt: Date.UTC(2024, 4, 1, 12, 35) });
    expect(store.hit("k", period).count).toBe(2);
    now = Date.UTC(2024, 4, 1, 12, 35);
    expect(store.hit("k", period)).toEqual({ count: 1, resetAt: Date.UTC(2024, 4, 1, 12, 40) });
  });

  it("stays bounded", () => {
    const store = createMemoryRateStore(() => 1_000);
    for (let i = 0; i < 100_050; i++) store.hit(`k${i}`, 60_000);
    expect(store.size()).toBeLessThanOrEqual(100_000);
  });

  it("formats the reset time as Ruby's iso8601(6)", () => {
    expect(resetTimestamp(Date.UTC(2024, 4, 1, 12, 35))).toBe("2024-05-01T12:35:00.000000Z");
  });
});

describe("web form limits (exported for the sign-in and password pages)", () => {
  const web = new Hono<HerdEnv>();
  const store = createMemoryRateStore();
  web.use(async (c, next) => {
    c.set("rateStore", store);
    c.set("token", { kind: "none" });
    await next();
  });
  web.post("/auth/sign_in", signInRateLimit(), (c) => c.text("signed in"));
  web.post("/auth/password", webFormRateLimit(), (c) => c.text("mail sent"));
  const post = (path: string, body: string, address: string) =>
    web.request(`https://herd.test${path}`, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-forwarded-for": address,
      },
    });

  it("allows 25 sign-in attempts per address in 5 minutes, without headers until the 429", async () => {
    for (let i = 0; i < 25; i++) {
      const res = await post("/auth/sign_in", `user[email]=u${i}@example.com`, "203.0.113.70");
      expect(res.status).toBe(200);
      expect(res.headers.get("x-ratelimit-limit")).toBeNull();
    }
    const res = await post("/auth/sign_in", "user[email]=x@example.com", "203.0.113.70");
    expect(res.status).toBe(429);
    expect(await res.json()).toEqual({ error: "Too many requests" });
    expect(res.headers.get("x-ratelimit-limit")).toBe("25");
  });

  it("allows 25 sign-in attempts per login in an hour, from any address", async () => {
    for (let i = 0; i < 25; i++) {
      const res = await post("/auth/sign_in", "user[email]=Victim@Example.com", `192.0.2.${i + 1}`);
      expect(res.status).toBe(200);
    }
    const res = await post("/auth/sign_in", "user[email]=victim@example.com", "192.0.2.100");
    expect(res.status).toBe(429);
  });

  it("allows 5 password resets per address e-mail in 30 minutes", async () => {
    for (let i = 0; i < 5; i++) {
      expect(
        (await post("/auth/password", "user[email]=r@example.com", `192.0.2.${i + 1}`)).status,
      ).toBe(200);
    }
    expect((await post("/auth/password", "user[email]=r@example.com", "192.0.2.9")).status).toBe(
      429,
    );
  });
});

describe("CORS (as Mastodon's config/initializers/cors.rb)", () => {
  const preflight = (path: string, method: string, requestHeaders?: string) =>
    call(path, {
      method: "OPTIONS",
      headers: {
        origin: "https://elk.zone",
        "access-control-request-method": method,
        ...(requestHeaders ? { "access-control-request-headers": requestHeaders } : {}),
      },
    });

  it("opens the API to any origin, any header, the API's methods, without credentials", async () => {
    const res = await preflight(
      "/api/v1/statuses",
      "POST",
      "authorization, content-type, idempotency-key, x-custom",
    );
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toBe(
      "POST,PUT,DELETE,GET,PATCH,OPTIONS",
    );
    expect(res.headers.get("access-control-allow-headers")).toBe(
      "authorization,content-type,idempotency-key,x-custom",
    );
    expect(res.headers.get("access-control-max-age")).toBe("7200");
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("exposes Link, rate-limit and request id headers on API responses", async () => {
    const res = await call("/api/v1/__link", { headers: { origin: "https://elk.zone" } });
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const exposed = res.headers.get("access-control-expose-headers")!.split(/\s*,\s*/);
    expect(exposed.sort()).toEqual(
      [
        "Link",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "X-Request-Id",
      ].sort(),
    );
    expect(res.headers.get("link")).toContain('rel="next"');
  });

  it("opens the token endpoints to POST and discovery documents and profiles to GET", async () => {
    for (const path of ["/oauth/token", "/oauth/revoke"]) {
      const res = await preflight(path, "POST");
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("access-control-allow-methods")).toBe("POST");
    }
    for (const path of [
      "/.well-known/webfinger?resource=acct:x@herd.test",
      "/.well-known/nodeinfo",
      "/nodeinfo/2.0",
      "/@someone",
      "/users/someone",
    ]) {
      const res = await call(path, { headers: { origin: "https://elk.zone" } });
      expect(res.headers.get("access-control-allow-origin"), path).toBe("*");
    }
    const userinfo = await preflight("/oauth/userinfo", "GET", "authorization");
    expect(userinfo.headers.get("access-control-allow-methods")).toBe("GET,POST");
  });

  it("does not open the pages and forms that use cookies", async () => {
    for (const path of ["/auth/sign_in", "/oauth/authorize", "/settings/profile"]) {
      const res = await call(path, { headers: { origin: "https://evil.example" } });
      expect(res.headers.get("access-control-allow-origin"), path).toBeNull();
    }
    const res = await preflight("/auth/sign_in", "POST");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("default headers", () => {
  it("keeps API answers out of shared caches unless the route says otherwise", async () => {
    expect((await call("/api/v1/__echo")).headers.get("cache-control")).toBe("private, no-store");
    expect((await call("/api/v1/__own_cache")).headers.get("cache-control")).toBe(
      "public, max-age=60",
    );
    expect((await call("/api/v1/nothing")).headers.get("cache-control")).toBe("private, no-store");
  });

  it("forbids MIME sniffing everywhere", async () => {
    for (const path of ["/health", "/api/v1/instance", "/nothing"]) {
      expect((await call(path)).headers.get("x-content-type-options"), path).toBe("nosniff");
    }
  });
});

describe("tokens outside the Authorization header", () => {
  it("reads access_token from the query, a form body or a JSON body, as Doorkeeper", async () => {
    const { token, account } = await makeUser(t);
    const query = await echo({}, `/api/v1/__echo?access_token=${token}`);
    expect(query.body.token).toBe(account.id);
    const fromForm = await echo(form(`access_token=${token}&x=1`));
    expect(fromForm.body.token).toBe(account.id);
    const fromJson = await echo(json(JSON.stringify({ access_token: token })));
    expect(fromJson.body.token).toBe(account.id);
    const bearer = await echo(form(`bearer_token=${token}`));
    expect(bearer.body.token).toBe(account.id);
    const wrong = await echo(form("access_token=nope"));
    expect(wrong.body.token).toBe("invalid");
  });
});

describe("request log", () => {
  it("writes one line per request with id, method, path, status and time", async () => {
    const res = await call("/api/v1/instance?x=1");
    const lines = logs.filter((l) => l.msg === "request");
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe("info");
    expect(lines[0]!.fields).toMatchObject({
      requestId: res.headers.get("x-request-id"),
      method: "GET",
      path: "/api/v1/instance",
      status: 200,
    });
    expect(typeof lines[0]!.fields.ms).toBe("number");
    expect(lines[0]!.fields.accountId).toBeUndefined();
  });

  it("names the account of an authenticated request", async () => {
    const { token, account } = await makeUser(t);
    await call("/api/v1/accounts/verify_credentials", {
      headers: { authorization: `Bearer ${token}` },
    });
    const line = logs.find((l) => l.msg === "request");
    expect(line?.fields).toMatchObject({ status: 200, accountId: account.id });
  });
});
