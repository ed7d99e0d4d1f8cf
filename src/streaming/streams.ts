// The streams a client can ask for, and the channels each one listens on,
// as Mastodon's streaming server (channelNameFromPath, checkScopes,
// channelNameToIds, streamNameFromChannelName):
//
// | stream                       | channels                                      |
// | ---------------------------- | --------------------------------------------- |
// | user                         | home:<account>, notifications:<account> (1)   |
// | user:notification            | notifications:<account>                       |
// | public, public:local, ...    | public:<"", local, remote, media, ...>        |
// | hashtag, hashtag:local       | hashtag:<name>, hashtag:local:<name>          |
// | list                         | list:<id> (the token's user must own it)      |
// | direct                       | direct:<account>                              |
//
// (1) only for a token with `read` or `read:notifications`.
// Every stream needs `read` or `read:statuses` (`read:notifications` instead
// for user:notification). The public and hashtag streams need a token too,
// as in Mastodon 4.2 and later.
// https://docs.joinmastodon.org/methods/streaming/#streams
import { and, eq } from "drizzle-orm";
import type { Db } from "../db/database.ts";
import { lists } from "../db/schema/index.ts";
import { grants } from "../domain/oauth/scopes.ts";
import { normalizeTagName } from "../domain/statuses/tags.ts";
import { isId } from "../lib/ids.ts";
import type { StreamUser } from "./auth.ts";
import { authenticationError, requestError } from "./errors.ts";

export const STREAM_NAMES = [
  "user",
  "user:notification",
  "public",
  "public:media",
  "public:local",
  "public:local:media",
  "public:remote",
  "public:remote:media",
  "hashtag",
  "hashtag:local",
  "list",
  "direct",
] as const;

export type StreamName = (typeof STREAM_NAMES)[number];

/** What a channel is about; the second half of its key is an id (account, list, tag, or a public timeline's variant). */
export type ChannelKind = "home" | "notifications" | "direct" | "list" | "public" | "hashtag";

export interface Channel {
  kind: ChannelKind;
  id: string;
}

/** A stream as resolved for one user. */
export interface ResolvedStream {
  name: StreamName;
  channels: Channel[];
  /** The `stream` array of every event it sends: the name, and the tag or list asked for. */
  stream: string[];
  /** Identifies the subscription on a socket: subscribing twice changes nothing. */
  key: string;
}

export interface StreamParams {
  tag?: unknown;
  list?: unknown;
}

/** Mastodon's firstParam: the first of repeated values. */
export function firstParam(value: unknown): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
}

/** Mastodon's isTruthy (streaming/utils.js). */
export function isTruthy(value: string | null | undefined): boolean {
  return !!value && !["0", "f", "F", "false", "FALSE", "off", "OFF"].includes(value);
}

/** The stream an event-stream path names (channelNameFromPath), or undefined. */
export function streamFromPath(pathname: string, onlyMedia: boolean): StreamName | undefined {
  switch (pathname) {
    case "/api/v1/streaming/user":
      return "user";
    case "/api/v1/streaming/user/notification":
      return "user:notification";
    case "/api/v1/streaming/public":
      return onlyMedia ? "public:media" : "public";
    case "/api/v1/streaming/public/local":
      return onlyMedia ? "public:local:media" : "public:local";
    case "/api/v1/streaming/public/remote":
      return onlyMedia ? "public:remote:media" : "public:remote";
    case "/api/v1/streaming/hashtag":
      return "hashtag";
    case "/api/v1/streaming/hashtag/local":
      return "hashtag:local";
    case "/api/v1/streaming/direct":
      return "direct";
    case "/api/v1/streaming/list":
      return "list";
    default:
      return undefined;
  }
}

const isStreamName = (name: string | undefined): name is StreamName =>
  (STREAM_NAMES as readonly string[]).includes(name ?? "");

/** checkScopes: 401 unless the token may read this stream. */
export function checkScopes(user: StreamUser, name: string | undefined): void {
  const needed = name === "user:notification" ? "read:notifications" : "read:statuses";
  if (!grants(user.scopes, needed)) {
    throw authenticationError("Access token does not have the required scopes");
  }
}

/**
 * The channels of stream `name` for `user` (channelNameToIds): 400 for an
 * unknown stream or a missing tag or list, 401 for a list that is not theirs.
 */
export async function resolveStream(
  db: Db,
  user: StreamUser,
  name: string | undefined,
  params: StreamParams,
): Promise<ResolvedStream> {
  if (!isStreamName(name)) throw requestError("Unknown stream type");
  const me = user.accountId;
  const make = (channels: Channel[], stream: string[] = [name]): ResolvedStream => ({
    name,
    channels,
    stream,
    key: channels.map((c) => `${c.kind}:${c.id}`).join(";"),
  });
  switch (name) {
    case "user": {
      const channels: Channel[] = [{ kind: "home", id: me }];
      if (grants(user.scopes, "read:notifications")) {
        channels.push({ kind: "notifications", id: me });
      }
      return make(channels);
    }
    case "user:notification":
      return make([{ kind: "notifications", id: me }]);
    case "direct":
      return make([{ kind: "direct", id: me }]);
    case "hashtag":
    case "hashtag:local": {
      const tag = firstParam(params.tag);
      if (!tag) throw requestError("Missing tag name parameter");
      const id = `${name === "hashtag:local" ? "local:" : ""}${normalizeTagName(tag)}`;
      return make([{ kind: "hashtag", id }], [name, tag]);
    }
    case "list": {
      const list = firstParam(params.list);
      if (!list) throw requestError("Missing list name parameter");
      const [row] = isId(list)
        ? await db
            .select({ id: lists.id })
            .from(lists)
            .where(and(eq(lists.id, list), eq(lists.accountId, me)))
            .limit(1)
        : [];
      if (!row) throw authenticationError("Not authorized to stream this list");
      return make([{ kind: "list", id: row.id }], [name, list]);
    }
    default:
      // public, public:local, public:remote and their :media variants.
      return make([{ kind: "public", id: name.slice("public".length).replace(/^:/, "") }]);
  }
}
