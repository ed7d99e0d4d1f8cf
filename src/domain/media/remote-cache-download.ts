// Downloading another server's file for the cache: through the safe fetcher
// (no private addresses, a deadline, a size limit past which the download is
// abandoned, as Mastodon's body_with_limit), and typed from its first bytes,
// never from its name or Content-Type: a page of HTML served as cat.png is
// not kept. Every failure is "not cached" (null), as Mastodon rescues its
// download errors and keeps the attachment with its remote URL only.
import { safeGet, SafeFetchError } from "../../lib/safe-fetch.ts";
import { detectType, type DetectedType } from "./detect-type.ts";
import type { RemoteFetchSettings } from "./remote-cache-context.ts";

export interface DownloadedFile {
  data: Buffer;
  type: DetectedType;
}

export async function downloadRemoteFile(
  url: string,
  maxBytes: number,
  settings: RemoteFetchSettings,
  accept: string,
): Promise<DownloadedFile | null> {
  let res;
  try {
    res = await safeGet(url, { ...settings, maxBytes, overflow: "error", accept });
  } catch (error) {
    if (error instanceof SafeFetchError) return null;
    throw error;
  }
  if (res.status < 200 || res.status >= 300 || res.body.length === 0) return null;
  const type = detectType(res.body);
  return type ? { data: res.body, type } : null;
}
