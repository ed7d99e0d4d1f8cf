// Herd's own URLs, built from LOCAL_HTTPS and WEB_DOMAIN. Paths follow Mastodon's
// so that links from other servers and clients keep working.
import type { Config } from "./config.ts";

export interface Urls {
  /** `https://example.com`, without a trailing slash. */
  base: string;
  profile(username: string): string;
  actor(username: string): string;
  tag(name: string): string;
  defaultAvatar: string;
  defaultHeader: string;
  /**
   * The public URL of a stored media file: a storage key (src/storage/) under
   * /system (local storage) or S3_ALIAS_HOST / the bucket; an absolute URL
   * (a remote account's image) as it is; null for none.
   */
  file(stored: string | null | undefined): string | null;
  streaming: string;
}

type UrlConfig = Pick<Config, "protocol" | "webDomain" | "streamingApiBaseUrl" | "media">;

/** One Urls per configuration (routes ask for it several times a request). */
const made = new WeakMap<UrlConfig, Urls>();

export function urlsFor(config: UrlConfig): Urls {
  let urls = made.get(config);
  if (!urls) {
    urls = Object.freeze(makeUrls(config));
    made.set(config, urls);
  }
  return urls;
}

function makeUrls(config: UrlConfig): Urls {
  const base = `${config.protocol}//${config.webDomain}`;
  const mediaBase = config.media.s3?.publicUrl ?? `${base}/system`;
  return {
    base,
    profile: (username) => `${base}/@${username}`,
    actor: (username) => `${base}/users/${username}`,
    tag: (name) => `${base}/tags/${encodeURIComponent(name)}`,
    defaultAvatar: `${base}/avatars/original/missing.png`,
    defaultHeader: `${base}/headers/original/missing.png`,
    file: (stored) =>
      !stored ? null : /^[a-z][a-z0-9+.-]*:/i.test(stored) ? stored : `${mediaBase}/${stored}`,
    streaming:
      config.streamingApiBaseUrl ??
      `${config.protocol === "https:" ? "wss:" : "ws:"}//${config.webDomain}`,
  };
}
