import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { setSettings } from "../src/domain/instance/settings.ts";
import { urlsFor } from "../src/urls.ts";
import { makeUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const split = await createTestInstance({ env: { WEB_DOMAIN: "social.herd.test" } });

afterEach(async () => {
  await t.database.db.execute(sql`DELETE FROM site_settings`);
});

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe("NodeInfo", () => {
  it("links to the 2.0 and 2.1 documents from /.well-known/nodeinfo", async () => {
    const { status, body, res } = await t.json("/.well-known/nodeinfo", {
      headers: { origin: "https://tools.example" },
    });
    expect(status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(body).toEqual({
      links: [
        {
          rel: "http://nodeinfo.diaspora.software/ns/schema/2.0",
          href: "https://herd.test/nodeinfo/2.0",
        },
        {
          rel: "http://nodeinfo.diaspora.software/ns/schema/2.1",
          href: "https://herd.test/nodeinfo/2.1",
        },
      ],
    });
  });

  it("serves NodeInfo 2.0 with its profile and real counts", async () => {
    await makeUser(t);
    await setSettings(t.database.db, {
      site_title: "Herd Node",
      site_short_description: "Tests all the way down",
    });
    const { status, body, res } = await t.json("/nodeinfo/2.0");
    expect(status).toBe(200);
    expect(res.headers.get("content-type")).toBe(
      'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.0#"',
    );
    expect(res.headers.get("cache-control")).toBe("public, max-age=1800");
    expect(body).toEqual({
      version: "2.0",
      software: { name: "herd", version: "0.1.0" },
      protocols: ["activitypub"],
      services: { outbound: [], inbound: [] },
      usage: {
        users: {
          total: expect.any(Number),
          activeMonth: expect.any(Number),
          activeHalfyear: expect.any(Number),
        },
        localPosts: 0,
      },
      openRegistrations: true,
      metadata: { nodeName: "Herd Node", nodeDescription: "Tests all the way down" },
    });
    expect(body.usage.users.total).toBeGreaterThanOrEqual(1);
    expect(body.usage.users.activeMonth).toBeGreaterThanOrEqual(1);
    expect(body.software.name).toMatch(/^[a-z0-9-]+$/);
  });

  it("serves NodeInfo 2.1 with the repository", async () => {
    await setSettings(t.database.db, { registrations_mode: "none" });
    const { status, body, res } = await t.json("/nodeinfo/2.1");
    expect(status).toBe(200);
    expect(res.headers.get("content-type")).toBe(
      'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"',
    );
    expect(body.version).toBe("2.1");
    expect(body.software).toEqual({
      name: "herd",
      version: "0.1.0",
      repository: expect.stringMatching(/^https:\/\//),
      homepage: expect.stringMatching(/^https:\/\//),
    });
    expect(body.openRegistrations).toBe(false);
  });

  it("answers 404 for NodeInfo versions it does not serve", async () => {
    expect((await t.request("/nodeinfo/1.0")).status).toBe(404);
  });

  it("uses WEB_DOMAIN in links", async () => {
    const { body } = await split.json("/.well-known/nodeinfo");
    expect(body.links[0].href).toBe("https://social.herd.test/nodeinfo/2.0");
  });
});

describe("host-meta", () => {
  it("is XRD pointing to WebFinger by default", async () => {
    const res = await t.request("/.well-known/host-meta");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/xrd+xml; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("public, max-age=259200");
    const xml = await res.text();
    expect(xml).toContain('<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">');
    expect(xml).toContain(
      '<Link rel="lrdd" template="https://herd.test/.well-known/webfinger?resource={uri}"/>',
    );
  });

  it("is JRD when asked with ?format=json, an Accept header or host-meta.json", async () => {
    const expected = {
      links: [{ rel: "lrdd", template: "https://herd.test/.well-known/webfinger?resource={uri}" }],
    };
    for (const [path, headers] of [
      ["/.well-known/host-meta?format=json", {}],
      ["/.well-known/host-meta", { accept: "application/json" }],
      ["/.well-known/host-meta", { accept: "application/jrd+json" }],
      ["/.well-known/host-meta.json", {}],
    ] as const) {
      const { status, body, res } = await t.json(path, { headers });
      expect(status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/jrd+json; charset=utf-8");
      expect(body).toEqual(expected);
    }
  });

  it("points to WebFinger on WEB_DOMAIN", async () => {
    const xml = await (await split.request("/.well-known/host-meta")).text();
    expect(xml).toContain("https://social.herd.test/.well-known/webfinger?resource={uri}");
  });
});

describe("default images", () => {
  const images = [
    ["/avatars/original/missing.png", 400, 400],
    ["/headers/original/missing.png", 1500, 500],
    ["/images/preview.png", 1200, 630],
  ] as const;

  it.each(images)("serves %s as a small PNG of %ix%i", async (path, width, height) => {
    const res = await t.request(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("cache-control")).toBe("public, max-age=2592000");
    const etag = res.headers.get("etag");
    expect(etag).toMatch(/^"[\w-]+"$/);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(pngSize(bytes)).toEqual({ width, height });
    expect(bytes.length).toBeLessThan(8 * 1024);

    const again = await t.request(path, { headers: { "if-none-match": etag! } });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
    expect(await again.text()).toBe("");
    const weak = await t.request(path, { headers: { "if-none-match": `W/${etag}` } });
    expect(weak.status).toBe(304);
    const stale = await t.request(path, { headers: { "if-none-match": '"something-else"' } });
    expect(stale.status).toBe(200);
  });

  it("serves the images that accounts and the instance point to", async () => {
    const { account } = await makeUser(t);
    const { body: me } = await t.json(`/api/v2/instance`);
    const urls = urlsFor(t.config);
    for (const url of [urls.defaultAvatar, urls.defaultHeader, me.thumbnail.url]) {
      const path = new URL(url).pathname;
      const res = await t.request(path);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/png");
    }
    expect(account.avatarUrl).toBeNull();
  });

  it("answers HEAD without a body", async () => {
    const res = await t.request("/avatars/original/missing.png", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it("serves nothing else from public/", async () => {
    for (const path of [
      "/avatars/original/other.png",
      "/images/other.png",
      "/public/images/preview.png",
      "/scripts/make-default-images.ts",
    ]) {
      expect((await t.request(path)).status).toBe(404);
    }
  });
});
