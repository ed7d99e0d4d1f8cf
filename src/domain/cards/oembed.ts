// A preview card from an oEmbed document (https://oembed.com/), as Mastodon's
// FetchLinkCardService#attempt_oembed and FetchOEmbedService#validate: the
// document must say version 1.0 and a type; `link` cards take the
// thumbnail, `photo` cards need the photo's URL (their image and embed_url),
// `video` cards keep their html (sanitized) and thumbnail; `rich` cards are
// refused ("most providers rely on <script> tags"), and so are other types:
// the page's OpenGraph tags are used instead. URLs are made absolute against
// the endpoint's URL. Herd reads JSON oEmbed only (not the XML form).
import { absoluteUrl } from "./link-details.ts";
import { sanitizeOembedHtml } from "./oembed-html.ts";

export interface OembedCard {
  type: "link" | "photo" | "video";
  title: string;
  authorName: string;
  authorUrl: string;
  providerName: string;
  providerUrl: string;
  width: number;
  height: number;
  html: string;
  embedUrl: string;
  imageUrl: string | null;
}

const text = (v: unknown): string =>
  typeof v === "string" ? v : typeof v === "number" ? String(v) : "";

const size = (v: unknown): number => {
  const n = typeof v === "number" ? v : Number.parseInt(text(v), 10);
  return Number.isFinite(n) && n > 0 ? Math.min(Math.round(n), 100_000) : 0;
};

/** The card an oEmbed document makes, or null when it makes none. */
export function oembedCard(body: string, endpointUrl: string): OembedCard | null {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return null;
  const o = doc as Record<string, unknown>;
  if (text(o.version) !== "1.0" && o.version !== 1) return null;
  const type = text(o.type);
  const url = (v: unknown) => absoluteUrl(text(v), endpointUrl) ?? "";
  const base = {
    title: text(o.title),
    authorName: text(o.author_name),
    authorUrl: url(o.author_url),
    providerName: text(o.provider_name),
    providerUrl: url(o.provider_url),
    width: 0,
    height: 0,
    html: "",
    embedUrl: "",
    imageUrl: absoluteUrl(text(o.thumbnail_url), endpointUrl),
  };
  switch (type) {
    case "link":
      return { ...base, type };
    case "photo": {
      const photo = absoluteUrl(text(o.url), endpointUrl);
      if (!photo) return null;
      return {
        ...base,
        type,
        embedUrl: photo,
        imageUrl: photo,
        width: size(o.width),
        height: size(o.height),
      };
    }
    case "video":
      return {
        ...base,
        type,
        width: size(o.width),
        height: size(o.height),
        html: sanitizeOembedHtml(text(o.html)),
      };
    default:
      return null;
  }
}
