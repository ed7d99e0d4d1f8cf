// MediaAttachment (https://docs.joinmastodon.org/entities/MediaAttachment/),
// as Mastodon's REST::MediaAttachmentSerializer: `url` is null while the
// upload is processed; `preview_url` is the custom thumbnail if there is one,
// else the `small` style. A remote attachment whose file is not cached
// (needs_redownload?) names the media proxy instead, which downloads it on
// first view (src/web/media-proxy.ts); `remote_url` is always the original.
// `text_url` is left out: removed from the entity in 3.5.0, and Herd has no
// /media/:shortcode page for it to name.
import type { MediaAttachmentRow, MediaMeta, MediaType } from "../../db/schema/index.ts";
import type { Urls } from "../../urls.ts";

export interface MediaAttachment {
  id: string;
  type: MediaType;
  url: string | null;
  preview_url: string | null;
  remote_url: string | null;
  preview_remote_url: string | null;
  meta: MediaMeta;
  description: string | null;
  blurhash: string | null;
}

/** Paperclip's key order (width, height, size, aspect, ...): jsonb keeps keys sorted otherwise. */
const KEY_ORDER = ["width", "height", "size", "aspect", "frame_rate", "duration", "bitrate"];

function ordered(value: object | undefined): object | undefined {
  if (!value) return value;
  const entries = Object.entries(value);
  const rank = (k: string) => (KEY_ORDER.includes(k) ? KEY_ORDER.indexOf(k) : KEY_ORDER.length);
  return Object.fromEntries(entries.sort(([a], [b]) => rank(a) - rank(b)));
}

function metaOf(meta: MediaMeta): MediaMeta {
  const { focus, original, small, ...rest } = meta;
  return {
    ...(focus ? { focus } : {}),
    ...(original ? { original: ordered(original) } : {}),
    ...(small ? { small: ordered(small) } : {}),
    ...rest,
  };
}

export function serializeMediaAttachment(
  row: MediaAttachmentRow,
  /** Without `base` (scheduled statuses: local uploads only), an uncached remote file is linked as is. */
  urls: Pick<Urls, "file"> & Partial<Pick<Urls, "base">>,
): MediaAttachment {
  const processed = row.processing === "complete";
  const proxied = row.remoteUrl !== null && row.fileKey === null;
  const proxy = (style: string) =>
    urls.base === undefined ? row.remoteUrl : `${urls.base}/media_proxy/${row.id}/${style}`;
  return {
    id: row.id,
    type: row.type,
    url: !processed ? null : proxied ? proxy("original") : urls.file(row.fileKey),
    preview_url: proxied ? proxy("small") : urls.file(row.thumbnailKey ?? row.previewKey),
    remote_url: row.remoteUrl,
    preview_remote_url: null,
    meta: metaOf(row.meta),
    description: row.description,
    blurhash: row.blurhash,
  };
}
