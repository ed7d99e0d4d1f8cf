// Rails-style parameter parsing (src/http/params.ts), without HTTP: keys,
// JSON bodies and the zod helpers. Parsing over HTTP is in http-conventions.test.ts.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ApiError } from "../src/http/errors.ts";
import {
  assignRails,
  fromEntries,
  parseJsonBody,
  validate,
  zArray,
  zBool,
  zInt,
  zStr,
  type Params,
} from "../src/http/params.ts";

function parseFailure(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error("expected a parse failure");
}

describe("Rails-style keys (fromEntries)", () => {
  it("nests arrays and hashes", () => {
    expect(
      fromEntries([
        ["media_ids[]", "1"],
        ["media_ids[]", "2"],
        ["fields_attributes[0][name]", "a"],
        ["fields_attributes[0][value]", "b"],
        ["fields_attributes[1][name]", "c"],
        ["source[privacy]", "private"],
        ["plain", "x"],
      ]),
    ).toEqual({
      media_ids: ["1", "2"],
      fields_attributes: { "0": { name: "a", value: "b" }, "1": { name: "c" } },
      source: { privacy: "private" },
      plain: "x",
    });
  });

  it("lets the last of repeated plain keys win", () => {
    expect(
      fromEntries([
        ["a", "1"],
        ["a", "2"],
        ["h[k]", "1"],
        ["h[k]", "2"],
      ]),
    ).toEqual({
      a: "2",
      h: { k: "2" },
    });
  });

  it("fills a[][k] hashes until a key repeats, as Rack does", () => {
    expect(
      fromEntries([
        ["a[][name]", "1"],
        ["a[][value]", "2"],
        ["a[][name]", "3"],
        ["a[][value]", "4"],
        ["a[][name]", "5"],
      ]),
    ).toEqual({ a: [{ name: "1", value: "2" }, { name: "3", value: "4" }, { name: "5" }] });
  });

  it("nests deeper inside arrays of hashes", () => {
    expect(
      fromEntries([
        ["a[][b][c]", "1"],
        ["a[][b][d]", "2"],
        ["a[][b][c]", "3"],
        ["a[][tags][]", "x"],
      ]),
    ).toEqual({ a: [{ b: { c: "1", d: "2" } }, { b: { c: "3" }, tags: ["x"] }] });
  });

  it("keeps keys that are not in Rails' shape as they are", () => {
    expect(
      fromEntries([
        ["a[b", "1"],
        ["]x", "2"],
        ["", "3"],
      ]),
    ).toEqual({ "a[b": "1", "]x": "2" });
  });

  it("lets a later key of another shape replace an earlier one", () => {
    expect(
      fromEntries([
        ["a[]", "1"],
        ["a[x]", "2"],
      ]),
    ).toEqual({ a: { x: "2" } });
    expect(
      fromEntries([
        ["a[x]", "1"],
        ["a", "2"],
      ]),
    ).toEqual({ a: "2" });
  });

  it("ignores prototype keys at any depth", () => {
    const p = fromEntries([
      ["__proto__[polluted]", "1"],
      ["a[__proto__][polluted]", "1"],
      ["constructor[prototype][polluted]", "1"],
      ["b[][constructor]", "1"],
      ["ok", "yes"],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(p)).toBe(Object.prototype);
    expect(p).toEqual({ ok: "yes" });
  });

  it("does not take inherited names for existing values", () => {
    const p = fromEntries([
      ["toString[x]", "1"],
      ["hasOwnProperty", "2"],
    ]);
    expect(p.toString).toEqual({ x: "1" });
    expect(Object.hasOwn(p, "hasOwnProperty")).toBe(true);
  });

  it("accepts 32 levels of nesting and refuses more with a 400", () => {
    const key = (depth: number) => "a" + "[x]".repeat(depth - 1);
    let p: Params = fromEntries([[key(32), "deep"]]);
    for (let i = 0; i < 31; i++) p = p[i === 0 ? "a" : "x"] as Params;
    expect(p.x).toBe("deep");
    const error = parseFailure(() => fromEntries([[key(33), "deeper"]]));
    expect(error.status).toBe(400);
  });

  it("refuses more than 4096 parameters with a 400", () => {
    const many = Array.from({ length: 4096 }, (_, i) => [`k${i}`, "v"] as [string, string]);
    expect(Object.keys(fromEntries(many))).toHaveLength(4096);
    expect(parseFailure(() => fromEntries([...many, ["one", "more"]])).status).toBe(400);
  });

  it("assignRails writes into an existing object", () => {
    const target: Params = { keep: 1 };
    assignRails(target, "list[]", "a");
    assignRails(target, "list[]", "b");
    expect(target).toEqual({ keep: 1, list: ["a", "b"] });
  });
});

describe("JSON bodies (parseJsonBody)", () => {
  it("keeps nested objects and types", () => {
    expect(parseJsonBody('{"a":{"b":[1,true,null,{"c":"d"}]},"n":1.5}')).toEqual({
      a: { b: [1, true, null, { c: "d" }] },
      n: 1.5,
    });
  });

  it("reads an empty or blank body as no parameters", () => {
    expect(parseJsonBody("")).toEqual({});
    expect(parseJsonBody("  \n")).toEqual({});
  });

  it("wraps arrays and scalars in _json, as Rails", () => {
    expect(parseJsonBody("[1,2]")).toEqual({ _json: [1, 2] });
    expect(parseJsonBody('"text"')).toEqual({ _json: "text" });
    expect(parseJsonBody("null")).toEqual({ _json: null });
  });

  it("answers malformed JSON with a 400", () => {
    for (const text of ["{", "{'a':1}", '{"a":}', "[1,]", "undefined"]) {
      const error = parseFailure(() => parseJsonBody(text));
      expect(error.status).toBe(400);
      expect(error.message).toBe("Error occurred while parsing request parameters");
    }
  });

  it("drops prototype keys at any depth", () => {
    const p = parseJsonBody(
      '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},' +
        '"a":{"__proto__":{"polluted":1},"b":1},"list":[{"__proto__":{"x":1},"y":2}]}',
    );
    expect(p).toEqual({ a: { b: 1 }, list: [{ y: 2 }] });
    expect(Object.getPrototypeOf(p.a)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Copying a parameter into another object cannot change its prototype either.
    const copy = Object.assign({}, p.a);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
  });

  it("accepts 100 levels of nesting and refuses more with a 400", () => {
    const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
    expect(parseJsonBody(`{"a":${nested(99)}}`)).toHaveProperty("a");
    expect(parseFailure(() => parseJsonBody(`{"a":${nested(150)}}`)).status).toBe(400);
    // Far deeper than any stack: still a 400.
    expect(parseFailure(() => parseJsonBody(nested(200_000))).status).toBe(400);
  });

  it("reads Rails-style keys written in JSON", () => {
    expect(parseJsonBody('{"media_ids[]":["1","2"],"source[privacy]":"unlisted"}')).toEqual({
      media_ids: ["1", "2"],
      source: { privacy: "unlisted" },
    });
  });
});

describe("zod helpers", () => {
  it("zBool casts as ActiveModel::Type::Boolean", () => {
    const cast = (v: unknown) => zBool.parse(v);
    for (const v of ["0", "f", "F", "false", "FALSE", "off", "OFF", 0, false]) {
      expect(cast(v)).toBe(false);
    }
    for (const v of ["1", "t", "true", "on", "yes", "no", 1, true]) expect(cast(v)).toBe(true);
    expect(cast("")).toBeUndefined();
    expect(cast(null)).toBeUndefined();
    expect(cast(undefined)).toBeUndefined();
    expect(zBool.safeParse(["true"]).success).toBe(false);
  });

  it("zInt reads numbers and digit strings only", () => {
    expect(zInt.parse("42")).toBe(42);
    expect(zInt.parse(" -3 ")).toBe(-3);
    expect(zInt.parse(7)).toBe(7);
    expect(zInt.parse("")).toBeUndefined();
    expect(zInt.safeParse("4x").success).toBe(false);
    expect(zInt.safeParse(1.5).success).toBe(false);
  });

  it("zStr turns numbers and booleans into strings", () => {
    expect(zStr.parse(5)).toBe("5");
    expect(zStr.parse(true)).toBe("true");
    expect(zStr.parse("x")).toBe("x");
    expect(zStr.safeParse({ a: 1 }).success).toBe(false);
  });

  it("zArray takes arrays, single values and hashes of indices in numeric order", () => {
    const schema = zArray(z.string(), 3);
    expect(schema.parse(["a", "b"])).toEqual(["a", "b"]);
    expect(schema.parse("a")).toEqual(["a"]);
    expect(schema.parse({ "10": "c", "2": "b", "0": "a" })).toEqual(["a", "b", "c"]);
    expect(schema.parse(undefined)).toBeUndefined();
    expect(schema.safeParse(["a", "b", "c", "d"]).success).toBe(false);
  });

  it("validate answers Mastodon's 422 naming the field", () => {
    const schema = z.object({ name: z.string().max(3), age: zInt });
    expect(validate(schema, { name: "ab", age: "3" })).toEqual({ name: "ab", age: 3 });
    const tooLong = parseFailure(() => validate(schema, { name: "abcd" }));
    expect(tooLong.status).toBe(422);
    expect(tooLong.message).toBe("Validation failed: name is too long (maximum is 3)");
    const missing = parseFailure(() => validate(schema, {}));
    expect(missing.message).toBe("Validation failed: name can't be blank");
    expect(parseFailure(() => validate(schema, { name: "a", age: "x" })).message).toBe(
      "Validation failed: age is invalid",
    );
  });
});
