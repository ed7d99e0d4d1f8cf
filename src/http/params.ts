// Request parameters as Rails reads them: query string, url-encoded form,
// multipart form and JSON bodies, merged (body over query), with Rails-style
// nesting in keys: `media_ids[]=1&media_ids[]=2`,
// `fields_attributes[0][name]=x`, `source[privacy]=private`.
import type { Context } from "hono";
import { z } from "zod";
import { ApiError } from "./errors.ts";
import type { HerdEnv } from "./env.ts";

export type ParamValue = string | File | ParamValue[] | { [key: string]: ParamValue } | unknown;
export type Params = Record<string, unknown>;

const MAX_DEPTH = 8;

/** Splits `a[b][]` into ["a", "b", ""]; null when the key is malformed. */
function keyPath(key: string): string[] | null {
  const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!m) return key === "" ? null : [key];
  const rest = m[2] ? [...m[2].matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1] ?? "") : [];
  return [m[1] ?? "", ...rest];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof File)
  );
}

/** Puts `value` at the Rails path of `key` inside `target`. */
export function assignRails(target: Params, key: string, value: unknown): void {
  const path = keyPath(key);
  if (!path || path.length > MAX_DEPTH) return;
  let node: Record<string, unknown> | unknown[] = target;
  for (let i = 0; i < path.length; i++) {
    const part = path[i] ?? "";
    const last = i === path.length - 1;
    const nextIsArray = path[i + 1] === "";
    if (Array.isArray(node)) {
      // `a[][name]=x&a[][name]=y`: a new element whenever the key repeats.
      if (last) {
        node.push(value);
        return;
      }
      const tail: unknown = node[node.length - 1];
      const nextKey = path[i + 1] ?? "";
      if (isObject(tail) && !(nextKey in tail) && i + 1 === path.length - 1) {
        node = tail;
        continue;
      }
      const fresh: Record<string, unknown> | unknown[] = nextIsArray ? [] : {};
      node.push(fresh);
      node = fresh;
      continue;
    }
    if (part === "") return; // `[]` on an object: malformed
    if (part === "__proto__" || part === "constructor" || part === "prototype") return;
    if (last) {
      node[part] = value;
      return;
    }
    const existing = node[part];
    if (nextIsArray) {
      if (!Array.isArray(existing)) node[part] = [];
    } else if (!isObject(existing)) {
      node[part] = {};
    }
    node = node[part] as Record<string, unknown> | unknown[];
  }
}

export function fromEntries(entries: Iterable<[string, unknown]>): Params {
  const out: Params = Object.create(null) as Params;
  for (const [k, v] of entries) assignRails(out, k, v);
  return { ...out };
}

async function bodyParams(c: Context<HerdEnv>): Promise<Params> {
  const method = c.req.method;
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return {};
  const type = (c.req.header("content-type") ?? "").toLowerCase();
  if (type.includes("application/json") || type.includes("+json")) {
    const text = await c.req.text();
    if (text.trim() === "") return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ApiError(400, "Error occurred while parsing request parameters");
    }
    if (!isObject(parsed)) {
      throw new ApiError(400, "Error occurred while parsing request parameters");
    }
    // JSON keys may also be written Rails-style ({"media_ids[]": [...]}).
    const out: Params = {};
    for (const [k, v] of Object.entries(parsed)) {
      if (k.includes("[")) assignRails(out, k.endsWith("[]") ? k.slice(0, -2) : k, v);
      else if (k !== "__proto__") out[k] = v;
    }
    return out;
  }
  if (type.includes("application/x-www-form-urlencoded")) {
    const text = await c.req.text();
    return fromEntries(new URLSearchParams(text));
  }
  if (type.includes("multipart/form-data")) {
    let form: FormData;
    try {
      form = await c.req.raw.clone().formData();
    } catch {
      throw new ApiError(400, "Error occurred while parsing request parameters");
    }
    return fromEntries(form.entries());
  }
  return {};
}

/** Query and body parameters, merged (body wins), parsed once per request. */
export async function params(c: Context<HerdEnv>): Promise<Params> {
  const cached = c.get("params");
  if (cached) return cached;
  const query = fromEntries(new URL(c.req.url).searchParams);
  const body = await bodyParams(c);
  const merged = { ...query, ...body };
  c.set("params", merged);
  return merged;
}

// ---- zod helpers for values that arrive as strings from forms and queries.

const FALSE_VALUES = new Set(["0", "f", "false", "off", "no", "n"]);

/**
 * Rails' boolean casting: "0", "f", "false", "off" are false, other non-empty
 * values true, "" is absent.
 */
export const zBool = z.preprocess((v) => {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "string") return !FALSE_VALUES.has(v.toLowerCase());
  return v;
}, z.boolean().optional());

/** An integer sent as a number or a string. */
export const zInt = z.preprocess((v) => {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "string" && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return v;
}, z.number().int().optional());

/** A string parameter (numbers are accepted and turned into strings, as Rails does). */
export const zStr = z.preprocess(
  (v) => (typeof v === "number" || typeof v === "boolean" ? String(v) : v),
  z.string().optional(),
);

/** An array parameter: `a[]=1&a[]=2`, `{"a": [1,2]}`, or a hash of indices `{a: {"0": ...}}`. */
export function zArray<T extends z.ZodType>(item: T, max = 100) {
  return z.preprocess((v) => {
    if (v === undefined || v === null || v === "") return undefined;
    if (Array.isArray(v)) return v;
    if (isObject(v))
      return Object.keys(v)
        .sort((a, b) => Number(a) - Number(b))
        .map((k) => v[k]);
    return [v];
  }, z.array(item).max(max).optional());
}

/** Validates with `schema`; a failure is Mastodon's 422 with the first problem named. */
export function validate<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.map(String).join(".") || "parameters";
  throw new ApiError(422, `Validation failed: ${field} ${issue ? describe(issue) : "is invalid"}`);
}

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined ? "can't be blank" : "is invalid";
    case "too_big":
      return `is too long (maximum is ${String(issue.maximum)})`;
    case "too_small":
      return `is too short (minimum is ${String(issue.minimum)})`;
    default:
      return "is invalid";
  }
}

/** Parses and validates the request's parameters in one step. */
export async function input<T extends z.ZodType>(
  c: Context<HerdEnv>,
  schema: T,
): Promise<z.infer<T>> {
  return validate(schema, await params(c));
}
