// A fake remote ActivityPub server for federation tests: a real HTTP
// listener on loopback (Herd fetches it because tests set
// ALLOW_PRIVATE_ADDRESS=true) serving actors shaped like Mastodon's, their
// key pairs, WebFinger, collections and any document a test puts there; it
// records what Herd POSTs to it (Accept, Reject, ...), and signs the
// activities it delivers to Herd's inboxes with Fedify's signRequest, as a
// real server would.
import { createServer, type IncomingMessage, type Server } from "node:http";
import { KeyObject, webcrypto } from "node:crypto";
import type { AddressInfo } from "node:net";
import { signRequest } from "@fedify/fedify";
import { afterAll } from "vitest";
import type { TestInstance } from "./instance.ts";

export type KeyPair = { publicKey: webcrypto.CryptoKey; privateKey: webcrypto.CryptoKey };

export async function rsaKeyPair(): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  )) as KeyPair;
}

/** Mastodon's actor @context (ActivityPub::ActorSerializer), without remote context files. */
export const MASTODON_CONTEXT = [
  "https://www.w3.org/ns/activitystreams",
  "https://w3id.org/security/v1",
  {
    manuallyApprovesFollowers: "as:manuallyApprovesFollowers",
    toot: "http://joinmastodon.org/ns#",
    featured: { "@id": "toot:featured", "@type": "@id" },
    featuredTags: { "@id": "toot:featuredTags", "@type": "@id" },
    alsoKnownAs: { "@id": "as:alsoKnownAs", "@type": "@id" },
    movedTo: { "@id": "as:movedTo", "@type": "@id" },
    schema: "http://schema.org#",
    PropertyValue: "schema:PropertyValue",
    value: "schema:value",
    discoverable: "toot:discoverable",
    suspended: "toot:suspended",
    memorial: "toot:memorial",
    indexable: "toot:indexable",
    sensitive: "as:sensitive",
    Hashtag: "as:Hashtag",
    ostatus: "http://ostatus.org#",
    atomUri: "ostatus:atomUri",
    inReplyToAtomUri: "ostatus:inReplyToAtomUri",
    conversation: "ostatus:conversation",
    blurhash: "toot:blurhash",
    votersCount: "toot:votersCount",
    quoteUrl: "as:quoteUrl",
  },
];

export const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

export interface FakeActor {
  username: string;
  id: string;
  keys: KeyPair;
  /** The actor document served at `id` (change it freely). */
  document: Record<string, unknown>;
}

/** A document served at a path: JSON, or a raw answer. */
export type Served =
  Record<string, unknown> | { status: number; body?: string; headers?: Record<string, string> };

export interface Received {
  path: string;
  body: Record<string, unknown>;
  headers: IncomingMessage["headers"];
}

/** A request Herd made to the fake remote. */
export interface Recorded {
  method: string;
  /** The path with its query. */
  path: string;
  headers: IncomingMessage["headers"];
}

export interface FakeRemote {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** `127.0.0.1:<port>`: the domain of its accounts. */
  host: string;
  actors: Map<string, FakeActor>;
  /** What Herd POSTed to it, oldest first. */
  received: Received[];
  /** The paths (with queries) Herd asked it for, oldest first. */
  hits: string[];
  /** Every request Herd made to it (GETs and POSTs), with its headers, oldest first. */
  requests: Recorded[];
  /**
   * Called with each POST (once recorded) before it is answered: the 202 waits for
   * what it returns, so a test can hold a delivery in flight.
   */
  beforeAnswer?: (post: Received) => Promise<void> | void;
  /** Adds an actor (Mastodon-shaped Person) served at /users/:username. */
  addActor(username: string, extra?: Record<string, unknown>): Promise<FakeActor>;
  /** Serves `document` at `path` (JSON, or a raw answer). */
  serve(path: string, document: Served): void;
  /** Stops serving `path`. */
  unserve(path: string): void;
  /** A fresh activity or object id on this server. */
  id(kind?: string): string;
  /** Signs a POST of `body` to Herd's `path` as `actor`, and sends it; resolves to Herd's answer. */
  deliver(
    t: TestInstance,
    actor: FakeActor,
    activity: Record<string, unknown>,
    path?: string,
  ): Promise<Response>;
  /** `deliver`, checks the 202, and runs the queued jobs (the inbox listener, deliveries). */
  deliverAndRun(
    t: TestInstance,
    actor: FakeActor,
    activity: Record<string, unknown>,
    path?: string,
  ): Promise<void>;
}

/** The headers of a POST of `body` to Herd's `path`, signed with `keys` as `keyId`. */
export async function signedHeaders(
  path: string,
  body: string,
  keys: KeyPair,
  keyId: string,
): Promise<Record<string, string>> {
  const request = new Request(`https://herd.test${path}`, {
    method: "POST",
    headers: { "content-type": "application/activity+json" },
    body,
  });
  const signed = await signRequest(request, keys.privateKey, new URL(keyId));
  return Object.fromEntries(signed.headers);
}

let counter = 0;

/** Starts a fake remote server for the calling test file (closed after it). */
export async function startFakeRemote(): Promise<FakeRemote> {
  const documents = new Map<string, Served>();
  const actors = new Map<string, FakeActor>();
  const received: Received[] = [];
  const hits: string[] = [];
  const requests: Recorded[] = [];
  let origin = "";
  let host = "";

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", origin);
    hits.push(url.pathname + url.search);
    requests.push({
      method: req.method ?? "GET",
      path: url.pathname + url.search,
      headers: req.headers,
    });
    if (req.method === "POST") {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        let post: Received | null = null;
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<
            string,
            unknown
          >;
          post = { path: url.pathname, body, headers: req.headers };
          received.push(post);
        } catch {
          // Not JSON: not recorded.
        }
        void Promise.resolve(post && remote.beforeAnswer?.(post)).then(() => {
          // The sender may have gone meanwhile (a test killed it).
          if (!res.destroyed) res.writeHead(202).end();
        });
      });
      return;
    }
    if (url.pathname === "/.well-known/webfinger") {
      const resource = url.searchParams.get("resource") ?? "";
      const match = /^acct:([^@]+)@(.+)$/.exec(resource);
      const actor = match && match[2] === host ? actors.get(match[1]!) : undefined;
      if (!actor) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/jrd+json" });
      res.end(
        JSON.stringify({
          subject: `acct:${actor.username}@${host}`,
          links: [{ rel: "self", type: "application/activity+json", href: actor.id }],
        }),
      );
      return;
    }
    const actor = [...actors.values()].find((a) => new URL(a.id).pathname === url.pathname);
    const served = actor ? actor.document : documents.get(url.pathname);
    if (!served) {
      res.writeHead(404).end();
      return;
    }
    if (typeof served.status === "number") {
      const raw = served as { status: number; body?: string; headers?: Record<string, string> };
      res.writeHead(raw.status, raw.headers ?? { "content-type": "application/activity+json" });
      res.end(raw.body ?? "");
      return;
    }
    res.writeHead(200, { "content-type": "application/activity+json" });
    res.end(JSON.stringify(served));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  host = `127.0.0.1:${port}`;
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );

  const remote: FakeRemote = {
    origin,
    host,
    actors,
    received,
    hits,
    requests,
    async addActor(username, extra = {}) {
      const keys = await rsaKeyPair();
      const id = `${origin}/users/${username}`;
      const document: Record<string, unknown> = {
        "@context": MASTODON_CONTEXT,
        id,
        type: "Person",
        preferredUsername: username,
        name: `${username} (remote)`,
        summary: `<p>Hello from ${username}</p>`,
        url: `${origin}/@${username}`,
        inbox: `${id}/inbox`,
        outbox: `${id}/outbox`,
        followers: `${id}/followers`,
        following: `${id}/following`,
        featured: `${id}/collections/featured`,
        endpoints: { sharedInbox: `${origin}/inbox` },
        manuallyApprovesFollowers: false,
        discoverable: true,
        published: "2020-01-01T00:00:00Z",
        publicKey: {
          id: `${id}#main-key`,
          owner: id,
          publicKeyPem: KeyObject.from(keys.publicKey).export({ type: "spki", format: "pem" }),
        },
        ...extra,
      };
      const actor = { username, id, keys, document };
      actors.set(username, actor);
      return actor;
    },
    serve(path, document) {
      documents.set(path, document);
    },
    unserve(path) {
      documents.delete(path);
    },
    id(kind = "activities") {
      counter++;
      return `${origin}/${kind}/${counter}-${Math.random().toString(36).slice(2, 8)}`;
    },
    async deliver(t, actor, activity, path = "/inbox") {
      const body = JSON.stringify({ "@context": MASTODON_CONTEXT, ...activity });
      const headers = await signedHeaders(path, body, actor.keys, `${actor.id}#main-key`);
      return t.request(path, { method: "POST", body, headers });
    },
    async deliverAndRun(t, actor, activity, path = "/inbox") {
      const res = await remote.deliver(t, actor, activity, path);
      if (res.status !== 202) {
        throw new Error(`delivery answered ${res.status}: ${await res.text()}`);
      }
      await t.drainJobs();
    },
  };
  return remote;
}
