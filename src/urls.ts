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
  streaming: string;
}

export function urlsFor(
  config: Pick<Config, "protocol" | "webDomain" | "streamingApiBaseUrl">,
): Urls {
  const base = `${config.protocol}//${config.webDomain}`;
  return {
    base,
    profile: (username) => `${base}/@${username}`,
    actor: (username) => `${base}/users/${username}`,
    tag: (name) => `${base}/tags/${encodeURIComponent(name)}`,
    defaultAvatar: `${base}/avatars/original/missing.png`,
    defaultHeader: `${base}/headers/original/missing.png`,
    streaming:
      config.streamingApiBaseUrl ??
      `${config.protocol === "https:" ? "wss:" : "ws:"}//${config.webDomain}`,
  };
}
