// GET /system/<key>: the media files of local storage, as Mastodon's nginx
// serves public/system (https://docs.joinmastodon.org/admin/install/#setting-up-nginx):
// the content type of the stored file, cached for a year as immutable, in a
// sandbox (no scripts even if a file were HTML), with byte ranges (browsers
// seek in video and audio with them). With S3 storage the files are not here.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import type { Context, Hono } from "hono";
import type { HerdEnv } from "../http/env.ts";
import { respondWithError } from "../http/errors.ts";
import { contentTypeOf } from "./content-types.ts";
import { localMediaRoot } from "./index.ts";
import { localPath } from "./local.ts";
import { IMMUTABLE_CACHE_CONTROL, isValidKey } from "./storage.ts";

const PREFIX = "/system/";

/** The key a request path names, or null (undecodable, or not a key Herd writes). */
function keyOf(pathname: string): string | null {
  if (!pathname.startsWith(PREFIX)) return null;
  let key: string;
  try {
    key = decodeURIComponent(pathname.slice(PREFIX.length));
  } catch {
    return null;
  }
  return isValidKey(key) ? key : null;
}

/** One `bytes=` range (RFC 9110 §14.1.2); several ranges are answered whole. */
function parseRange(header: string, size: number): { start: number; end: number } | "bad" | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  const [, from = "", to = ""] = m;
  if (from === "" && to === "") return null;
  let start: number;
  let end: number;
  if (from === "") {
    const suffix = Number(to);
    if (suffix === 0) return "bad";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(from);
    end = to === "" ? size - 1 : Math.min(Number(to), size - 1);
  }
  if (start >= size || start > end) return "bad";
  return { start, end };
}

async function serve(c: Context<HerdEnv>) {
  const { config } = c.get("deps");
  const key = keyOf(new URL(c.req.url).pathname);
  if (config.media.s3 || key === null) return respondWithError(c, 404, "Record not found");
  const file = localPath(localMediaRoot(config), key);
  let info;
  try {
    info = await stat(file);
  } catch {
    return respondWithError(c, 404, "Record not found");
  }
  if (!info.isFile()) return respondWithError(c, 404, "Record not found");

  const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  const headers: Record<string, string> = {
    "Cache-Control": IMMUTABLE_CACHE_CONTROL,
    ETag: etag,
    "Last-Modified": info.mtime.toUTCString(),
    "Accept-Ranges": "bytes",
    "Content-Security-Policy": "default-src 'none'; form-action 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Access-Control-Allow-Origin": "*",
  };
  const match = c.req.header("if-none-match");
  if (match && match.split(",").some((t) => [etag, "*"].includes(t.trim().replace(/^W\//, "")))) {
    return c.body(null, 304, headers);
  }
  headers["Content-Type"] = contentTypeOf(key);

  const rangeHeader = c.req.header("range");
  const range = rangeHeader ? parseRange(rangeHeader, info.size) : null;
  if (range === "bad") {
    return c.body(null, 416, { ...headers, "Content-Range": `bytes */${info.size}` });
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? info.size - 1;
  headers["Content-Length"] = String(info.size === 0 ? 0 : end - start + 1);
  if (range) headers["Content-Range"] = `bytes ${start}-${end}/${info.size}`;
  if (c.req.method === "HEAD" || info.size === 0) {
    return c.body(null, range ? 206 : 200, headers);
  }
  const stream = Readable.toWeb(createReadStream(file, { start, end })) as ReadableStream;
  return c.body(stream, range ? 206 : 200, headers);
}

/** Mounts /system/* (answering 404 when the files are on S3). */
export function registerMediaFileRoutes(app: Hono<HerdEnv>): void {
  app.get("/system/*", serve);
}
