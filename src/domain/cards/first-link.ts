// The link of a status that gets a preview card, as Mastodon's
// FetchLinkCardService#parse_urls and #bad_url?: the first link of the
// status that is not a mention or a hashtag (rel="tag", or a class of
// u-url, h-card, mention or hashtag), not one of the status's mentions'
// profile URLs, http or https, with a host that is not this server's, and
// short enough for the unique index (2,692 bytes).
//
// Mastodon scans a local status's source text with twitter-text's URL
// pattern and a remote one's HTML; Herd reads the links of the rendered
// content for both: a local status's content was linked by the same
// twitter-text rules (src/lib/text-to-html.ts), so the two agree.
import { Parser } from "htmlparser2";

/** PreviewCard::URL_CHARACTER_LIMIT. */
export const URL_BYTES_LIMIT = 2692;

export interface LinkContext {
  /** Hosts that are this server (LOCAL_DOMAIN, WEB_DOMAIN). */
  localHosts: readonly string[];
  /** The profile URLs of the accounts the status mentions. */
  mentionUrls: readonly string[];
}

function skipped(attribs: Record<string, string>, ctx: LinkContext): boolean {
  const rel = (attribs.rel ?? "").split(/\s+/);
  if (rel.includes("tag")) return true;
  if (/u-url|h-card|mention|hashtag/.test(attribs.class ?? "")) return true;
  return ctx.mentionUrls.includes(attribs.href ?? "");
}

/** bad_url?: no host, this server, not http(s), or too long. */
function usable(href: string, ctx: LinkContext): string | null {
  let url: URL;
  try {
    url = new URL(href.trim());
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (url.hostname === "") return null;
  const host = url.host.toLowerCase();
  if (ctx.localHosts.some((h) => h.toLowerCase() === host || h.toLowerCase() === url.hostname)) {
    return null;
  }
  if (new TextEncoder().encode(url.href).length > URL_BYTES_LIMIT) return null;
  return url.href;
}

/** The URL of the status whose card is wanted, or null. */
export function firstLink(contentHtml: string, ctx: LinkContext): string | null {
  let found: string | null = null;
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (found !== null || name !== "a" || !attribs.href) return;
        if (skipped(attribs, ctx)) return;
        found = usable(attribs.href, ctx);
      },
    },
    { decodeEntities: true },
  );
  parser.write(contentHtml);
  parser.end();
  return found;
}
