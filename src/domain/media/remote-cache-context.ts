// What caching remote media needs (remote-cache*.ts): the media context, the
// CACHE_REMOTE_MEDIA mode, and the limits of fetching another server's files
// with the safe fetcher (src/lib/safe-fetch.ts): http(s) only, loopback and
// private addresses refused unless ALLOW_PRIVATE_ADDRESS, a deadline for the
// whole fetch, and the size limits of uploads (MediaAttachment's IMAGE_LIMIT
// and VIDEO_LIMIT, Account::Avatar's 8 MB), past which nothing is kept.
import type { Lookup } from "../../lib/safe-fetch.ts";
import type { MediaContext } from "./context.ts";

/** CACHE_REMOTE_MEDIA (src/config.ts). */
export type RemoteCacheMode = "receipt" | "view" | "never";

export interface RemoteFetchSettings {
  allowPrivateAddress: boolean;
  /** One download, redirects and body included. */
  timeoutMs: number;
  maxRedirects: number;
  userAgent: string;
  /** DNS resolution (tests name their own hosts). */
  lookup?: Lookup;
}

/**
 * A minute for a download: a 99 MB video on a slow link. Mastodon's Request
 * has per-operation timeouts instead (5 s to connect, 10 s per read).
 */
export const DEFAULT_REMOTE_FETCH: Pick<RemoteFetchSettings, "timeoutMs" | "maxRedirects"> = {
  timeoutMs: 60_000,
  maxRedirects: 3,
};

export interface RemoteCacheContext extends MediaContext {
  mode: RemoteCacheMode;
  fetch: RemoteFetchSettings;
}

/** The names of the remote media jobs (src/jobs/workers.ts registers their handlers). */
export const REMOTE_MEDIA_JOBS = {
  /** { mediaId }: copy a remote post's attachment into storage (mode "receipt"). */
  attachment: "media.fetch-remote",
  /** { accountId }: copy a remote account's avatar and header into storage (or drop stale copies). */
  profile: "media.fetch-remote-profile",
} as const;

/** Where cached copies of remote files go: Mastodon's `cache/` prefix (Paperclip's :prefix_path). */
export const CACHE_PREFIX = "cache";

/** The key of a cached copy: `cache/` and the key a local file of the same kind would have. */
export const cacheKey = (key: string) => `${CACHE_PREFIX}/${key}`;

/** The folders of cached copies, with the labels `herd media usage` gives them. */
export const CACHE_USAGE_FOLDERS: readonly [label: string, prefix: string][] = [
  ["Cached remote attachments", "cache/media_attachments"],
  ["Cached remote avatars", "cache/accounts/avatars"],
  ["Cached remote headers", "cache/accounts/headers"],
];
