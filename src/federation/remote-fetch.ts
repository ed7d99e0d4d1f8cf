// Fetching from other servers, with limits, so that Herd cannot be turned
// against internal networks nor held up by a hostile server
// (https://docs.joinmastodon.org/spec/security/, Mastodon's Request class):
// - only http(s), and no loopback, private or link-local address unless
//   ALLOW_PRIVATE_ADDRESS (development only) — checked before every hop;
// - at most MAX_REDIRECTS redirects, each checked again;
// - a whole fetch (connection, headers and body) within FETCH_TIMEOUT_MS;
// - bodies of at most MAX_BODY_BYTES (Mastodon reads at most 1 MB of JSON).
// Fedify's own document loaders have no time or size limit, so Herd gives
// Fedify these instead (documentLoaderFactory, contextLoaderFactory,
// authenticatedDocumentLoaderFactory); its WebFinger lookups
// (remote-webfinger.ts) go through fetchJson below.
import {
  createActivityPubRequest,
  FetchError,
  getRemoteDocument,
  kvCache,
  preloadedContexts,
  signRequest,
  validatePublicUrl,
  type DocumentLoader,
  type KvStore,
  type RemoteDocument,
} from "@fedify/fedify";
import type { webcrypto } from "node:crypto";

export const MAX_BODY_BYTES = 1024 * 1024;
export const FETCH_TIMEOUT_MS = 10_000;
export const MAX_REDIRECTS = 3;

export interface FetchPolicy {
  /** ALLOW_PRIVATE_ADDRESS: loopback and private addresses may be fetched. */
  allowPrivateAddress: boolean;
  userAgent: string;
}

/** Refuses what may not be fetched (a FetchError, as Fedify's loaders throw). */
async function checkUrl(url: string, policy: FetchPolicy): Promise<void> {
  const parsed = new URL(url);
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new FetchError(url, `Refused to fetch a ${parsed.protocol} URL`);
  }
  if (policy.allowPrivateAddress) return;
  try {
    await validatePublicUrl(url);
  } catch (error) {
    throw new FetchError(url, `Refused to fetch ${url}: ${(error as Error).message}`);
  }
}

/** The body of `response`, refused past MAX_BODY_BYTES (announced or read). */
async function readLimited(url: string, response: Response): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) {
    await response.body?.cancel().catch(() => undefined);
    throw new FetchError(url, `Response too large (${declared} bytes)`);
  }
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new FetchError(url, `Response too large (more than ${MAX_BODY_BYTES} bytes)`);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}

const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * GETs `url` within the limits, following redirects; `prepare` may sign
 * each hop's request. Resolves to the final URL and a response whose body
 * is already read (so that it is within MAX_BODY_BYTES).
 */
export async function fetchLimited(
  url: string,
  policy: FetchPolicy,
  prepare: (url: string) => Promise<Request> | Request,
  signal?: AbortSignal,
): Promise<{ url: string; response: Response }> {
  const timeout = AbortSignal.timeout(FETCH_TIMEOUT_MS);
  const abort = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let current = url;
  for (let hop = 0; ; hop++) {
    await checkUrl(current, policy);
    const response = await fetch(await prepare(current), { redirect: "manual", signal: abort });
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel().catch(() => undefined);
      if (hop >= MAX_REDIRECTS) throw new FetchError(current, "Too many redirects");
      current = new URL(location, current).href;
      continue;
    }
    const body = await readLimited(current, response);
    return {
      url: current,
      response: new Response(NULL_BODY.has(response.status) ? null : body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      }),
    };
  }
}

/** GETs JSON (WebFinger) within the limits; null when it is not a JSON object. */
export async function fetchJson(
  url: string,
  policy: FetchPolicy,
  accept: string,
): Promise<{ status: number; body: Record<string, unknown> | null }> {
  const { response } = await fetchLimited(
    url,
    policy,
    (u) => new Request(u, { headers: { accept, "user-agent": policy.userAgent } }),
  );
  if (!response.ok) return { status: response.status, body: null };
  try {
    const body = (await response.json()) as unknown;
    const isObject = typeof body === "object" && body !== null && !Array.isArray(body);
    return { status: response.status, body: isObject ? (body as Record<string, unknown>) : null };
  } catch {
    return { status: response.status, body: null };
  }
}

function makeLoader(
  policy: FetchPolicy,
  sign?: (request: Request) => Promise<Request>,
): DocumentLoader {
  const load: DocumentLoader = async (url, options): Promise<RemoteDocument> => {
    if (url in preloadedContexts) {
      return { contextUrl: null, document: preloadedContexts[url], documentUrl: url };
    }
    const fetched = await fetchLimited(
      url,
      policy,
      (u) => {
        const request = createActivityPubRequest(u, { userAgent: policy.userAgent });
        return sign ? sign(request) : request;
      },
      options?.signal,
    );
    return getRemoteDocument(fetched.url, fetched.response, load);
  };
  return load;
}

/** The loader factories Herd gives Fedify (createFederation's options). */
export function remoteLoaderFactories(policy: FetchPolicy, kv: KvStore) {
  // Remote documents are cached for five minutes, as Fedify's own loaders do.
  const cached = () => kvCache({ loader: makeLoader(policy), kv });
  return {
    documentLoaderFactory: cached,
    contextLoaderFactory: cached,
    /** Signed fetches (for servers in authorized-fetch mode), never cached, as Fedify's. */
    authenticatedDocumentLoaderFactory: (identity: {
      keyId: URL;
      privateKey: webcrypto.CryptoKey;
    }) =>
      makeLoader(policy, (request) => signRequest(request, identity.privateKey, identity.keyId)),
  };
}
