// GET requests to URLs that users wrote (link previews, their images and
// oEmbed documents), with the limits of Mastodon's Request class
// (app/lib/request.rb) so that Herd cannot be turned against internal
// networks nor held up by a hostile server:
// - only http and https;
// - no loopback, private, link-local, multicast or reserved address
//   (PrivateAddressCheck's list) unless `allowPrivateAddress`
//   (ALLOW_PRIVATE_ADDRESS, development only). The check is made on the
//   addresses the connection is actually opened to: the DNS answer is checked
//   inside the socket's own lookup, so a name cannot resolve to a public
//   address for the check and to a private one for the connection (DNS
//   rebinding); literal addresses in the URL are checked before connecting;
// - at most `maxRedirects` redirects, each hop checked again;
// - one deadline for the whole fetch (connections, redirects and body);
// - at most `maxBytes` of (decompressed) body: truncated, as Mastodon's
//   truncated_body for HTML, or refused, as its body_with_limit.
// Pure: no imports from src.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import http from "node:http";
import https from "node:https";
import { BlockList, isIP } from "node:net";
import type { Readable } from "node:stream";
import zlib from "node:zlib";

export type FetchFailure = "refused" | "timeout" | "too-large" | "redirects" | "network";

export class SafeFetchError extends Error {
  override name = "SafeFetchError";
  readonly url: string;
  readonly reason: FetchFailure;
  constructor(url: string, reason: FetchFailure, message: string) {
    super(message);
    this.url = url;
    this.reason = reason;
  }
}

/** dns.lookup with `all: true`; tests give one that names their own hosts. */
export type Lookup = (
  hostname: string,
  options: LookupOptions & { all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export interface SafeFetchOptions {
  allowPrivateAddress: boolean;
  /** The whole fetch, redirects and body included. */
  timeoutMs: number;
  maxBytes: number;
  /** Past maxBytes: keep the first maxBytes ("truncate") or fail ("error"). */
  overflow: "truncate" | "error";
  maxRedirects: number;
  userAgent: string;
  accept: string;
  lookup?: Lookup;
}

export interface SafeResponse {
  /** The URL that answered (after redirects). */
  url: string;
  status: number;
  /** The media type, lowercased, without parameters. */
  mimeType: string | null;
  charset: string | null;
  /** Empty unless the status is 2xx. */
  body: Buffer;
  truncated: boolean;
}

let blocked: BlockList | null = null;

/** PrivateAddressCheck (app/lib/private_address_check.rb), plus loopback, private and link-local. */
function blockList(): BlockList {
  if (blocked) return blocked;
  const list = new BlockList();
  const v4 = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.88.99.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
  ];
  const v6 = [
    "::/128",
    "::1/128",
    "64:ff9b::/96",
    "100::/64",
    "2001::/32",
    "2001:10::/28",
    "2001:20::/28",
    "2001:db8::/32",
    "2002::/16",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
  ];
  for (const cidr of v4) {
    const [net, prefix] = cidr.split("/");
    list.addSubnet(net!, Number(prefix), "ipv4");
  }
  for (const cidr of v6) {
    const [net, prefix] = cidr.split("/");
    list.addSubnet(net!, Number(prefix), "ipv6");
  }
  blocked = list;
  return list;
}

/** Whether `address` (an IP literal) may not be fetched without ALLOW_PRIVATE_ADDRESS. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return isPrivateAddress(mapped[1]!);
  const family = isIP(bare);
  if (family === 0) return true; // not an address at all: refuse
  return blockList().check(bare, family === 4 ? "ipv4" : "ipv6");
}

const defaultLookup: Lookup = (hostname, options, callback) =>
  dnsLookup(hostname, options, callback);

/** The socket's lookup: resolves, refuses private addresses, answers in the form asked. */
function guardedLookup(url: string, options: SafeFetchOptions) {
  const base = options.lookup ?? defaultLookup;
  return (
    hostname: string,
    lookupOptions: LookupOptions,
    callback: (
      error: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void,
  ) => {
    base(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      if (!options.allowPrivateAddress) {
        const bad = addresses.find((a) => isPrivateAddress(a.address));
        if (bad) {
          return callback(
            new SafeFetchError(url, "refused", `${hostname} is a private address (${bad.address})`),
            [],
          );
        }
      }
      const first = addresses[0];
      if (!first) {
        return callback(
          Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }),
          [],
        );
      }
      if (lookupOptions.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

function checkUrl(url: URL, options: SafeFetchOptions): void {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new SafeFetchError(url.href, "refused", `refused to fetch a ${url.protocol} URL`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) !== 0 && !options.allowPrivateAddress && isPrivateAddress(host)) {
    throw new SafeFetchError(url.href, "refused", `${host} is a private address`);
  }
}

function open(url: URL, options: SafeFetchOptions, signal: AbortSignal) {
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    const client = url.protocol === "https:" ? https : http;
    const request = client.request(url, {
      method: "GET",
      headers: {
        "user-agent": options.userAgent,
        accept: options.accept,
        "accept-encoding": "gzip, deflate, br",
      },
      agent: false,
      signal,
      lookup: guardedLookup(url.href, options) as never,
    });
    request.once("response", resolve);
    // `on`, not `once`: a request may fail again after it answered (aborted mid-body).
    request.on("error", reject);
    request.end();
  });
}

function decompressor(encoding: string): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | null {
  switch (encoding) {
    case "gzip":
    case "x-gzip":
      return zlib.createGunzip();
    case "deflate":
      return zlib.createInflate();
    case "br":
      return zlib.createBrotliDecompress();
    default:
      return null;
  }
}

/** The body as sent, decompressed; a failure of the response fails the stream read. */
function decoded(res: http.IncomingMessage, url: string): Readable {
  const encoding = String(res.headers["content-encoding"] ?? "identity")
    .trim()
    .toLowerCase();
  if (encoding === "" || encoding === "identity") return res;
  const inflate = decompressor(encoding);
  if (!inflate) {
    res.destroy();
    throw new SafeFetchError(url, "network", `unsupported content encoding: ${encoding}`);
  }
  res.on("error", (error) => inflate.destroy(error));
  return res.pipe(inflate);
}

async function readBody(
  res: http.IncomingMessage,
  url: string,
  options: SafeFetchOptions,
  signal: AbortSignal,
): Promise<{ body: Buffer; truncated: boolean }> {
  const declared = Number(res.headers["content-length"] ?? "NaN");
  if (options.overflow === "error" && declared > options.maxBytes) {
    res.destroy();
    throw new SafeFetchError(url, "too-large", `body too large (${declared} bytes)`);
  }
  const stream = decoded(res, url);
  const abort = () => stream.destroy(new Error("aborted"));
  signal.addEventListener("abort", abort, { once: true });
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (size + chunk.length > options.maxBytes) {
        if (options.overflow === "error") {
          throw new SafeFetchError(url, "too-large", `body over ${options.maxBytes} bytes`);
        }
        chunks.push(chunk.subarray(0, options.maxBytes - size));
        size = options.maxBytes;
        truncated = true;
        break;
      }
      chunks.push(chunk);
      size += chunk.length;
    }
  } finally {
    signal.removeEventListener("abort", abort);
    stream.destroy();
    res.destroy();
  }
  return { body: Buffer.concat(chunks, size), truncated };
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function contentType(res: http.IncomingMessage) {
  const header = String(res.headers["content-type"] ?? "");
  const [type = "", ...params] = header.split(";");
  const charset = params
    .map((p) => /^\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(p)?.[1])
    .find((c) => c !== undefined);
  return { mimeType: type.trim().toLowerCase() || null, charset: charset ?? null };
}

/** GETs `url` within `options`' limits; throws SafeFetchError when refused or failed. */
export async function safeGet(url: string, options: SafeFetchOptions): Promise<SafeResponse> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    clearTimeout(timer);
    throw new SafeFetchError(url, "refused", `not a URL: ${url}`);
  }
  try {
    for (let hop = 0; ; hop++) {
      checkUrl(current, options);
      const res = await open(current, options, controller.signal);
      const location = res.headers.location;
      if (REDIRECTS.has(res.statusCode ?? 0) && location) {
        res.destroy();
        if (hop >= options.maxRedirects) {
          throw new SafeFetchError(url, "redirects", `more than ${options.maxRedirects} redirects`);
        }
        current = new URL(location, current);
        continue;
      }
      const status = res.statusCode ?? 0;
      const type = contentType(res);
      if (status < 200 || status >= 300) {
        res.destroy();
        return { url: current.href, status, ...type, body: Buffer.alloc(0), truncated: false };
      }
      const { body, truncated } = await readBody(res, current.href, options, controller.signal);
      return { url: current.href, status, ...type, body, truncated };
    }
  } catch (error) {
    if (timedOut) {
      throw new SafeFetchError(url, "timeout", `no answer within ${options.timeoutMs} ms`);
    }
    if (error instanceof SafeFetchError) throw error;
    // The lookup's refusal reaches here wrapped by the socket at times.
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof SafeFetchError) throw cause;
    throw new SafeFetchError(url, "network", (error as Error).message);
  } finally {
    clearTimeout(timer);
  }
}
