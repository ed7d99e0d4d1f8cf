// What a web page says about itself, for its preview card, as Mastodon's
// LinkDetailsExtractor (app/lib/link_details_extractor.rb): JSON-LD
// (NewsArticle or WebPage) first, then OpenGraph and Twitter meta tags, then
// <title>, <meta name="description"> and <html lang>. The page is read with
// htmlparser2's streaming parser (no document tree); the first of each tag
// wins, as Nokogiri's `pick`. Also finds the page's JSON oEmbed endpoint
// (FetchOEmbedService#discover_endpoint!).
import { Parser } from "htmlparser2";
import { validLanguage } from "../statuses/languages.ts";
import { iframeHtml } from "./oembed-html.ts";

export interface PageFacts {
  /** `<meta property|name=… content=…>`, the first of each key. */
  meta: Map<string, string>;
  /** `<meta name=… content=…>` only. */
  metaByName: Map<string, string>;
  title: string | null;
  lang: string | null;
  /** `<link rel=… type=… href=…>`, in order. */
  links: { rel: string; type: string; href: string }[];
  /** The text of each `<script type="application/ld+json">`. */
  jsonLd: string[];
}

/** The facts of an HTML document. */
export function parsePage(html: string): PageFacts {
  const facts: PageFacts = {
    meta: new Map(),
    metaByName: new Map(),
    title: null,
    lang: null,
    links: [],
    jsonLd: [],
  };
  let inTitle = false;
  let title = "";
  let script: string | null = null;
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        switch (name) {
          case "meta": {
            const content = attribs.content;
            if (content === undefined) break;
            for (const key of [attribs.property, attribs.name]) {
              if (key && !facts.meta.has(key)) facts.meta.set(key, content);
            }
            if (attribs.name && !facts.metaByName.has(attribs.name)) {
              facts.metaByName.set(attribs.name, content);
            }
            break;
          }
          case "title":
            if (facts.title === null) inTitle = true;
            break;
          case "html":
            if (facts.lang === null && attribs.lang) facts.lang = attribs.lang;
            break;
          case "link":
            if (attribs.href) {
              facts.links.push({
                rel: (attribs.rel ?? "").trim(),
                type: (attribs.type ?? "").trim().toLowerCase(),
                href: attribs.href.trim(),
              });
            }
            break;
          case "script":
            if ((attribs.type ?? "").trim().toLowerCase() === "application/ld+json") script = "";
            break;
        }
      },
      ontext(text) {
        if (inTitle) title += text;
        if (script !== null) script += text;
      },
      onclosetag(name) {
        if (name === "title" && inTitle) {
          inTitle = false;
          facts.title = title;
        }
        if (name === "script" && script !== null) {
          facts.jsonLd.push(script);
          script = null;
        }
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  if (inTitle) facts.title = title;
  return facts;
}

/** LinkDetailsExtractor::StructuredData: the first NewsArticle or WebPage object. */
interface StructuredData {
  headline?: unknown;
  description?: unknown;
  inLanguage?: unknown;
  "@type"?: unknown;
  datePublished?: unknown;
  author?: unknown;
  publisher?: unknown;
}

const SUPPORTED_TYPES = ["NewsArticle", "WebPage"];
// Some publications wrap JSON-LD in commented-out CDATA markers.
const CDATA_JUNK =
  /^\s*(\/\*\s*<!\[CDATA\[\s*\*\/|\/\/\s*<!\[CDATA\[|\/\*\s*\]\]>\s*\*\/|\/\/\s*\]\]>)\s*$/gm;

function structuredData(facts: PageFacts): StructuredData | null {
  for (const text of facts.jsonLd) {
    try {
      const parsed = JSON.parse(text.replace(CDATA_JUNK, "")) as unknown;
      const roots = Array.isArray(parsed) ? parsed : [parsed];
      const found = roots.find(
        (o): o is StructuredData =>
          typeof o === "object" &&
          o !== null &&
          SUPPORTED_TYPES.includes((o as StructuredData)["@type"] as string),
      );
      if (found) return found;
    } catch {
      // Not JSON: the next one may be.
    }
  }
  return null;
}

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);
const prop = (v: unknown, key: string): unknown =>
  typeof v === "object" && v !== null ? (v as Record<string, unknown>)[key] : undefined;

/** valid_url_or_nil: `value` made absolute against `base`, if http(s) with a host. */
export function absoluteUrl(
  value: string | null | undefined,
  base: string,
  sameOriginOnly = false,
): string | null {
  if (!value || value.trim() === "" || value === "null") return null;
  try {
    const url = new URL(value.trim(), base);
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    if (url.hostname === "") return null;
    if (sameOriginOnly && url.hostname !== new URL(base).hostname) return null;
    return url.href;
  } catch {
    return null;
  }
}

function date(value: unknown): Date | null {
  if (typeof value !== "string" || value.trim() === "") return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

const int = (value: string | undefined): number => {
  const n = Number.parseInt(value ?? "", 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
};

/** LinkDetailsExtractor#to_preview_card_attributes, and the image URL to download. */
export interface LinkDetails {
  /** The card's URL: the page's canonical URL (same host only), else the URL fetched. */
  url: string;
  title: string;
  description: string;
  imageUrl: string | null;
  imageDescription: string;
  type: "link" | "video";
  linkType: "article" | "unknown";
  width: number;
  height: number;
  html: string;
  providerName: string;
  providerUrl: string;
  authorName: string;
  authorUrl: string;
  embedUrl: string;
  language: string | null;
  publishedAt: Date | null;
}

/** The details of the page `facts` were read from, fetched at `pageUrl` (after redirects). */
export function linkDetails(facts: PageFacts, pageUrl: string): LinkDetails {
  const og = (name: string) => facts.meta.get(name);
  const data = structuredData(facts);
  const author = first(data?.author);
  const publisher = first(data?.publisher);
  const playerUrl = absoluteUrl(og("twitter:player"), pageUrl);
  const width = int(og("twitter:player:width"));
  const height = int(og("twitter:player:height"));
  const site = og("og:site");
  const inLanguage = first(data?.inLanguage);
  const language =
    typeof inLanguage === "object" && inLanguage !== null
      ? (prop(inLanguage, "alternateName") ?? prop(inLanguage, "name"))
      : inLanguage;
  return {
    url:
      absoluteUrl(
        facts.links.find((l) => l.rel.toLowerCase() === "canonical")?.href ?? og("og:url"),
        pageUrl,
        true,
      ) ?? pageUrl,
    title: (str(data?.headline) ?? og("og:title") ?? facts.title ?? "").trim(),
    description:
      str(data?.description) ?? og("og:description") ?? facts.metaByName.get("description") ?? "",
    imageUrl: absoluteUrl(og("og:image"), pageUrl),
    imageDescription: og("og:image:alt") ?? "",
    type: playerUrl ? "video" : "link",
    linkType:
      data?.["@type"] === "NewsArticle" || og("og:type") === "article" ? "article" : "unknown",
    width: playerUrl ? width : 0,
    height: playerUrl ? height : 0,
    html: playerUrl ? iframeHtml(playerUrl, width, height) : "",
    providerName: str(prop(publisher, "name")) ?? og("og:site_name") ?? "",
    providerUrl:
      absoluteUrl(site ? (/^https?:\/\//.test(site) ? site : `http://${site}`) : null, pageUrl) ??
      "",
    authorName: str(prop(author, "name")) ?? og("og:author") ?? og("og:author:username") ?? "",
    authorUrl: str(prop(author, "url")) ?? "",
    embedUrl: absoluteUrl(og("twitter:player:stream"), pageUrl) ?? "",
    language: validLanguage(language ?? og("og:locale") ?? facts.lang),
    publishedAt: date(data?.datePublished ?? og("article:published_time")),
  };
}

/** The page's JSON oEmbed endpoint, absolute (https when the page is), or null. */
export function oembedEndpoint(facts: PageFacts, pageUrl: string): string | null {
  const link = facts.links.find((l) => l.type === "application/json+oembed");
  const url = absoluteUrl(link?.href, pageUrl);
  if (!url) return null;
  // FetchOEmbedService: an http endpoint of an https page is asked over https.
  const parsed = new URL(url);
  if (new URL(pageUrl).protocol === "https:") parsed.protocol = "https:";
  return parsed.href;
}
