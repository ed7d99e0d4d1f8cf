// What a remote post carries besides its text, read as Mastodon's parsers do
// (https://docs.joinmastodon.org/spec/activitypub/#status):
// - attachments (ActivityPub::Parser::MediaAttachmentParser): Documents
//   (Image, Video, Audio) with a URL, their type from `mediaType`, the
//   description (`summary`, else `name`), `blurhash`, `focalPoint` and the
//   size, up to four;
// - a Question's poll (PollParser): options from `oneOf` (or `anyOf`, a
//   multiple-choice poll) with their counts (`replies.totalItems`), the end
//   (`closed` when it is a time, now when it is `true`, else `endTime`) and
//   `votersCount`;
// - custom emojis (CustomEmojiParser): Emoji tags with a shortcode and an
//   embedded `icon` with a URL.
// Anything malformed is left out, never an error. Fedify's vocabulary has
// no `blurhash` nor `focalPoint`, and keeps the JSON as received only of the
// document it parsed (the activity, or a fetched post), so those two are
// read from the post's JSON as received (postJson), matched by URL.
import {
  Audio,
  Document,
  Emoji,
  Image,
  Question,
  Video,
  type Object as APObject,
} from "@fedify/vocab";
import type { MediaMeta, MediaType } from "../db/schema/index.ts";
import type { RemotePoll } from "../db/schema/remote.ts";
import type { Activity } from "@fedify/vocab";
import type { RemoteAttachment, RemoteEmoji } from "../domain/statuses/remote-statuses.ts";
import {
  httpHref,
  preferredHref,
  rawJson,
  rawString,
  text,
  type FetchContext,
} from "./remote-object.ts";

/** Options a remote poll may have (Mastodon keeps what it is sent; Herd caps it). */
const MAX_POLL_OPTIONS = 20;
const MAX_EMOJIS = 50;
const TOOT = "http://joinmastodon.org/ns#";

/** What Fedify's accessors fetch with (embedded values are not fetched). */
export const loaders = (fc: FetchContext) => ({
  documentLoader: fc.documentLoader,
  contextLoader: fc.contextLoader,
});

export const toDate = (instant: { epochMilliseconds: number } | null | undefined) =>
  instant ? new Date(instant.epochMilliseconds) : null;

function mediaTypeOf(object: APObject, mediaType: string | null): MediaType {
  const type = mediaType ?? "";
  if (type.startsWith("image/") || (!type && object instanceof Image)) return "image";
  if (type.startsWith("video/") || (!type && object instanceof Video)) return "video";
  if (type.startsWith("audio/") || (!type && object instanceof Audio)) return "audio";
  return "unknown";
}

const BLURHASH = /^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{6,200}$/;

/** A number of raw JSON: plain (compact) or `{"@value": n}` (expanded). */
function numberOf(value: unknown): number | null {
  const v =
    typeof value === "object" && value !== null && "@value" in value
      ? (value as { "@value": unknown })["@value"]
      : value;
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** `focalPoint` of an attachment's raw JSON: [x, y] compact, or an expanded `@list`. */
function focalPointOf(json: Record<string, unknown>): { x: number; y: number } | null {
  let value = json.focalPoint ?? json[`${TOOT}focalPoint`];
  if (Array.isArray(value) && value.length === 1) value = value[0];
  if (typeof value === "object" && value !== null && "@list" in value) {
    value = (value as { "@list": unknown })["@list"];
  }
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [x, y] = value.map(numberOf);
  if (x === null || y === null || x === undefined || y === undefined) return null;
  return { x: Math.max(-1, Math.min(1, x)), y: Math.max(-1, Math.min(1, y)) };
}

type Json = Record<string, unknown>;

const isJson = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The post's JSON as received: the activity's embedded object of the same
 * id, else the post's own (its JSON as fetched, when it was).
 */
export async function postJson(note: APObject, activity: Activity | null): Promise<Json> {
  if (activity && note.id) {
    const object = (await rawJson(activity)).object;
    const embedded = Array.isArray(object) ? object[0] : object;
    if (isJson(embedded) && embedded.id === note.id.href) return embedded;
  }
  return rawJson(note);
}

/** The URLs an attachment's raw `url` names (a string, a Link, or a list of them). */
function rawUrls(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.flatMap((v) =>
    typeof v === "string" ? [v] : isJson(v) && typeof v.href === "string" ? [v.href] : [],
  );
}

/** The raw JSON of each attachment of `post`, by its URLs. */
function rawAttachments(post: Json): Map<string, Json> {
  const byUrl = new Map<string, Json>();
  const list = post.attachment ?? post["https://www.w3.org/ns/activitystreams#attachment"];
  for (const a of Array.isArray(list) ? list : [list]) {
    if (!isJson(a)) continue;
    const urls = rawUrls(a.url ?? a["https://www.w3.org/ns/activitystreams#url"]);
    for (const url of urls) {
      const href = httpHref(url);
      if (href && !byUrl.has(href)) byUrl.set(href, a);
    }
  }
  return byUrl;
}

export async function attachmentsOf(
  fc: FetchContext,
  note: APObject,
  post: Json,
): Promise<RemoteAttachment[]> {
  const list: RemoteAttachment[] = [];
  const raw = rawAttachments(post);
  try {
    for await (const a of note.getAttachments({ ...loaders(fc), suppressError: true })) {
      if (!(a instanceof Document)) continue;
      const url = preferredHref(a.urls, a.mediaType ?? "");
      if (!url) continue;
      const json = raw.get(url) ?? (await rawJson(a));
      const blurhash = rawString(json, "blurhash", `${TOOT}blurhash`);
      const meta: MediaMeta =
        a.width && a.height && a.width > 0 && a.height > 0
          ? { original: { width: a.width, height: a.height, aspect: a.width / a.height } }
          : {};
      const focus = focalPointOf(json);
      if (focus) meta.focus = focus;
      list.push({
        url,
        type: mediaTypeOf(a, a.mediaType),
        description: text(a.summary).trim() || text(a.name).trim() || null,
        blurhash: blurhash && BLURHASH.test(blurhash) ? blurhash : null,
        meta,
      });
      if (list.length >= 4) break;
    }
  } catch {
    // An attachment that cannot be read is left out.
  }
  return list;
}

export async function pollOf(fc: FetchContext, note: APObject): Promise<RemotePoll | null> {
  if (!(note instanceof Question)) return null;
  const read = async (items: AsyncIterable<APObject>) => {
    const options: RemotePoll["options"] = [];
    for await (const o of items) {
      const title = text(o.name).trim() || text(o.content).trim();
      if (!title) continue;
      const replies = await o.getReplies({ ...loaders(fc), suppressError: true }).catch(() => null);
      options.push({ title: title.slice(0, 200), votes_count: replies?.totalItems ?? null });
      if (options.length >= MAX_POLL_OPTIONS) break;
    }
    return options;
  };
  try {
    let multiple = false;
    let options = await read(note.getExclusiveOptions({ ...loaders(fc), suppressError: true }));
    if (options.length === 0) {
      options = await read(note.getInclusiveOptions({ ...loaders(fc), suppressError: true }));
      multiple = options.length > 0;
    }
    if (options.length === 0) return null;
    const closed = note.closed;
    const closedAt =
      closed !== null && typeof closed === "object"
        ? toDate(closed)
        : closed === true
          ? new Date()
          : null;
    return {
      options,
      multiple,
      expires_at: (closedAt ?? toDate(note.endTime))?.toISOString() ?? null,
      voters_count: note.voters,
      closed: closedAt !== null,
    };
  } catch {
    return null;
  }
}

/** The custom emojis a post uses (its Emoji tags with an embedded icon). */
export async function emojisOf(fc: FetchContext, note: APObject): Promise<RemoteEmoji[]> {
  const list: RemoteEmoji[] = [];
  try {
    for await (const tag of note.getTags({ ...loaders(fc), suppressError: true })) {
      if (!(tag instanceof Emoji)) continue;
      const shortcode = text(tag.name).replaceAll(":", "").trim();
      // Only an embedded icon (as Mastodon reads it): a reference is not fetched.
      if (!shortcode || tag.iconId !== null) continue;
      const icon = await tag.getIcon({ ...loaders(fc), suppressError: true }).catch(() => null);
      const url = icon ? preferredHref(icon.urls, icon.mediaType ?? "") : null;
      if (!url) continue;
      list.push({ shortcode, url, uri: httpHref(tag.id), updatedAt: toDate(tag.updated) });
      if (list.length >= MAX_EMOJIS) break;
    }
  } catch {
    // A tag that cannot be read is left out.
  }
  return list;
}
