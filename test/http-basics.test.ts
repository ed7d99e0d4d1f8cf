import { describe, expect, it } from "vitest";
import { fromEntries } from "../src/http/params.ts";
import { pageQuery, linkHeader } from "../src/http/pagination.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();

describe("HTTP basics", () => {
  it("answers /health", async () => {
    const res = await t.request("/health");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("OK");
  });

  it("answers unknown API routes with Mastodon's error JSON", async () => {
    const { status, body } = await t.json("/api/v1/does-not-exist");
    expect(status).toBe(404);
    expect(body).toEqual({ error: "Record not found" });
  });

  it("opens the API to every origin (CORS) and exposes Link and rate-limit headers", async () => {
    const res = await t.request("/api/v1/does-not-exist", {
      method: "OPTIONS",
      headers: { origin: "https://elk.zone", "access-control-request-method": "POST" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const get = await t.request("/health", { headers: { origin: "https://elk.zone" } });
    expect(get.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("sets a request id", async () => {
    const res = await t.request("/health");
    expect(res.headers.get("x-request-id")).toMatch(/[0-9a-f-]{36}/);
  });
});

describe("Rails-style parameters", () => {
  it("nests arrays and hashes", () => {
    const p = fromEntries([
      ["media_ids[]", "1"],
      ["media_ids[]", "2"],
      ["fields_attributes[0][name]", "a"],
      ["fields_attributes[0][value]", "b"],
      ["fields_attributes[1][name]", "c"],
      ["source[privacy]", "private"],
      ["plain", "x"],
    ]);
    expect(p).toEqual({
      media_ids: ["1", "2"],
      fields_attributes: { "0": { name: "a", value: "b" }, "1": { name: "c" } },
      source: { privacy: "private" },
      plain: "x",
    });
  });

  it("builds arrays of hashes from repeated a[][k] keys", () => {
    const p = fromEntries([
      ["a[][name]", "1"],
      ["a[][value]", "2"],
      ["a[][name]", "3"],
    ]);
    expect(p).toEqual({ a: [{ name: "1", value: "2" }, { name: "3" }] });
  });

  it("ignores prototype keys", () => {
    const p = fromEntries([["__proto__[polluted]", "1"]]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(p.polluted).toBeUndefined();
  });
});

describe("pagination", () => {
  it("clamps limit and ignores bad ids", () => {
    expect(pageQuery({ limit: "500" })).toMatchObject({ limit: 40 });
    expect(pageQuery({ limit: "0" })).toMatchObject({ limit: 20 });
    expect(pageQuery({ limit: "abc", max_id: "x1" })).toMatchObject({ limit: 20, maxId: null });
    expect(pageQuery({ max_id: "123", min_id: "5" })).toMatchObject({ maxId: "123", minId: "5" });
  });

  it("links next (older) and prev (newer)", () => {
    const link = linkHeader("https://herd.test/api/v1/x?limit=2&max_id=9", {
      newest: "8",
      oldest: "7",
    });
    expect(link).toBe(
      '<https://herd.test/api/v1/x?limit=2&max_id=7>; rel="next", <https://herd.test/api/v1/x?limit=2&min_id=8>; rel="prev"',
    );
  });
});
