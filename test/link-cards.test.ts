// Link previews (https://docs.joinmastodon.org/entities/PreviewCard/): the
// first link of a status gets a card, fetched by a background job from a
// local HTTP server that plays the web (OpenGraph, JSON-LD, oEmbed, players,
// redirects, huge and slow pages), reached as *.test names through the
// fetcher's injectable DNS. ALLOW_PRIVATE_ADDRESS lets this instance fetch
// from loopback; a second instance without it must refuse.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { previewCards } from "../src/db/schema/index.ts";
import { sanitizeOembedHtml } from "../src/domain/cards/oembed-html.ts";
import { isPrivateAddress, safeGet, type Lookup } from "../src/lib/safe-fetch.ts";
import { updateRemoteStatus } from "../src/domain/statuses/remote-status-edits.ts";
import { createRemoteStatus } from "../src/domain/statuses/remote-statuses.ts";
import {
  makeRemoteAccount,
  makeUser,
  postStatus,
  remoteStatusContent,
  remoteStatusData,
  type TestUser,
} from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import { listen, socket } from "./kit/streaming.ts";
import { fetchMedia, png } from "./media-fixtures.ts";

// --- The web, as one local server.

const hits = new Map<string, number>();
const hanging: http.ServerResponse[] = [];
const image = await png(1200, 630, [30, 90, 200]);
let base = "";

const page = (head: string, body = "") =>
  `<!doctype html><html lang="fr"><head><meta charset="utf-8">${head}</head><body>${body}</body></html>`;

const ARTICLE = page(`<title>Fallback title</title>
  <meta property="og:title" content="Herds &amp; flocks">
  <meta property="og:description" content="How animals move together">
  <meta property="og:image" content="/image.png">
  <meta property="og:image:alt" content="A herd on a hill">
  <meta property="og:site_name" content="Animal News">
  <meta property="og:type" content="article">
  <meta property="og:locale" content="en_GB">
  <meta property="article:published_time" content="2024-05-01T10:00:00Z">`);

const oembedPage = (kind: string) =>
  page(`<title>Page of ${kind}</title>
  <meta property="og:title" content="OpenGraph ${kind}">
  <link rel="alternate" type="application/json+oembed" href="/oembed.json?kind=${kind}">`);

const OEMBED: Record<string, object> = {
  video: {
    version: "1.0",
    type: "video",
    title: "A video",
    author_name: "Someone",
    author_url: "/people/someone",
    provider_name: "Tube",
    provider_url: "/",
    width: 480,
    height: 270,
    thumbnail_url: "/image.png",
    html: '<iframe src="https://player.example/embed/1" width="480" height="270" frameborder="0" allowfullscreen onload="steal()"></iframe><script>alert(1)</script>',
  },
  photo: {
    version: "1.0",
    type: "photo",
    title: "A photo",
    url: "/image.png",
    width: 1200,
    height: 630,
  },
  rich: { version: "1.0", type: "rich", title: "Rich", html: "<script>x()</script>" },
};

function route(req: http.IncomingMessage, res: http.ServerResponse) {
  const url = new URL(req.url ?? "/", "http://x");
  hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
  const html = (body: string) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(body);
  };
  switch (url.pathname) {
    case "/article":
    case "/article-again":
      return html(ARTICLE);
    case "/plain":
      return html(page("<title> Just a title </title>"));
    case "/canonical":
      return html(
        page(`<title>Canonical</title><link rel="canonical" href="${base}/the-canonical-one">`),
      );
    case "/json-ld":
      return html(
        page(`<title>ignored</title><script type="application/ld+json">
          {"@context":"https://schema.org","@type":"NewsArticle","headline":"Structured headline",
           "description":"Structured description","inLanguage":"de-DE",
           "datePublished":"2023-02-03T04:05:06Z",
           "author":{"@type":"Person","name":"Reporter","url":"https://news.example/reporter"},
           "publisher":{"@type":"Organization","name":"The Paper"}}</script>`),
      );
    case "/player":
      return html(
        page(`<meta property="og:title" content="Watch this">
          <meta name="twitter:player" content="https://player.example/embed/2">
          <meta name="twitter:player:width" content="640">
          <meta name="twitter:player:height" content="360">`),
      );
    case "/oembed-video":
    case "/oembed-photo":
    case "/oembed-rich":
      return html(oembedPage(url.pathname.slice("/oembed-".length)));
    case "/oembed.json": {
      const doc = OEMBED[url.searchParams.get("kind") ?? ""];
      res.writeHead(doc ? 200 : 404, { "content-type": "application/json" });
      return res.end(JSON.stringify(doc ?? {}));
    }
    case "/image.png":
      res.writeHead(200, { "content-type": "image/png" });
      return res.end(image);
    case "/go":
      res.writeHead(302, { location: "/plain?via=go" });
      return res.end();
    case "/loop":
      res.writeHead(302, { location: "/loop" });
      return res.end();
    case "/huge": {
      // The tags come first; 3 MB follow, of which only the first MB is read.
      res.writeHead(200, { "content-type": "text/html" });
      res.write(page('<meta property="og:title" content="Huge but early">', ""));
      const chunk = "<p>" + "x".repeat(64 * 1024) + "</p>";
      for (let i = 0; i < 48; i++) res.write(chunk);
      return res.end();
    }
    case "/huge-late": {
      res.writeHead(200, { "content-type": "text/html" });
      res.write("<html><body><p>" + "y".repeat(1100 * 1024) + "</p>");
      return res.end("<title>Too late</title></body></html>");
    }
    case "/slow":
      hanging.push(res);
      return;
    case "/text":
      res.writeHead(200, { "content-type": "text/plain" });
      return res.end("<title>not html</title>");
    case "/private":
      return html(page("<title>Internal</title>"));
    default:
      res.writeHead(404, { "content-type": "text/html" });
      return res.end(page("<title>Not found</title>"));
  }
}

const server = http.createServer(route);
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const port = (server.address() as AddressInfo).port;
base = `http://site.test:${port}`;
afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** *.test names are this machine; nothing else resolves. */
const lookup: Lookup = (hostname, _options, callback) => {
  if (hostname.endsWith(".test")) callback(null, [{ address: "127.0.0.1", family: 4 }]);
  else callback(Object.assign(new Error(`unknown host ${hostname}`), { code: "ENOTFOUND" }), []);
};

const t = await createTestInstance({
  env: { ALLOW_PRIVATE_ADDRESS: "true" },
  cardFetch: { lookup, timeoutMs: 1500 },
});
const alice = await makeUser(t);

/** Posts `text` as `user`, runs the jobs, and answers the status as GET shows it. */
async function postAndFetch(text: string, user: TestUser = alice, params: object = {}) {
  const posted = await postStatus(t, user, { status: text, visibility: "public", ...params });
  expect(posted.card).toBeNull();
  await t.drainJobs();
  return (await t.json(`/api/v1/statuses/${posted.id}`, { token: user.token })).body;
}

describe("OpenGraph cards", () => {
  it("gives the first link a card from its OpenGraph tags, with its image stored and blurhashed", async () => {
    const status = await postAndFetch(`Read this ${base}/article and ${base}/plain`);
    expect(status.card).toEqual({
      url: `${base}/article`,
      title: "Herds & flocks",
      description: "How animals move together",
      language: "en",
      type: "link",
      author_name: "",
      author_url: "",
      provider_name: "Animal News",
      provider_url: "",
      html: "",
      width: expect.any(Number),
      height: expect.any(Number),
      image: expect.stringMatching(
        /^https:\/\/herd\.test\/system\/preview_cards\/images\/(\d{3}\/)+original\/[0-9a-f]{16}\.png$/,
      ),
      image_description: "A herd on a hill",
      embed_url: "",
      blurhash: expect.any(String),
      published_at: "2024-05-01T10:00:00.000Z",
      authors: [{ name: "", url: "", account: null }],
    });
    // PreviewCard's `original` style: within 640x360's pixel count, the size the card gives.
    const stored = await fetchMedia(t, status.card.image);
    expect(stored.status).toBe(200);
    const meta = await sharp(Buffer.from(await stored.arrayBuffer())).metadata();
    expect(meta.width! * meta.height!).toBeLessThanOrEqual(230_400);
    expect([status.card.width, status.card.height]).toEqual([meta.width, meta.height]);
  });

  it("reuses a card for the next status linking to the same page, without fetching it again", async () => {
    const before = hits.get("/article") ?? 0;
    const status = await postAndFetch(`Again: ${base}/article`);
    expect(status.card.title).toBe("Herds & flocks");
    expect(hits.get("/article")).toBe(before);
  });

  it("falls back to <title>, and skips mentions, hashtags and this server's own links", async () => {
    const bob = await makeUser(t);
    const status = await postAndFetch(
      `@${bob.account.username} #herd https://herd.test/@${bob.account.username} ${base}/plain`,
    );
    expect(status.card).toMatchObject({ url: `${base}/plain`, title: "Just a title", image: null });
    // <html lang="fr"> when nothing else names the language.
    expect(status.card.language).toBe("fr");
  });

  it("reads JSON-LD before OpenGraph", async () => {
    const status = await postAndFetch(`${base}/json-ld`);
    expect(status.card).toMatchObject({
      title: "Structured headline",
      description: "Structured description",
      language: "de",
      author_name: "Reporter",
      author_url: "https://news.example/reporter",
      provider_name: "The Paper",
      published_at: "2023-02-03T04:05:06.000Z",
      authors: [{ name: "Reporter", url: "https://news.example/reporter", account: null }],
    });
  });

  it("makes a video card of a twitter:player page", async () => {
    const status = await postAndFetch(`${base}/player`);
    expect(status.card).toMatchObject({
      type: "video",
      title: "Watch this",
      width: 640,
      height: 360,
    });
    expect(status.card.html).toContain('src="https://player.example/embed/2"');
    expect(status.card.html).toMatch(/^<iframe [^>]*><\/iframe>$/);
  });

  it("keeps the link as written while the card is saved under the canonical URL", async () => {
    const status = await postAndFetch(`${base}/canonical`);
    expect(status.card.url).toBe(`${base}/canonical`);
    const [row] = await t.database.db
      .select()
      .from(previewCards)
      .where(eq(previewCards.url, `${base}/the-canonical-one`));
    expect(row?.title).toBe("Canonical");
  });
});

describe("cards of other servers' statuses", () => {
  it("fetches the card of a remote status's first link, as for local ones", async () => {
    const author = await makeRemoteAccount(t, { domain: "elsewhere.example" });
    const status = await createRemoteStatus(
      t.deps.database.db,
      remoteStatusData(author, {
        uri: `https://elsewhere.example/users/${author.username}/statuses/1`,
        content: `<p>Look: <a href="${base}/article" rel="nofollow">an article</a></p>`,
      }),
      { jobs: t.jobs },
    );
    await t.drainJobs();
    const shown = await t.json(`/api/v1/statuses/${status!.id}`);
    expect(shown.body.card).toMatchObject({ url: `${base}/article`, title: "Herds & flocks" });

    // Its server edits it to name another link: the card follows.
    await updateRemoteStatus(
      t.deps.database.db,
      author.id,
      status!.uri!,
      {
        ...remoteStatusContent({ content: `<p>Rather: <a href="${base}/plain">this</a></p>` }),
        editedAt: new Date(),
      },
      { jobs: t.jobs },
    );
    await t.drainJobs();
    const edited = await t.json(`/api/v1/statuses/${status!.id}`);
    expect(edited.body.card).toMatchObject({ url: `${base}/plain`, title: "Just a title" });
  });
});

describe("oEmbed cards", () => {
  it("uses the page's JSON oEmbed for a video, its html cut to the iframe allow-list", async () => {
    const status = await postAndFetch(`${base}/oembed-video`);
    expect(status.card).toMatchObject({
      type: "video",
      title: "A video",
      author_name: "Someone",
      author_url: `${base}/people/someone`,
      provider_name: "Tube",
      provider_url: `${base}/`,
      width: 480,
      height: 270,
      description: "",
    });
    expect(status.card.image).not.toBeNull();
    expect(status.card.html).toBe(
      '<iframe allowfullscreen="" frameborder="0" height="270" src="https://player.example/embed/1" width="480"></iframe>',
    );
  });

  it("makes a photo card with the photo as image and embed_url", async () => {
    const status = await postAndFetch(`${base}/oembed-photo`);
    expect(status.card).toMatchObject({
      type: "photo",
      title: "A photo",
      embed_url: `${base}/image.png`,
      width: 1200,
      height: 630,
    });
    expect(status.card.image).not.toBeNull();
  });

  it("refuses rich oEmbed and uses the page's OpenGraph tags instead", async () => {
    const status = await postAndFetch(`${base}/oembed-rich`);
    expect(status.card).toMatchObject({ type: "link", title: "OpenGraph rich", html: "" });
  });
});

describe("fetch limits", () => {
  it("follows a redirect: the card is the page reached, shown with the link as written", async () => {
    const status = await postAndFetch(`${base}/go`);
    expect(status.card).toMatchObject({ url: `${base}/go`, title: "Just a title" });
  });

  it("gives up after 5 redirects", async () => {
    const status = await postAndFetch(`${base}/loop`);
    expect(status.card).toBeNull();
    expect(hits.get("/loop")).toBe(6);
  });

  it("reads the first megabyte of a huge page, and no further", async () => {
    expect((await postAndFetch(`${base}/huge`)).card?.title).toBe("Huge but early");
    expect((await postAndFetch(`${base}/huge-late`)).card).toBeNull();
  });

  it("gives up on a page that does not answer in time", async () => {
    const status = await postAndFetch(`${base}/slow`);
    expect(status.card).toBeNull();
    expect(hits.get("/slow")).toBe(1);
  });

  it("makes no card of what is not an HTML page answering 200", async () => {
    expect((await postAndFetch(`${base}/text`)).card).toBeNull();
    expect((await postAndFetch(`${base}/missing`)).card).toBeNull();
    expect((await postAndFetch(`http://nowhere.invalid/page`)).card).toBeNull();
  });

  it("refuses loopback and private addresses, named or literal", async () => {
    for (const address of [
      "127.0.0.1",
      "10.1.2.3",
      "192.168.0.1",
      "169.254.169.254",
      "::1",
      "fd00::1",
      "::ffff:127.0.0.1",
      "fe80::1",
    ]) {
      expect(isPrivateAddress(address)).toBe(true);
    }
    for (const address of ["93.184.216.34", "2606:4700::1111"]) {
      expect(isPrivateAddress(address)).toBe(false);
    }
    const options = {
      allowPrivateAddress: false,
      timeoutMs: 1500,
      maxBytes: 1024,
      overflow: "error" as const,
      maxRedirects: 5,
      userAgent: "test",
      accept: "*/*",
      lookup,
    };
    const before = hits.get("/private") ?? 0;
    await expect(safeGet(`${base}/private`, options)).rejects.toMatchObject({ reason: "refused" });
    await expect(safeGet(`http://127.0.0.1:${port}/private`, options)).rejects.toMatchObject({
      reason: "refused",
    });
    await expect(safeGet(`file:///etc/passwd`, options)).rejects.toMatchObject({
      reason: "refused",
    });
    expect(hits.get("/private") ?? 0).toBe(before);
  });
});

describe("card lifecycle", () => {
  it("changes the card when an edit changes the link, and takes it away when the link goes", async () => {
    const posted = await postAndFetch(`${base}/plain`);
    expect(posted.card.title).toBe("Just a title");
    const edit = async (text: string) => {
      const res = await t.json(`/api/v1/statuses/${posted.id}`, {
        method: "PUT",
        token: alice.token,
        json: { status: text },
      });
      expect(res.status).toBe(200);
      await t.drainJobs();
      return (await t.json(`/api/v1/statuses/${posted.id}`)).body;
    };
    expect((await edit(`Now ${base}/article`)).card.title).toBe("Herds & flocks");
    expect((await edit("No link any more")).card).toBeNull();
  });

  it("shows the card in timelines, boosts and to visitors", async () => {
    const status = await postAndFetch(`${base}/article-again`);
    const boost = await t.json(`/api/v1/statuses/${status.id}/reblog`, {
      method: "POST",
      token: alice.token,
    });
    expect(boost.body.reblog.card.url).toBe(`${base}/article-again`);
    const timeline = await t.json(`/api/v1/timelines/public?local=true`);
    const shown = timeline.body.find((s: any) => s.id === status.id);
    expect(shown.card.title).toBe("Herds & flocks");
  });

  it("sends status.update on streams when the card lands", async () => {
    const listener = await listen(t);
    const reader = await makeUser(t);
    const ws = await socket(listener.ws, { token: reader.token });
    ws.send({ type: "subscribe", stream: "public" });
    ws.send({ type: "subscribe", stream: "barrier" });
    expect(await ws.next()).toEqual({ error: "Unknown stream type", status: 400 });
    const posted = await postStatus(t, alice, { status: `${base}/player`, visibility: "public" });
    const update = await ws.next();
    expect(update).toMatchObject({ event: "update" });
    expect(update.body.card).toBeNull();
    await t.drainJobs();
    const landed = await ws.next();
    expect(landed.event).toBe("status.update");
    expect(landed.body.id).toBe(posted.id);
    expect(landed.body.card.title).toBe("Watch this");
    ws.close();
    await listener.close();
  });
});

describe("GET /api/v1/timelines/link", () => {
  it("lists public statuses of discoverable accounts carrying the link's card, newest first", async () => {
    const dan = await makeUser(t);
    await t.json("/api/v1/accounts/update_credentials", {
      method: "PATCH",
      token: dan.token,
      json: { discoverable: true },
    });
    const hidden = await makeUser(t); // not discoverable: left out, as LinkFeed
    const first = await postAndFetch(`one ${base}/json-ld`, dan);
    const second = await postAndFetch(`two ${base}/json-ld`, dan);
    await postAndFetch(`three ${base}/json-ld`, hidden);
    const unlisted = await postAndFetch(`four ${base}/json-ld`, dan, { visibility: "unlisted" });
    expect(unlisted.card).not.toBeNull();

    const url = encodeURIComponent(`${base}/json-ld`);
    const res = await t.json(`/api/v1/timelines/link?url=${url}`);
    expect(res.status).toBe(200);
    expect(res.body.map((s: any) => s.id)).toEqual([second.id, first.id]);
    expect(res.body[0].card.title).toBe("Structured headline");

    const page = await t.json(`/api/v1/timelines/link?url=${url}&limit=1`);
    expect(page.body.map((s: any) => s.id)).toEqual([second.id]);
    expect(page.res.headers.get("link")).toContain(`max_id=${second.id}`);
    expect(page.res.headers.get("link")).toContain("url=");
  });

  it("answers 404 for a link without a card, and 401 for a bad token", async () => {
    const missing = await t.json(
      `/api/v1/timelines/link?url=${encodeURIComponent("https://nothing.example/")}`,
    );
    expect(missing).toMatchObject({ status: 404, body: { error: "Record not found" } });
    expect((await t.json("/api/v1/timelines/link")).status).toBe(404);
    const bad = await t.json(`/api/v1/timelines/link?url=x`, { token: "not-a-token" });
    expect(bad.status).toBe(401);
  });
});

describe("without ALLOW_PRIVATE_ADDRESS", () => {
  it("fetches nothing from a name that resolves to loopback", async () => {
    const strict = await createTestInstance({ cardFetch: { lookup, timeoutMs: 1500 } });
    const carol = await makeUser(strict);
    const before = hits.get("/private") ?? 0;
    const posted = await postStatus(strict, carol, { status: `${base}/private` });
    await strict.drainJobs();
    const { body } = await strict.json(`/api/v1/statuses/${posted.id}`, { token: carol.token });
    expect(body.card).toBeNull();
    expect(hits.get("/private") ?? 0).toBe(before);
  });
});

describe("sanitizeOembedHtml", () => {
  it("keeps media elements with their allowed attributes over http(s) only", () => {
    expect(
      sanitizeOembedHtml(
        '<div class="x" style="color:red"><video controls src="x" onplay="y()"><source src="javascript:alert(1)" type="video/mp4"><source src="https://cdn.example/v.mp4" type="video/mp4"></video><object data="x">gone</object><b>kept</b><marquee>text</marquee></div>',
      ),
    ).toBe(
      '<div class="x"><video controls=""><source type="video/mp4"><source src="https://cdn.example/v.mp4" type="video/mp4"></video><b>kept</b>text</div>',
    );
  });
});
