// What fetching preview cards needs, and its limits: Mastodon's Request
// limits for a page (10 s for the whole fetch, 1 MB of HTML, the rest of a
// larger page ignored), at most 5 redirects, and PreviewCard::LIMIT (2 MB)
// for the image. Loopback and private addresses are refused unless
// ALLOW_PRIVATE_ADDRESS.
import type { Db } from "../../db/database.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import type { Lookup } from "../../lib/safe-fetch.ts";
import type { MediaStorage } from "../../storage/storage.ts";
import type { Urls } from "../../urls.ts";

export interface CardFetchSettings {
  allowPrivateAddress: boolean;
  /** One fetch (page, oEmbed document or image), redirects and body included. */
  timeoutMs: number;
  maxRedirects: number;
  /** HTML beyond this is not read. */
  htmlBytes: number;
  /** oEmbed documents and images beyond this are refused. */
  maxBytes: number;
  userAgent: string;
  /** DNS resolution (tests name their own hosts). */
  lookup?: Lookup;
}

export const DEFAULT_CARD_FETCH: Omit<CardFetchSettings, "allowPrivateAddress" | "userAgent"> = {
  timeoutMs: 10_000,
  maxRedirects: 5,
  htmlBytes: 1024 * 1024,
  maxBytes: 2 * 1024 * 1024,
};

export interface CardContext {
  db: Db;
  storage: MediaStorage;
  jobs: JobQueue;
  fetch: CardFetchSettings;
  /** Hosts that are this server: links to them get no card. */
  localHosts: readonly string[];
  /** Profile URLs of local accounts (links to mentioned accounts get no card). */
  urls: Pick<Urls, "profile">;
}

/** The names of the card jobs (src/jobs/workers.ts registers their handlers). */
export const CARD_JOBS = {
  /** { statusId }: find the status's link and give it a card (or take its card away). */
  fetch: "cards.fetch",
} as const;

/** A card is fetched again when a status links to it after this long (Mastodon: 2 weeks). */
export const CARD_REFRESH_MS = 14 * 24 * 60 * 60 * 1000;
