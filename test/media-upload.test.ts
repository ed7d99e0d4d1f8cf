// Uploading media (https://docs.joinmastodon.org/methods/media/): images
// processed with sharp (orientation applied, metadata stripped, reduced to
// Mastodon's sizes, blurhash), file types read from content, Mastodon's
// errors, and what happens to video without ffmpeg.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { FFMPEG_MISSING, ffmpegAvailable } from "../src/domain/media/ffmpeg.ts";
import { makeUser, tokenFor } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import {
  animatedGif,
  fetchMedia,
  form,
  gif,
  jpeg,
  near,
  orientedJpeg,
  pixel,
  png,
  webp,
} from "./media-fixtures.ts";

const dataDir = await mkdtemp(path.join(os.tmpdir(), "herd-media-"));
afterAll(() => rm(dataDir, { recursive: true, force: true }));
const t = await createTestInstance({ env: { DATA_DIR: dataDir } });
const hasFfmpeg = await ffmpegAvailable(t.config.media);

const URL_RE =
  /^https:\/\/herd\.test\/system\/media_attachments\/files\/\d{3}\/\d{3}\/\d{3}\/\d{3}\/\d{3}\/\d{3}\/(original|small)\/[0-9a-f]{16}\.\w+$/;

async function upload(token: string, body: FormData, version = "v2") {
  return t.json(`/api/${version}/media`, { method: "POST", token, multipart: body });
}

describe("POST /api/v2/media with images", () => {
  it("applies the EXIF orientation, strips metadata, and answers Mastodon's entity", async () => {
    const me = await makeUser(t);
    const res = await upload(
      me.token,
      form(await orientedJpeg(), {
        name: "photo.jpg",
        type: "image/jpeg",
        fields: { description: "A red and blue card", focus: "-0.5,0.25" },
      }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^\d+$/),
      type: "image",
      url: expect.stringMatching(URL_RE),
      preview_url: expect.stringMatching(URL_RE),
      remote_url: null,
      preview_remote_url: null,
      meta: {
        focus: { x: -0.5, y: 0.25 },
        // 300x200 turned a quarter: 200x300.
        original: { width: 200, height: 300, size: "200x300", aspect: 200 / 300 },
        small: { width: 200, height: 300, size: "200x300", aspect: 200 / 300 },
      },
      description: "A red and blue card",
      blurhash: expect.stringMatching(/^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{36}$/),
    });
    expect(res.body.url).toMatch(/\/original\/[0-9a-f]{16}\.jpeg$/);
    expect(res.body.preview_url).toBe(res.body.url.replace("/original/", "/small/"));

    const file = await fetchMedia(t, res.body.url);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("image/jpeg");
    expect(file.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const data = new Uint8Array(await file.arrayBuffer());
    const meta = await sharp(data).metadata();
    expect([meta.width, meta.height]).toEqual([200, 300]);
    // No EXIF left (no orientation, description, copyright), no XMP, no IPTC.
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(meta.iptc).toBeUndefined();
    expect(Buffer.from(data).includes("secret place")).toBe(false);
    // The pixels were turned: the left (red) half is now on top.
    expect(near(await pixel(data, 100, 40), [255, 0, 0])).toBe(true);
    expect(near(await pixel(data, 100, 260), [0, 0, 255])).toBe(true);
  });

  it("keeps PNG and WebP in their format", async () => {
    const me = await makeUser(t);
    for (const [data, ext, type] of [
      [await png(64, 48), "png", "image/png"],
      [await webp(64, 48), "webp", "image/webp"],
    ] as const) {
      const res = await upload(me.token, form(data, { name: `x.${ext}`, type }));
      expect(res.status).toBe(200);
      expect(res.body.type).toBe("image");
      expect(res.body.url).toMatch(new RegExp(`\\.${ext}$`));
      expect(res.body.meta.original).toEqual({
        width: 64,
        height: 48,
        size: "64x48",
        aspect: 64 / 48,
      });
      const file = await fetchMedia(t, res.body.url);
      expect(file.headers.get("content-type")).toBe(type);
      expect((await sharp(new Uint8Array(await file.arrayBuffer())).metadata()).format).toBe(ext);
    }
  });

  it("takes the type from the content, not the name or the client's Content-Type", async () => {
    const me = await makeUser(t);
    // A PNG sent as "photo.jpg", image/jpeg: stored as the PNG it is.
    const res = await upload(
      me.token,
      form(await png(10, 10), { name: "photo.jpg", type: "image/jpeg" }),
    );
    expect(res.status).toBe(200);
    expect(res.body.url).toMatch(/\.png$/);
  });

  it("refuses a text file that calls itself a JPEG", async () => {
    const me = await makeUser(t);
    const lie = new TextEncoder().encode("hello, I am certainly a JPEG image\n".repeat(20));
    const res = await upload(me.token, form(lie, { name: "cat.jpg", type: "image/jpeg" }));
    expect(res.status).toBe(422);
    expect(res.body.error).toBe("Validation failed: File content type is invalid, File is invalid");
  });

  it("refuses a corrupt image", async () => {
    const me = await makeUser(t);
    const good = await jpeg(100, 100);
    const corrupt = Buffer.concat([good.subarray(0, 20), Buffer.alloc(2000, 0x41)]);
    const res = await upload(me.token, form(corrupt, { name: "broken.jpg", type: "image/jpeg" }));
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ error: "File type of uploaded media could not be verified" });
  });

  it("reduces an image over 3840x2160's pixel count, and makes a small preview", async () => {
    const me = await makeUser(t);
    const res = await upload(me.token, form(await jpeg(4000, 2500), { type: "image/jpeg" }));
    expect(res.status).toBe(200);
    const { original, small } = res.body.meta;
    expect(original.width * original.height).toBeLessThanOrEqual(8_294_400);
    expect(original.width).toBeGreaterThan(3600);
    expect(original.aspect).toBeCloseTo(4000 / 2500, 2);
    expect(small.width * small.height).toBeLessThanOrEqual(230_400);
    expect(small.width * small.height).toBeGreaterThan(220_000);
    const preview = await fetchMedia(t, res.body.preview_url);
    const meta = await sharp(new Uint8Array(await preview.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([small.width, small.height]);
  });

  it("refuses images over 7680x4320's pixels and GIFs over 1280x720's, as Mastodon", async () => {
    const me = await makeUser(t);
    const huge = await sharp({
      create: { width: 8000, height: 4200, channels: 3, background: "#fff" },
    })
      .png({ compressionLevel: 1 })
      .toBuffer();
    const big = await upload(me.token, form(huge, { type: "image/png" }));
    expect(big.status).toBe(422);
    expect(big.body.error).toBe("8000x4200 images are not supported");
    const wideGif = await upload(me.token, form(await gif(1281, 721), { type: "image/gif" }));
    expect(wideGif.status).toBe(422);
    expect(wideGif.body.error).toBe("1281x721 GIF files are not supported");
  });

  it("refuses files of 16 MB or more", async () => {
    const me = await makeUser(t);
    const head = await jpeg(10, 10);
    const large = Buffer.concat([head, Buffer.alloc(16 * 1024 * 1024)]);
    const res = await upload(me.token, form(large, { type: "image/jpeg" }));
    expect(res.status).toBe(422);
    expect(res.body.error).toBe("Validation failed: File file size must be less than 16 MB");
  });

  it("turns a still GIF into a PNG image", async () => {
    const me = await makeUser(t);
    const res = await upload(me.token, form(await gif(30, 20), { type: "image/gif" }));
    expect(res.status).toBe(200);
    expect(res.body.type).toBe("image");
    expect(res.body.url).toMatch(/\.png$/);
  });

  it("needs a file, and a description of at most 1,500 characters", async () => {
    const me = await makeUser(t);
    const none = await t.json("/api/v2/media", {
      method: "POST",
      token: me.token,
      form: { description: "nothing" },
    });
    expect(none.status).toBe(422);
    expect(none.body.error).toBe("Validation failed: File can't be blank");

    const long = await upload(
      me.token,
      form(await png(8, 8), { fields: { description: "é".repeat(1501) } }),
    );
    expect(long.status).toBe(422);
    expect(long.body.error).toBe(
      "Validation failed: Description is too long (maximum is 1500 characters)",
    );
    const fits = await upload(
      me.token,
      form(await png(8, 8), { fields: { description: "é".repeat(1500) } }),
    );
    expect(fits.status).toBe(200);
    expect(fits.body.description).toBe("é".repeat(1500));
  });

  it("POST /api/v1/media answers 200 with the processed image", async () => {
    const me = await makeUser(t);
    const res = await upload(me.token, form(await jpeg(50, 40), { type: "image/jpeg" }), "v1");
    expect(res.status).toBe(200);
    expect(res.body.url).toMatch(URL_RE);
  });
});

describe("scopes", () => {
  it("needs a user token with write:media", async () => {
    const me = await makeUser(t);
    const data = await png(8, 8);
    const anonymous = await t.json("/api/v2/media", { method: "POST", multipart: form(data) });
    expect(anonymous.status).toBe(401);
    const readOnly = await tokenFor(t, me.user.id, ["read"]);
    const denied = await upload(readOnly, form(data));
    expect(denied.status).toBe(403);
    expect(denied.body.error).toBe("This action is outside the authorized scopes");
    const appOnly = await tokenFor(t, null, ["write"]);
    expect((await upload(appOnly, form(data))).status).toBe(422);
    const media = await tokenFor(t, me.user.id, ["write:media"]);
    const created = await upload(media, form(data));
    expect(created.status).toBe(200);
    expect((await t.json(`/api/v1/media/${created.body.id}`, { token: readOnly })).status).toBe(
      403,
    );
    expect((await t.json(`/api/v1/media/${created.body.id}`, { token: media })).status).toBe(200);
  });
});

describe("video, audio and animated GIFs", () => {
  // This machine may or may not have ffmpeg: without it these uploads are
  // refused with a clear 422; with it, v2 accepts them for processing (202).
  // test/media-video.test.ts tests that processing with the real ffmpeg.
  const tinyMp4 = Buffer.concat([
    Buffer.from([0, 0, 0, 0x18]),
    Buffer.from("ftypisom\0\0\x02\0isomiso2", "latin1"),
    Buffer.alloc(64),
  ]);

  it.skipIf(hasFfmpeg)("are refused with a 422 when ffmpeg is not installed", async () => {
    const me = await makeUser(t);
    for (const [data, type] of [
      [await animatedGif(), "image/gif"],
      [tinyMp4, "video/mp4"],
    ] as const) {
      const res = await upload(me.token, form(data, { type }));
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ error: FFMPEG_MISSING });
    }
  });

  it.runIf(hasFfmpeg)("an animated GIF becomes gifv, processed in the background", async () => {
    const me = await makeUser(t);
    const res = await upload(me.token, form(await animatedGif(), { type: "image/gif" }));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ type: "gifv", url: null });
    expect((await t.json(`/api/v1/media/${res.body.id}`, { token: me.token })).status).toBe(206);
    await t.drainJobs();
    const done = await t.json(`/api/v1/media/${res.body.id}`, { token: me.token });
    expect(done.status).toBe(200);
    expect(done.body.url).toMatch(/\.mp4$/);
  });
});
