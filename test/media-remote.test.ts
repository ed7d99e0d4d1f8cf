// Remote media in Herd's storage (CACHE_REMOTE_MEDIA, src/domain/media/remote-cache*.ts):
// attachments of remote posts and remote avatars and headers copied on
// receipt, files that are too large or not what they say left remote, private
// addresses refused, the media proxy (GET /media_proxy/:id/...) that caches
// on first view, and `herd media remove` / `usage`.
import { createServer } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, type Output } from "../src/cli/main.ts";
import { ConfigError, parseConfig } from "../src/config.ts";
import { statuses, type AccountRow, type StatusRow } from "../src/db/schema/index.ts";
import { setAttachments } from "../src/domain/statuses/remote-status-parts.ts";
import { newId } from "../src/lib/ids.ts";
import type { Lookup } from "../src/lib/safe-fetch.ts";
import { browser, signIn } from "./kit/browser.ts";
import { PUBLIC, startFakeRemote, type FakeActor } from "./kit/fake-remote.ts";
import { follow, makeRemoteAccount, makeUser } from "./kit/fixtures.ts";
import { createTestInstance, type TestInstance } from "./kit/instance.ts";
import { fetchMedia, jpeg, png } from "./media-fixtures.ts";

// ---------------------------------------------------------------- a media server

interface ServedFile {
  body: Buffer;
  type: string;
}
const files = new Map<string, ServedFile>();
const hits: string[] = [];
const mediaServer = createServer((req, res) => {
  const { pathname } = new URL(req.url ?? "/", "http://x");
  hits.push(pathname);
  const file = files.get(pathname);
  if (!file) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-type": file.type, "content-length": file.body.length });
  res.end(file.body);
});
await new Promise<void>((resolve) => mediaServer.listen(0, "127.0.0.1", resolve));
const port = (mediaServer.address() as AddressInfo).port;
const media = (p: string) => `http://127.0.0.1:${port}${p}`;
afterAll(
  () =>
    new Promise<void>((resolve) => {
      mediaServer.closeAllConnections();
      mediaServer.close(() => resolve());
    }),
);
const hitsOf = (p: string) => hits.filter((h) => h === p).length;

files.set("/cat.png", { body: await png(64, 48), type: "image/png" });
files.set("/dog.jpg", { body: await jpeg(90, 60), type: "image/jpeg" });
files.set("/avatar.png", { body: await png(600, 500, [200, 10, 10]), type: "image/png" });
files.set("/avatar2.png", { body: await png(300, 300, [10, 10, 200]), type: "image/png" });
files.set("/header.jpg", { body: await jpeg(1800, 600), type: "image/jpeg" });
files.set("/lie.png", { body: Buffer.from("<html><p>not an image</p></html>"), type: "image/png" });
// Over MediaAttachment's 16 MB image limit: a PNG signature, then nothing.
const big = Buffer.alloc(17 * 1024 * 1024);
(await png(2, 2)).copy(big);
files.set("/big.png", { body: big, type: "image/png" });

// ---------------------------------------------------------------- helpers

async function tempDir() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "herd-remote-media-"));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function herd(t: TestInstance, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const output: Output = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await run(argv, { output, config: t.config, database: t.database });
  return { code, out, err };
}

const document = (url: string, mediaType = "image/png", extra: Record<string, unknown> = {}) => ({
  type: "Document",
  mediaType,
  url,
  name: "a description",
  ...extra,
});

const CACHED_ORIGINAL =
  /^https:\/\/herd\.test\/system\/cache\/media_attachments\/files\/[\d/]+\/original\/[0-9a-f]{16}\.(png|jpeg)$/;
const CACHED_SMALL =
  /^https:\/\/herd\.test\/system\/cache\/media_attachments\/files\/[\d/]+\/small\/[0-9a-f]{16}\.(png|jpeg)$/;

/** A remote public (or other) status by `author` with attachments of `urls`, stored as federation stores them. */
async function remoteStatus(
  t: TestInstance,
  author: AccountRow,
  urls: string[],
  visibility: StatusRow["visibility"] = "public",
): Promise<StatusRow> {
  const id = newId();
  return t.database.db.transaction(async (tx) => {
    const [status] = await tx
      .insert(statuses)
      .values({
        id,
        uri: `https://${author.domain}/statuses/${id}`,
        accountId: author.id,
        content: "<p>look</p>",
        visibility,
        local: false,
      })
      .returning();
    const list = urls.map((url) => ({
      url,
      type: "image" as const,
      description: null,
      blurhash: null,
      meta: {},
    }));
    await setAttachments(tx, status!, list, t.jobs);
    return status!;
  });
}

async function attachmentsOf(t: TestInstance, statusId: string, token?: string) {
  const res = await t.json(`/api/v1/statuses/${statusId}`, token ? { token } : {});
  expect(res.status).toBe(200);
  return res.body.media_attachments as any[];
}

const proxyUrl = (id: string, style = "original") => `https://herd.test/media_proxy/${id}/${style}`;

// ---------------------------------------------------------------- on receipt (instance A)

const a = await createTestInstance({
  env: { ALLOW_PRIVATE_ADDRESS: "true", DATA_DIR: await tempDir() },
});
const remote = await startFakeRemote();
const alice = await makeUser(a, { username: "alice" });

describe("caching on receipt (CACHE_REMOTE_MEDIA=receipt, the default)", () => {
  const t = a;
  let poster: FakeActor;
  let posterId: string;
  let n = 0;

  async function deliverPost(attachment: unknown[]): Promise<string> {
    n++;
    const note = {
      id: `${poster.id}/statuses/${n}`,
      type: "Note",
      attributedTo: poster.id,
      content: `<p>Pictures ${n}</p>`,
      published: new Date().toISOString(),
      to: [PUBLIC],
      cc: [`${poster.id}/followers`],
      attachment,
    };
    await remote.deliverAndRun(t, poster, {
      id: `${note.id}/activity`,
      type: "Create",
      actor: poster.id,
      to: note.to,
      cc: note.cc,
      object: note,
    });
    const found = await t.database.db.execute<{ id: string }>(
      sql`SELECT id::text FROM statuses WHERE uri = ${note.id}`,
    );
    if (!found.rows[0]) throw new Error("the post was not stored");
    return found.rows[0].id;
  }

  async function accountOf(username: string) {
    const res = await t.json(`/api/v1/accounts/lookup?acct=${username}@${remote.host}`);
    expect(res.status).toBe(200);
    return res.body;
  }

  beforeAll(async () => {
    poster = await remote.addActor("poster", {
      icon: { type: "Image", mediaType: "image/png", url: media("/avatar.png") },
      image: { type: "Image", mediaType: "image/jpeg", url: media("/header.jpg") },
    });
    posterId = (await accountOf("poster")).id;
    await follow(t, alice, posterId);
    await remote.deliverAndRun(t, poster, {
      id: remote.id(),
      type: "Accept",
      actor: poster.id,
      object: { type: "Follow", actor: "https://herd.test/users/alice", object: poster.id },
    });
    await t.drainJobs();
  });

  it("copies an attachment into storage, processed like an upload", async () => {
    const statusId = await deliverPost([document(media("/cat.png"))]);
    const [m] = await attachmentsOf(t, statusId, alice.token);
    expect(m.type).toBe("image");
    expect(m.url).toMatch(CACHED_ORIGINAL);
    expect(m.preview_url).toMatch(CACHED_SMALL);
    expect(m.remote_url).toBe(media("/cat.png"));
    expect(m.description).toBe("a description");
    expect(m.meta.original).toEqual({ width: 64, height: 48, size: "64x48", aspect: 64 / 48 });
    expect(typeof m.blurhash).toBe("string");

    const file = await fetchMedia(t, m.url);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("image/png");
    const meta = await sharp(new Uint8Array(await file.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([64, 48]);
    expect((await fetchMedia(t, m.preview_url)).status).toBe(200);
  });

  it("leaves remote a file over the size limit, or one that is not what it says", async () => {
    const statusId = await deliverPost([
      document(media("/big.png")),
      document(media("/lie.png")),
      document(media("/missing.png")),
    ]);
    const list = await attachmentsOf(t, statusId, alice.token);
    expect(list.map((m) => m.remote_url)).toEqual([
      media("/big.png"),
      media("/lie.png"),
      media("/missing.png"),
    ]);
    for (const m of list) {
      // Mastodon's needs_redownload?: the entity names the media proxy.
      expect(m.url).toBe(proxyUrl(m.id));
      expect(m.preview_url).toBe(proxyUrl(m.id, "small"));
    }
    const stored = await t.database.db.execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM media_attachments WHERE status_id = ${statusId} AND file_key IS NOT NULL`,
    );
    expect(stored.rows[0]!.n).toBe(0);

    // Viewing tries again, and fails again: 404, never a copy of the lie.
    expect((await t.request(new URL(list[1].url).pathname)).status).toBe(404);
  });

  it("copies remote avatars and headers, and keeps them when a refresh names the same images", async () => {
    const account = await accountOf("poster");
    expect(account.avatar).toMatch(
      /^https:\/\/herd\.test\/system\/cache\/accounts\/avatars\/[\d/]+\/original\/[0-9a-f]{16}\.png$/,
    );
    expect(account.avatar_static).toBe(account.avatar);
    expect(account.header).toMatch(
      /^https:\/\/herd\.test\/system\/cache\/accounts\/headers\/[\d/]+\/original\/[0-9a-f]{16}\.jpeg$/,
    );
    const avatar = await fetchMedia(t, account.avatar);
    expect(avatar.status).toBe(200);
    const meta = await sharp(new Uint8Array(await avatar.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([400, 400]); // cropped as local avatars are

    const downloads = hitsOf("/avatar.png");
    const update = () =>
      remote.deliverAndRun(t, poster, {
        id: remote.id(),
        type: "Update",
        actor: poster.id,
        to: [PUBLIC],
        object: poster.document,
      });
    await update();
    const same = await accountOf("poster");
    expect(same.avatar).toBe(account.avatar);
    expect(same.header).toBe(account.header);
    expect(hitsOf("/avatar.png")).toBe(downloads);

    // A new avatar replaces the copy; the old file goes.
    poster.document.icon = { type: "Image", mediaType: "image/png", url: media("/avatar2.png") };
    await update();
    const changed = await accountOf("poster");
    expect(changed.avatar).toMatch(/\/system\/cache\/accounts\/avatars\//);
    expect(changed.avatar).not.toBe(account.avatar);
    expect(changed.header).toBe(account.header);
    expect((await fetchMedia(t, changed.avatar)).status).toBe(200);
    expect((await fetchMedia(t, account.avatar)).status).toBe(404);
  });

  it("herd media usage counts cached remote media apart from local files", async () => {
    const usage = await herd(t, "media", "usage");
    expect(usage.code).toBe(0);
    expect(usage.out.map((l) => l.split(":")[0])).toEqual([
      "Attachments",
      "Avatars",
      "Headers",
      "Cached remote attachments",
      "Cached remote avatars",
      "Cached remote headers",
      "Total",
    ]);
    const line = (label: string) => usage.out.find((l) => l.startsWith(`${label}:`))!;
    expect(line("Attachments")).toMatch(/\(0 files\)$/);
    expect(line("Cached remote attachments")).toMatch(/\(2 files\)$/); // original and small
    expect(line("Cached remote avatars")).toMatch(/\(1 file\)$/);
    expect(line("Cached remote headers")).toMatch(/\(1 file\)$/);
  });

  it("herd media remove drops the copies, the entity names the proxy, and viewing caches again", async () => {
    const statusId = await deliverPost([document(media("/dog.jpg"), "image/jpeg")]);
    const [before] = await attachmentsOf(t, statusId);
    expect(before.url).toMatch(CACHED_ORIGINAL);

    // Not old enough yet.
    expect((await herd(t, "media", "remove")).out).toEqual([
      "Removed 0 media attachments (approx. 0 Bytes)",
    ]);
    const dry = await herd(t, "media", "remove", "--days", "0", "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.out[0]).toMatch(
      /^Removed 2 media attachments \(approx\. [\d.]+ (Bytes|KB)\) \(DRY RUN\)$/,
    );
    expect((await fetchMedia(t, before.url)).status).toBe(200);

    const removed = await herd(t, "media", "remove", "--days", "0");
    expect(removed.out[0]).toMatch(/^Removed 2 media attachments/);
    expect((await fetchMedia(t, before.url)).status).toBe(404);
    const [after] = await attachmentsOf(t, statusId);
    expect(after.url).toBe(proxyUrl(after.id));
    expect(after.remote_url).toBe(media("/dog.jpg"));
    expect(after.meta.original.width).toBe(90);

    const res = await t.request(new URL(after.url).pathname);
    expect(res.status).toBe(302);
    const location = res.headers.get("location")!;
    expect(location).toMatch(CACHED_ORIGINAL);
    expect((await fetchMedia(t, location)).status).toBe(200);
    expect((await attachmentsOf(t, statusId))[0].url).toBe(location);
    // Its age starts again (MediaProxyController#redownload!).
    expect((await herd(t, "media", "remove", "--days", "1")).out[0]).toMatch(/^Removed 0 /);
  });

  it("herd media remove --prune-profiles spares followed accounts unless --include-follows", async () => {
    const stranger = await remote.addActor("stranger", {
      icon: { type: "Image", mediaType: "image/png", url: media("/avatar.png") },
    });
    // Any signed activity makes Herd fetch and store its actor.
    await remote.deliverAndRun(t, stranger, {
      id: remote.id(),
      type: "Update",
      actor: stranger.id,
      to: [PUBLIC],
      object: stranger.document,
    });
    const cached = await accountOf("stranger");
    expect(cached.avatar).toMatch(/\/system\/cache\/accounts\/avatars\//);

    const refused = await herd(t, "media", "remove", "--prune-profiles", "--remove-headers");
    expect(refused.code).toBe(1);
    expect(refused.err).toEqual([
      "--prune-profiles and --remove-headers should not be specified simultaneously",
    ]);
    expect((await herd(t, "media", "remove", "--include-follows")).code).toBe(1);

    const headers = await herd(t, "media", "remove", "--remove-headers", "--days", "0");
    expect(headers.out).toEqual(["Visited 0 accounts and removed profile media totaling 0 Bytes"]);

    const pruned = await herd(t, "media", "remove", "--prune-profiles", "--days", "0");
    expect(pruned.out[0]).toMatch(/^Visited 1 accounts and removed profile media totaling /);
    expect((await accountOf("stranger")).avatar).toBe(media("/avatar.png"));
    expect((await fetchMedia(t, cached.avatar)).status).toBe(404);
    expect((await accountOf("poster")).avatar).toMatch(/\/system\/cache\//);

    const all = await herd(
      t,
      "media",
      "remove",
      "--prune-profiles",
      "--include-follows",
      "--days",
      "0",
    );
    expect(all.out[0]).toMatch(/^Visited 1 accounts/);
    const poster = await accountOf("poster");
    expect(poster.avatar).toBe(media("/avatar2.png"));
    expect(poster.header).toBe(media("/header.jpg"));
  });
});

// ---------------------------------------------------------------- private addresses (instance B)

// No ALLOW_PRIVATE_ADDRESS; media.example resolves to loopback.
const lookup: Lookup = (hostname, _options, callback) =>
  hostname === "media.example"
    ? callback(null, [{ address: "127.0.0.1", family: 4 }])
    : callback(Object.assign(new Error("no DNS in tests"), { code: "ENOTFOUND" }), []);
const b = await createTestInstance({ env: { DATA_DIR: await tempDir() }, cardFetch: { lookup } });

describe("private addresses", () => {
  const t = b;

  it("are refused without ALLOW_PRIVATE_ADDRESS, by name or by address", async () => {
    const author = await makeRemoteAccount(t, { domain: "media.example" });
    files.set("/private/a.png", { body: await png(10, 10), type: "image/png" });
    files.set("/private/b.png", { body: await png(10, 10), type: "image/png" });
    const status = await remoteStatus(t, author, [
      `http://media.example:${port}/private/a.png`,
      media("/private/b.png"),
    ]);
    await t.drainJobs();
    const list = await attachmentsOf(t, status.id);
    expect(list.map((m) => m.url)).toEqual([proxyUrl(list[0].id), proxyUrl(list[1].id)]);
    // The proxy refuses too.
    expect((await t.request(new URL(list[1].url).pathname)).status).toBe(404);
    expect(hitsOf("/private/a.png") + hitsOf("/private/b.png")).toBe(0);
  });
});

// ---------------------------------------------------------------- on first view (instance C)

const c = await createTestInstance({
  env: { ALLOW_PRIVATE_ADDRESS: "true", CACHE_REMOTE_MEDIA: "view", DATA_DIR: await tempDir() },
});
const author = await makeRemoteAccount(c, { domain: "pics.example" });
const friend = await makeUser(c);

describe("caching on first view (CACHE_REMOTE_MEDIA=view)", () => {
  const t = c;

  it("downloads nothing on receipt, then caches through the proxy when viewed", async () => {
    files.set("/view/a.png", { body: await png(120, 90), type: "image/png" });
    const status = await remoteStatus(t, author, [media("/view/a.png")]);
    await t.drainJobs();
    expect(hitsOf("/view/a.png")).toBe(0);
    const [m] = await attachmentsOf(t, status.id);
    expect(m.url).toBe(proxyUrl(m.id));
    expect(m.remote_url).toBe(media("/view/a.png"));

    const small = await t.request(`/media_proxy/${m.id}/small`);
    expect(small.status).toBe(302);
    expect(small.headers.get("location")).toMatch(CACHED_SMALL);
    const preview = await fetchMedia(t, small.headers.get("location")!);
    const meta = await sharp(new Uint8Array(await preview.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([120, 90]);

    const original = await t.request(`/media_proxy/${m.id}/original`);
    expect(original.status).toBe(302);
    expect(original.headers.get("location")).toMatch(CACHED_ORIGINAL);
    expect(hitsOf("/view/a.png")).toBe(1);
    const [after] = await attachmentsOf(t, status.id);
    expect(after.url).toBe(original.headers.get("location"));
    expect(after.preview_url).toBe(small.headers.get("location"));
  });

  it("answers only for attachments of statuses the viewer may see", async () => {
    files.set("/view/private.png", { body: await png(20, 20), type: "image/png" });
    const status = await remoteStatus(t, author, [media("/view/private.png")], "private");
    await t.database.db.execute(
      sql`INSERT INTO mentions (id, status_id, account_id, silent)
        VALUES (${newId()}, ${status.id}, ${friend.account.id}, false)`,
    );
    const [m] = await attachmentsOf(t, status.id, friend.token);
    expect((await t.request(`/media_proxy/${m.id}/original`)).status).toBe(404);
    expect(hitsOf("/view/private.png")).toBe(0);

    const web = browser(t);
    expect((await signIn(web, friend.user.email, friend.password)).status).toBe(303);
    const seen = await web.get(`/media_proxy/${m.id}/original`);
    expect(seen.status).toBe(302);
    expect(seen.headers.get("location")).toMatch(CACHED_ORIGINAL);
  });

  it("answers 404 for what is not a remote attachment", async () => {
    for (const p of ["/media_proxy/abc/original", "/media_proxy/99999999/original"]) {
      expect((await t.request(p)).status, p).toBe(404);
    }
    const upload = new FormData();
    upload.append("file", new File([await png(8, 8)], "a.png", { type: "image/png" }));
    const local = await t.json("/api/v2/media", {
      method: "POST",
      token: friend.token,
      multipart: upload,
    });
    expect(local.status).toBe(200);
    expect((await t.request(`/media_proxy/${local.body.id}/original`)).status).toBe(404);
  });
});

describe("CACHE_REMOTE_MEDIA", () => {
  it("is receipt by default, and refuses what it does not know", () => {
    expect(parseConfig({}).media.cacheRemoteMedia).toBe("receipt");
    expect(parseConfig({ CACHE_REMOTE_MEDIA: "View" }).media.cacheRemoteMedia).toBe("view");
    expect(() => parseConfig({ CACHE_REMOTE_MEDIA: "sometimes" })).toThrow(ConfigError);
  });
});
