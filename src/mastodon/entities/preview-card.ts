// PreviewCard (https://docs.joinmastodon.org/entities/PreviewCard/), as
// Mastodon's REST::PreviewCardSerializer: `url` is the link as the status
// wrote it (PreviewCard#original_url) when there is one; `image` the stored
// thumbnail's URL; `authors` one PreviewCardAuthor made of author_name and
// author_url (PreviewCard#authors; Herd links no fediverse account to cards
// yet, so `account` is null); `published_at` an ISO 8601 time or null.
import type { PreviewCardRow, PreviewCardType } from "../../db/schema/index.ts";
import type { Urls } from "../../urls.ts";

export interface PreviewCardAuthor {
  name: string;
  url: string;
  account: null;
}

export interface PreviewCard {
  url: string;
  title: string;
  description: string;
  language: string | null;
  type: PreviewCardType;
  author_name: string;
  author_url: string;
  provider_name: string;
  provider_url: string;
  html: string;
  width: number;
  height: number;
  image: string | null;
  image_description: string;
  embed_url: string;
  blurhash: string | null;
  published_at: string | null;
  authors: PreviewCardAuthor[];
}

export function serializePreviewCard(
  card: PreviewCardRow & { originalUrl?: string | null },
  urls: Urls,
): PreviewCard {
  return {
    url: card.originalUrl || card.url,
    title: card.title,
    description: card.description,
    language: card.language,
    type: card.type,
    author_name: card.authorName,
    author_url: card.authorUrl,
    provider_name: card.providerName,
    provider_url: card.providerUrl,
    html: card.html,
    width: card.width,
    height: card.height,
    image: urls.file(card.imageKey),
    image_description: card.imageDescription,
    embed_url: card.embedUrl,
    blurhash: card.blurhash,
    published_at: card.publishedAt ? card.publishedAt.toISOString() : null,
    authors: [{ name: card.authorName, url: card.authorUrl, account: null }],
  };
}
