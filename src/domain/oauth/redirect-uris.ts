// Redirect URIs as Doorkeeper checks them: when an app registers
// (Doorkeeper::RedirectUriValidator, with Mastodon's forbid_redirect_uri for
// data:, vbscript: and javascript:) and when an authorization request names one
// (Doorkeeper::OAuth::Helpers::URIChecker). Custom schemes (`myapp://callback`)
// are allowed for native apps, and the out-of-band URN shows the code instead
// of redirecting (https://docs.joinmastodon.org/methods/oauth/#authorize).

export const OOB_REDIRECT_URI = "urn:ietf:wg:oauth:2.0:oob";
const OOB_URIS = new Set([OOB_REDIRECT_URI, "urn:ietf:wg:oauth:2.0:oob:auto"]);

export function isOobUri(uri: string): boolean {
  return OOB_URIS.has(uri);
}

interface UriParts {
  scheme: string | null;
  authority: string | null;
  path: string;
  query: string | null;
  fragment: string | null;
}

// Characters RFC 3986 allows in a URI; anything else makes Ruby's parser fail.
const URI_CHARS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
const SPLIT = /^(?:([^:/?#]+):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/;

/** Splits a URI into RFC 3986 components; null when it is not a URI at all. */
function parseUri(value: string): UriParts | null {
  if (!URI_CHARS.test(value) || BAD_PERCENT.test(value)) return null;
  const m = SPLIT.exec(value);
  if (!m) return null;
  const scheme = m[1] ?? null;
  if (scheme !== null && !SCHEME.test(scheme)) return null;
  const path = m[3] ?? "";
  // A relative reference whose first segment has a colon is not a URI.
  if (scheme === null && m[2] === undefined && /^[^/]*:/.test(path)) return null;
  return {
    scheme,
    authority: m[2] ?? null,
    path,
    query: m[4] ?? null,
    fragment: m[5] ?? null,
  };
}

/** The host of an authority (without user info and port), lower-cased. */
function hostOf(authority: string | null): string | null {
  if (authority === null) return null;
  const afterUser = authority.slice(authority.lastIndexOf("@") + 1);
  const host = afterUser.startsWith("[")
    ? afterUser.slice(0, afterUser.indexOf("]") + 1)
    : afterUser.replace(/:\d*$/, "");
  return host.toLowerCase();
}

const DEFAULT_PORTS: Record<string, string> = { http: "80", https: "443" };

/** An authority compared as Ruby's URI#== does: host lower-cased, default port dropped. */
function normalAuthority(scheme: string, authority: string | null, ignorePort: boolean) {
  if (authority === null) return null;
  const at = authority.lastIndexOf("@") + 1;
  const rest = authority.slice(at);
  const hostPart = rest.startsWith("[")
    ? rest.slice(0, rest.indexOf("]") + 1)
    : rest.replace(/:\d*$/, "");
  let port = rest.slice(hostPart.length).replace(/^:/, "");
  if (ignorePort || port === DEFAULT_PORTS[scheme]) port = "";
  return `${authority.slice(0, at)}${hostPart.toLowerCase()}:${port}`;
}

/** Errors of one registered redirect URI, as Doorkeeper's validator words them. */
export function redirectUriErrors(value: string): string[] {
  if (isOobUri(value)) return [];
  const uri = parseUri(value);
  if (!uri) return ["must be a valid URI."];
  const errors: string[] = [];
  const scheme = uri.scheme?.toLowerCase() ?? null;
  if (scheme === "data" || scheme === "vbscript" || scheme === "javascript") {
    errors.push("is forbidden by the server.");
  }
  if (uri.fragment !== null) errors.push("cannot contain a fragment.");
  const opaque = scheme !== null && uri.authority === null && !uri.path.startsWith("/");
  if (opaque || scheme === "localhost") errors.push("must specify a scheme.");
  if (scheme === null && uri.authority === null) errors.push("must be an absolute URI.");
  return errors;
}

/** Whitespace-separated redirect URIs (one a line, as Doorkeeper stores them). */
export function splitRedirectUris(value: string): string[] {
  return value.split(/\s+/).filter(Boolean);
}

function isLoopback(host: string | null): boolean {
  return host !== null && (/^127(\.\d{1,3}){3}$/.test(host) || host === "[::1]");
}

function sameQuery(a: string | null, b: string): boolean {
  const sorted = (q: string) => [...new URLSearchParams(q)].map(([k, v]) => `${k}=${v}`).sort();
  return a !== null && JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
}

/**
 * Whether `requested` may be used with an app registered with `registered`:
 * the same URI, with Doorkeeper's allowances (query parameters in any order;
 * extra query parameters when the registered URI has none; any port on a
 * loopback address, as RFC 8252 section 7.3 asks).
 */
export function redirectUriMatches(requested: string, registered: readonly string[]): boolean {
  if (isOobUri(requested)) return registered.includes(requested);
  const req = parseUri(requested);
  if (!req || req.scheme === null || req.fragment !== null) return false;
  if (req.authority === null && !req.path.startsWith("/")) return false;
  if (/^https?$/i.test(req.scheme) && !hostOf(req.authority)) return false;
  const scheme = req.scheme.toLowerCase();
  return registered.some((candidate) => {
    const reg = parseUri(candidate);
    if (!reg || reg.scheme?.toLowerCase() !== scheme) return false;
    if (reg.query !== null && !sameQuery(req.query, reg.query)) return false;
    const loopback = isLoopback(hostOf(reg.authority)) && isLoopback(hostOf(req.authority));
    return (
      normalAuthority(scheme, reg.authority, loopback) ===
        normalAuthority(scheme, req.authority, loopback) && reg.path === req.path
    );
  });
}

/** `base` with `params` added to its query string (the redirect back to the client). */
export function withQuery(base: string, params: Record<string, string | null | undefined>): string {
  const extra = Object.entries(params)
    .filter((e): e is [string, string] => typeof e[1] === "string")
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
  if (!extra) return base;
  const hash = base.indexOf("#");
  const head = hash === -1 ? base : base.slice(0, hash);
  const sep = head.includes("?") ? (head.endsWith("?") || head.endsWith("&") ? "" : "&") : "?";
  return head + sep + extra;
}
