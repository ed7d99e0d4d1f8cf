// Reading other servers' documents: fetching an object by its id (as
// Mastodon's FetchResourceService: a document whose `id` is not the URL
// asked is fetched again by its own id, which must then match), and small
// readers of Fedify's values (URLs, Links, language strings, the raw
// JSON of properties Fedify does not model). Anything malformed is null,
// never an exception: documents from other servers are hostile until checked.
import type { DocumentLoader } from "@fedify/fedify";
import { Link, Object as APObject, type LanguageString } from "@fedify/vocab";
import type { FederationEnv } from "./env.ts";

/** What a handler fetches with: the inbox's (or the resolver's) loaders. */
export interface FetchContext {
  env: FederationEnv;
  documentLoader: DocumentLoader;
  contextLoader: DocumentLoader;
}

/** Whether two URLs (or URIs) share an origin. */
export function sameOrigin(a: URL | string, b: URL | string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/** An http(s) URL's href, else null. */
export function httpHref(value: URL | Link | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const raw = value instanceof Link ? value.href : value;
  if (!raw) return null;
  try {
    const url = new URL(raw);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

/** The first http(s) URL of `values`, a Link of `mediaType` first (Mastodon's url_to_href). */
export function preferredHref(
  values: readonly (URL | Link)[],
  mediaType = "text/html",
): string | null {
  const typed = values.find((v) => v instanceof Link && v.mediaType === mediaType);
  if (typed) return httpHref(typed);
  for (const v of values) {
    const href = httpHref(v);
    if (href) return href;
  }
  return null;
}

/** A plain or language-tagged string as a string. */
export function text(value: string | LanguageString | null | undefined): string {
  return value === null || value === undefined ? "" : String(value);
}

/** The JSON an object was read from (compact at the top, expanded when embedded). */
export async function rawJson(object: APObject): Promise<Record<string, unknown>> {
  try {
    const json = (await object.toJsonLd()) as unknown;
    return typeof json === "object" && json !== null ? (json as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A property of raw JSON by its compact name or expanded IRI: a string or an `@id`/`@value`. */
export function rawString(json: Record<string, unknown>, ...keys: string[]): string | null {
  for (const key of keys) {
    let value = json[key];
    if (Array.isArray(value)) value = value[0];
    if (typeof value === "string") return value;
    if (typeof value === "object" && value !== null) {
      const v = value as Record<string, unknown>;
      const inner = v["@id"] ?? v["@value"] ?? v.id;
      if (typeof inner === "string") return inner;
    }
  }
  return null;
}

async function load(fc: FetchContext, url: string): Promise<APObject | null> {
  try {
    const document = await fc.documentLoader(url);
    return await APObject.fromJsonLd(document.document, {
      documentLoader: fc.documentLoader,
      contextLoader: fc.contextLoader,
      baseUrl: new URL(document.documentUrl),
    });
  } catch (error) {
    fc.env.logger.debug("remote object not fetched", { url, err: error });
    return null;
  }
}

/**
 * The object at `url`, or null (unreachable, refused, not ActivityPub, no
 * id). An object whose id is another URL is fetched again by that id, and
 * kept only if it then says the same.
 */
export async function fetchObject(fc: FetchContext, url: string): Promise<APObject | null> {
  if (!httpHref(url)) return null;
  const first = await load(fc, url);
  if (!first?.id) return null;
  if (first.id.href === url) return first;
  const again = await load(fc, first.id.href);
  return again?.id?.href === first.id.href ? again : null;
}
