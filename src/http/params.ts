// Request parameters as Rails reads them (Rack's query parser and Rails'
// parameter parsers): the query string, url-encoded forms, multipart forms and
// JSON bodies, merged (body over query), with Rails-style nesting in keys:
// `media_ids[]=1&media_ids[]=2`, `fields_attributes[0][name]=x`,
// `source[privacy]=private`, `a[][k]=1&a[][k]=2`. As in Rails:
// - the last of repeated plain keys wins;
// - a body whose Content-Type is not a form or JSON is ignored, and a POST
//   without any Content-Type is read as a url-encoded form (Rack does);
// - a JSON body that is not an object arrives as `_json`;
// - an unreadable body (malformed JSON or multipart, nesting too deep, too
//   many parameters) is a 400, never a 500.
// Keys that could reach an object's prototype (`__proto__`, `constructor`,
// `prototype`) are dropped wherever they appear.
import type { Context } from "hono";
import { z } from "zod";
import { ApiError } from "./errors.ts";
import type { HerdEnv } from "./env.ts";

export type ParamValue = string | File | ParamValue[] | { [key: string]: ParamValue } | unknown;
export type Params = Record<string, unknown>;

/** Rack's param_depth_limit. */
const MAX_DEPTH = 32;
/** Rack's params_limit: parameters per query string or form body. */
const MAX_PARAMS = 4096;
/** Ruby's JSON max_nesting. */
const MAX_JSON_DEPTH = 100;

const UNSAFE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** What Rails says about a body it cannot read. */
export const PARSE_ERROR_MESSAGE = "Error occurred while parsing request parameters";

const parseError = () => new ApiError(400, PARSE_ERROR_MESSAGE);

/** Splits `a[b][]` into ["a", "b", ""]; a key not in that shape is one plain name. */
function keyPath(key: string): string[] | null {
  if (key === "") return null;
  const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!m) return [key];
  const rest = m[2] ? [...m[2].matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1] ?? "") : [];
  return [m[1] ?? "", ...rest];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof File) &&
    !(value instanceof Blob)
  );
}

/** Rack's params_hash_has_key?: whether `path` (without `[]`) is already set in `hash`. */
function hasPath(hash: Record<string, unknown>, path: string[]): boolean {
  if (path.includes("")) return false;
  let node: unknown = hash;
  for (const part of path) {
    if (!isObject(node) || !Object.hasOwn(node, part)) return false;
    node = node[part];
  }
  return true;
}

/**
 * Puts `value` at the Rails path of `key` inside `target`. Throws a 400
 * ApiError when the key nests deeper than Rack allows.
 */
export function assignRails(target: Params, key: string, value: unknown): void {
  const path = keyPath(key);
  if (!path) return;
  if (path.length > MAX_DEPTH) throw parseError();
  if (path.some((part) => UNSAFE_KEYS.has(part))) return;
  let node: Record<string, unknown> | unknown[] = target;
  for (let i = 0; i < path.length; i++) {
    const part = path[i] ?? "";
    const last = i === path.length - 1;
    if (Array.isArray(node)) {
      // We are past a `[]`. `a[]=x` appends; `a[][name]=x&a[][value]=y`
      // fills the last hash until a key repeats, then starts a new one.
      if (last) {
        node.push(value);
        return;
      }
      const rest = path.slice(i + 1);
      const tail: unknown = node[node.length - 1];
      if (isObject(tail) && !hasPath(tail, rest)) {
        node = tail;
        continue;
      }
      const fresh: Record<string, unknown> | unknown[] = rest[0] === "" ? [] : {};
      node.push(fresh);
      node = fresh;
      continue;
    }
    if (part === "") return; // `[]` where a hash is: malformed, ignored
    if (last) {
      node[part] = value;
      return;
    }
    const nextIsArray = path[i + 1] === "";
    const existing = Object.hasOwn(node, part) ? node[part] : undefined;
    if (nextIsArray ? !Array.isArray(existing) : !isObject(existing)) {
      node[part] = nextIsArray ? [] : {};
    }
    node = node[part] as Record<string, unknown> | unknown[];
  }
}

/** Builds parameters from key/value pairs with Rails-style keys; 400 past Rack's count limit. */
export function fromEntries(entries: Iterable<[string, unknown]>): Params {
  const out: Params = {};
  let count = 0;
  for (const [k, v] of entries) {
    if (++count > MAX_PARAMS) throw parseError();
    assignRails(out, k, v);
  }
  return out;
}

/** A JSON value rebuilt without prototype keys; 400 past Ruby's nesting limit. */
function cleanJson(value: unknown, depth: number): unknown {
  if (depth > MAX_JSON_DEPTH) throw parseError();
  if (Array.isArray(value)) return value.map((v) => cleanJson(v, depth + 1));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (!UNSAFE_KEYS.has(k)) out[k] = cleanJson(v, depth + 1);
    }
    return out;
  }
  return value;
}

/** Parses a JSON body as Rails does; exported for tests. */
export function parseJsonBody(text: string): Params {
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw parseError();
  }
  const clean = cleanJson(parsed, 0);
  // Rails wraps a JSON body that is not an object: {"_json": [...]}.
  if (!isObject(clean)) return { _json: clean };
  // Keys may also be written Rails-style: {"media_ids[]": [...]}, {"source[privacy]": "x"}.
  const out: Params = {};
  for (const [k, v] of Object.entries(clean)) {
    if (k.includes("[")) assignRails(out, k.endsWith("[]") ? k.slice(0, -2) : k, v);
    else out[k] = v;
  }
  return out;
}

/** The media type of the request, lowercased, without parameters (charset, boundary). */
function mediaType(c: Context<HerdEnv>): string {
  return (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

/** The media types Mastodon registers as JSON (config/initializers/mime_types.rb and Rails). */
function isJsonType(type: string): boolean {
  return (
    type === "application/json" ||
    type === "text/x-json" ||
    type === "application/jsonrequest" ||
    /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(type)
  );
}

async function bodyParams(c: Context<HerdEnv>): Promise<Params> {
  const method = c.req.method;
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return {};
  if (!c.req.raw.body) return {};
  const type = mediaType(c);
  if (isJsonType(type)) return parseJsonBody(await c.req.text());
  if (type === "application/x-www-form-urlencoded" || (type === "" && method === "POST")) {
    return fromEntries(new URLSearchParams(await c.req.text()));
  }
  if (type === "multipart/form-data") {
    let form: FormData;
    try {
      form = await c.req.formData();
    } catch {
      throw parseError();
    }
    // A file input left empty (a part with filename="") arrives as "", which
    // routes read as absent, as Rails' blank checks do.
    return fromEntries(form.entries());
  }
  return {};
}

/** Query and body parameters, merged (body wins), parsed once per request. */
export async function params(c: Context<HerdEnv>): Promise<Params> {
  const cached = c.get("params");
  if (cached) return cached;
  const url = c.req.url;
  const q = url.indexOf("?");
  const query = q === -1 ? {} : fromEntries(new URLSearchParams(url.slice(q + 1)));
  const body = await bodyParams(c);
  const merged = { ...query, ...body };
  c.set("params", merged);
  return merged;
}

// ---- zod helpers for values that arrive as strings from forms and queries.

/** ActiveModel::Type::Boolean::FALSE_VALUES, as strings. */
const FALSE_VALUES = new Set(["0", "f", "false", "off"]);

/**
 * Rails' boolean casting: "0", "f", "false", "off" (any case) and 0 are false,
 * other values true, "" and null are absent.
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
    if (isObject(v)) {
      // Numeric keys in their numeric order (Rails' fields_attributes); others after, as given.
      const keys = Object.keys(v);
      const numeric = keys.filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
      return [...numeric, ...keys.filter((k) => !/^\d+$/.test(k))].map((k) => v[k]);
    }
    return [v];
  }, z.array(item).max(max).optional());
}

/** Validates with `schema`; a failure is Mastodon's 422 with the first problem named. */
export function validate<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.map(String).join(".") || "parameters";
  const given = issue ? valueAt(input, issue.path) : undefined;
  throw new ApiError(
    422,
    `Validation failed: ${field} ${issue ? describe(issue, given) : "is invalid"}`,
  );
}

/** The input value an issue is about (zod does not keep it by default). */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let node = input;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = Object.hasOwn(node, key) ? (node as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return node;
}

function describe(issue: z.core.$ZodIssue, given: unknown): string {
  switch (issue.code) {
    case "invalid_type":
      return given === undefined || given === null || given === ""
        ? "can't be blank"
        : "is invalid";
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
