// Domain blocks that reject media (domain_blocks.reject_media, or a
// suspension), as Mastodon's DomainBlock.reject_media? and skip_download?:
// the rule of a domain is its own block or its nearest parent's; attachments
// of such a server stay remote URLs of type `unknown`, never downloaded on
// receipt nor through the media proxy; avatars, headers and custom emojis
// are not taken; link preview images on such a server are not fetched.
// Blocks are seeded rows (Herd has no admin API for them yet).
import { createServer } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { domainBlocks, statuses, type AccountRow } from "../src/db/schema/index.ts";
import { domainVariants } from "../src/domain/instance/domain-block-rules.ts";
import { setAttachments } from "../src/domain/statuses/remote-status-parts.ts";
import { newId } from "../src/lib/ids.ts";
import type { Lookup } from "../src/lib/safe-fetch.ts";
import { PUBLIC, startFakeRemote } from "./kit/fake-remote.ts";
import { follow, makeRemoteAccount, makeUser, postStatus } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import { png } from "./media-fixtures.ts";

// ---------------------------------------------------------------- a web of files

const hits: string[] = [];
const image = await png(64, 48);
let port = 0;
const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://x");
  hits.push(`${req.headers.host?.split(":")[0]}${url.pathname}`);
  if (url.pathname.endsWith(".png")) {
    res.writeHead(200, { "content-type": "image/png", "content-length": image.length });
    res.end(image);
    return;
  }
  if (url.pathname === "/article") {
    const host = url.searchParams.get("img") ?? "";
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html><head><title>An article</title>
      <meta property="og:title" content="An article">
      <meta property="og:image" content="http://${host}:${port}/card.png"></head></html>`);
    return;
  }
  res.writeHead(404).end();
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
port = (server.address() as AddressInfo).port;
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);
const file = (p: string) => `http://127.0.0.1:${port}${p}`;
const hitsOf = (p: string) => hits.filter((h) => h.endsWith(p)).length;

/** *.test names are this machine (link previews). */
const lookup: Lookup = (hostname, _options, callback) => {
  if (hostname.endsWith(".test")) callback(null, [{ address: "127.0.0.1", family: 4 }]);
  else callback(new Error(`no such host: ${hostname}`), []);
};

const dataDir = await mkdtemp(path.join(os.tmpdir(), "herd-reject-media-"));
afterAll(() => rm(dataDir, { recursive: true, force: true }));
const t = await createTestInstance({
  env: { ALLOW_PRIVATE_ADDRESS: "true", DATA_DIR: dataDir },
  cardFetch: { lookup, timeoutMs: 1500 },
});
const db = t.database.db;
const alice = await makeUser(t, { username: "alice" });
const remote = await startFakeRemote();

async function block(domain: string, values: Partial<typeof domainBlocks.$inferInsert>) {
  await db.insert(domainBlocks).values({ id: newId(), domain, ...values });
}

/** A remote public status by `author` with attachments of `urls`, stored as federation stores them. */
async function remoteStatus(author: AccountRow, urls: string[]): Promise<string> {
  const id = newId();
  await db.transaction(async (tx) => {
    const [status] = await tx
      .insert(statuses)
      .values({
        id,
        uri: `https://${author.domain}/statuses/${id}`,
        accountId: author.id,
        content: "<p>look</p>",
        visibility: "public",
        local: false,
      })
      .returning();
    const list = urls.map((url) => ({
      url,
      type: "image" as const,
      description: "a picture",
      blurhash: null,
      meta: {},
    }));
    await setAttachments(tx, status!, list, t.jobs);
  });
  return id;
}

const attachmentsOf = async (statusId: string) => {
  const res = await t.json(`/api/v1/statuses/${statusId}`);
  expect(res.status).toBe(200);
  return res.body.media_attachments as any[];
};

const proxyPath = (id: string, style = "original") => `/media_proxy/${id}/${style}`;

beforeAll(async () => {
  await block("rejected.example", { severity: "noop", rejectMedia: true });
  // A more specific block that does not reject media wins for its subdomain.
  await block("ok.rejected.example", { severity: "noop", rejectMedia: false });
  await block("suspended.example", { severity: "suspend" });
  await block("silenced.example", { severity: "silence" });
  await block("blocked.test", { severity: "noop", rejectMedia: true });
});

describe("domain_blocks rules", () => {
  it("takes a domain and its parents, longest first, normalised", () => {
    expect(domainVariants("Media.Rejected.Example.")).toEqual([
      "media.rejected.example",
      "rejected.example",
      "example",
    ]);
    expect(domainVariants("bücher.example:8443")).toEqual([
      "xn--bcher-kva.example:8443",
      "example:8443",
    ]);
  });
});

describe("attachments of a server whose media are rejected", () => {
  it("stays remote, of type unknown, never downloaded nor proxied", async () => {
    const rejected = await makeRemoteAccount(t, { domain: "media.rejected.example" });
    const suspended = await makeRemoteAccount(t, { domain: "suspended.example" });
    const allowed = await makeRemoteAccount(t, { domain: "ok.rejected.example" });
    const silenced = await makeRemoteAccount(t, { domain: "silenced.example" });
    const refused = [
      await remoteStatus(rejected, [file("/r1.png")]),
      await remoteStatus(suspended, [file("/s1.png")]),
    ];
    const kept = [
      await remoteStatus(allowed, [file("/a1.png")]),
      await remoteStatus(silenced, [file("/l1.png")]),
    ];
    await t.drainJobs();

    for (const statusId of refused) {
      const [m] = await attachmentsOf(statusId);
      expect(m).toMatchObject({
        type: "unknown",
        description: "a picture",
        url: `https://herd.test${proxyPath(m.id)}`,
      });
      expect((await t.request(proxyPath(m.id))).status).toBe(404);
      expect((await t.request(proxyPath(m.id, "small"))).status).toBe(404);
    }
    expect(hitsOf("/r1.png") + hitsOf("/s1.png")).toBe(0);

    for (const statusId of kept) {
      const [m] = await attachmentsOf(statusId);
      expect(m.type).toBe("image");
      expect(m.url).toMatch(/^https:\/\/herd\.test\/system\/cache\/media_attachments\//);
    }
    expect(hitsOf("/a1.png")).toBe(1);
    expect(hitsOf("/l1.png")).toBe(1);
  });

  it("is not downloaded when the block comes after the post, on receipt or on view", async () => {
    const later = await makeRemoteAccount(t, { domain: "later.example" });
    const statusId = await remoteStatus(later, [file("/later.png")]);
    await block("later.example", { severity: "noop", rejectMedia: true });
    await t.drainJobs();
    const [m] = await attachmentsOf(statusId);
    expect(m.type).toBe("image");
    expect(m.url).toBe(`https://herd.test${proxyPath(m.id)}`);
    expect((await t.request(proxyPath(m.id))).status).toBe(404);
    expect(hitsOf("/later.png")).toBe(0);
  });
});

describe("accounts and emojis of a server whose media are rejected", () => {
  it("takes no avatar, header nor custom emoji, and downloads nothing", async () => {
    await block(remote.host, { severity: "noop", rejectMedia: true });
    const poster = await remote.addActor("poster", {
      icon: { type: "Image", mediaType: "image/png", url: file("/avatar.png") },
      image: { type: "Image", mediaType: "image/png", url: file("/header.png") },
    });
    const lookedUp = await t.json(`/api/v1/accounts/lookup?acct=poster@${remote.host}`);
    expect(lookedUp.status).toBe(200);
    await t.drainJobs();
    const account = (await t.json(`/api/v1/accounts/${lookedUp.body.id}`)).body;
    expect(account.avatar).toBe("https://herd.test/avatars/original/missing.png");
    expect(account.header).toBe("https://herd.test/headers/original/missing.png");
    // alice follows poster: its posts are stored.
    await follow(t, alice, account.id);
    await remote.deliverAndRun(t, poster, {
      id: remote.id(),
      type: "Accept",
      actor: poster.id,
      object: { type: "Follow", actor: "https://herd.test/users/alice", object: poster.id },
    });

    const note = {
      id: `${poster.id}/statuses/1`,
      type: "Note",
      attributedTo: poster.id,
      content: "<p>Hello :blobwave:</p>",
      published: new Date().toISOString(),
      to: [PUBLIC],
      cc: [`${poster.id}/followers`],
      attachment: [{ type: "Document", mediaType: "image/png", url: file("/post.png") }],
      tag: [
        {
          type: "Emoji",
          name: ":blobwave:",
          icon: { type: "Image", mediaType: "image/png", url: file("/blobwave.png") },
        },
      ],
    };
    await remote.deliverAndRun(t, poster, {
      id: `${note.id}/activity`,
      type: "Create",
      actor: poster.id,
      to: note.to,
      cc: note.cc,
      object: note,
    });
    await t.drainJobs();
    const { rows } = await db.execute<{ id: string }>(
      sql`SELECT id::text FROM statuses WHERE uri = ${note.id}`,
    );
    const status = (await t.json(`/api/v1/statuses/${rows[0]!.id}`)).body;
    expect(status.emojis).toEqual([]);
    expect(status.media_attachments).toMatchObject([
      { type: "unknown", remote_url: file("/post.png") },
    ]);
    const emojis = await db.execute(sql`SELECT 1 FROM custom_emojis WHERE domain = ${remote.host}`);
    expect(emojis.rows).toEqual([]);
    for (const p of ["/avatar.png", "/header.png", "/post.png", "/blobwave.png"]) {
      expect(hitsOf(p)).toBe(0);
    }
  });
});

describe("link previews", () => {
  it("fetch no image from a server whose media are rejected", async () => {
    const cardOf = async (img: string) => {
      const posted = await postStatus(t, alice, `Read http://site.test:${port}/article?img=${img}`);
      await t.drainJobs();
      return (await t.json(`/api/v1/statuses/${posted.id}`)).body.card;
    };
    const refused = await cardOf("img.blocked.test");
    expect(refused).toMatchObject({ title: "An article", image: null });
    expect(hits).not.toContain("img.blocked.test/card.png");

    const allowed = await cardOf("img.fine.test");
    expect(allowed.title).toBe("An article");
    expect(allowed.image).toMatch(/^https:\/\/herd\.test\/system\/preview_cards\/images\//);
    expect(hits).toContain("img.fine.test/card.png");
  });
});
