// `herd emoji import` and `herd emoji purge` run in-process against this
// file's database and a media folder shared with the instance, checked
// against tootctl's behaviour (https://docs.joinmastodon.org/admin/tootctl/#emoji)
// and through GET /api/v1/custom_emojis and the stored files.
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { eq } from "drizzle-orm";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { customEmojis } from "../src/db/schema/index.ts";
import { newId } from "../src/lib/ids.ts";
import { writeTar } from "../src/lib/tar.ts";
import { cliFor } from "./kit/cli.ts";
import { createTestInstance } from "./kit/instance.ts";
import { animatedGif, fetchMedia, png } from "./media-fixtures.ts";

const dataDir = await mkdtemp(path.join(os.tmpdir(), "herd-emoji-"));
await chmod(dataDir, 0o755);
afterAll(() => rm(dataDir, { recursive: true, force: true }));
const t = await createTestInstance({ env: { DATA_DIR: dataDir } });
const db = t.database.db;

const herd = cliFor(t, dataDir);

let archives = 0;
async function archive(files: { name: string; data: Uint8Array }[]): Promise<string> {
  const file = path.join(dataDir, `pack-${archives++}.tar.gz`);
  await writeFile(file, gzipSync(writeTar(files)));
  return file;
}

/** A PNG of random pixels: well over 256 KB. */
async function noisyPng(): Promise<Buffer> {
  const raw = Buffer.alloc(400 * 400 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(Math.random() * 256);
  return sharp(raw, { raw: { width: 400, height: 400, channels: 3 } })
    .png()
    .toBuffer();
}

const listed = async () => (await t.json("/api/v1/custom_emojis")).body as any[];
const rowOf = async (shortcode: string) =>
  (await db.select().from(customEmojis).where(eq(customEmojis.shortcode, shortcode)))[0];

describe("herd emoji import", () => {
  it("imports the PNG and GIF files of an archive, named after their files, with a category", async () => {
    const file = await archive([
      { name: "pack/blobcat.png", data: await png(32, 32) },
      { name: "pack/party_parrot.gif", data: await animatedGif(32, 32) },
      { name: "pack/README.txt", data: new TextEncoder().encode("not an emoji") },
      { name: "pack/._blobcat.png", data: new TextEncoder().encode("AppleDouble") },
      { name: "pack/too_big.png", data: await noisyPng() },
      { name: "pack/liar.png", data: new TextEncoder().encode("text, not a PNG") },
      { name: "pack/x.png", data: await png(8, 8) },
    ]);
    const r = await herd("emoji", "import", file, "--category", "Blobs");
    expect(r.code).toBe(0);
    expect(r.out.at(-1)).toBe("Imported 2, skipped 0, failed to import 3");
    expect(r.out).toContain("Failure/Error: pack/too_big.png");
    expect(r.out).toContain("    must be less than 256 KB");
    expect(r.out).toContain("Failure/Error: pack/liar.png");
    // A one-letter shortcode is not one.
    expect(r.out).toContain("Failure/Error: pack/x.png");

    const emojis = await listed();
    const cat = emojis.find((e) => e.shortcode === "blobcat");
    const parrot = emojis.find((e) => e.shortcode === "party_parrot");
    expect(emojis.map((e) => e.shortcode).sort()).toEqual(["blobcat", "party_parrot"]);
    expect(cat).toEqual({
      shortcode: "blobcat",
      url: expect.stringMatching(
        /^https:\/\/herd\.test\/system\/custom_emojis\/images\/(\d{3}\/)+original\/[0-9a-f]{16}\.png$/,
      ),
      static_url: expect.stringMatching(
        /^https:\/\/herd\.test\/system\/custom_emojis\/images\/(\d{3}\/)+static\/[0-9a-f]{16}\.png$/,
      ),
      visible_in_picker: true,
      category: "Blobs",
    });
    // The GIF is kept as it is (animated); its static image is a PNG of one frame.
    const original = await fetchMedia(t, parrot.url);
    expect(original.status).toBe(200);
    expect(original.headers.get("content-type")).toBe("image/gif");
    const originalMeta = await sharp(Buffer.from(await original.arrayBuffer())).metadata();
    expect(originalMeta.pages).toBe(2);
    const still = await fetchMedia(t, parrot.static_url);
    expect(still.headers.get("content-type")).toBe("image/png");
    const stillMeta = await sharp(Buffer.from(await still.arrayBuffer())).metadata();
    expect([stillMeta.format, stillMeta.pages ?? 1, stillMeta.width]).toEqual(["png", 1, 32]);
  });

  it("skips existing shortcodes in any case, and replaces them with --overwrite", async () => {
    const before = await rowOf("blobcat");
    const file = await archive([{ name: "BlobCat.png", data: await png(16, 16, [1, 2, 3]) }]);
    const skipped = await herd("emoji", "import", file);
    expect(skipped.out.at(-1)).toBe("Imported 0, skipped 1, failed to import 0");
    expect(await rowOf("blobcat")).toEqual(before);

    const replaced = await herd("emoji", "import", file, "--overwrite", "--unlisted");
    expect(replaced.out.at(-1)).toBe("Imported 1, skipped 0, failed to import 0");
    const after = await rowOf("blobcat");
    expect(after!.id).toBe(before!.id);
    expect(after!.imageUrl).not.toBe(before!.imageUrl);
    expect(after!.visibleInPicker).toBe(false);
    // No --category: the emoji has none now, as tootctl sets it from the option.
    expect(after!.category).toBeNull();
    // The old files are gone; the new ones are served.
    const old = await fetchMedia(t, `https://herd.test/system/${before!.imageUrl}`);
    expect(old.status).toBe(404);
    const fresh = await fetchMedia(t, `https://herd.test/system/${after!.imageUrl}`);
    expect(fresh.status).toBe(200);
    // Unlisted emojis are not offered in the picker.
    expect((await listed()).map((e) => e.shortcode)).toEqual(["party_parrot"]);
  });

  it("adds --prefix and --suffix to the shortcodes", async () => {
    const file = await archive([{ name: "wave.png", data: await png(16, 16) }]);
    const r = await herd("emoji", "import", file, "--prefix", "blob_", "--suffix", "_2");
    expect(r.out.at(-1)).toBe("Imported 1, skipped 0, failed to import 0");
    expect(await rowOf("blob_wave_2")).toBeDefined();
  });

  it("fails with one line for a missing file or one that is not a .tar.gz", async () => {
    const missing = await herd("emoji", "import", path.join(dataDir, "nope.tar.gz"));
    expect(missing.code).toBe(1);
    expect(missing.err).toEqual([`No such file: ${path.join(dataDir, "nope.tar.gz")}`]);

    const plain = path.join(dataDir, "plain.tar.gz");
    await writeFile(plain, "hello");
    const notGzip = await herd("emoji", "import", plain);
    expect(notGzip.code).toBe(1);
    expect(notGzip.err[0]).toMatch(/is not a TAR GZIP archive/);

    const gzipped = path.join(dataDir, "text.tar.gz");
    await writeFile(gzipped, gzipSync(Buffer.from("x".repeat(2048))));
    const notTar = await herd("emoji", "import", gzipped);
    expect(notTar.code).toBe(1);
    expect(notTar.err[0]).toMatch(/not a tar archive/);

    const noArg = await herd("emoji", "import");
    expect(noArg.code).toBe(1);
    expect(noArg.err[0]).toMatch(/too few arguments/);
  });

  it("shows tootctl's options in --help", async () => {
    const r = await herd("emoji", "import", "--help");
    expect(r.code).toBe(0);
    const help = r.out.join("\n");
    for (const option of ["--prefix", "--suffix", "--overwrite", "--unlisted", "--category"]) {
      expect(help).toContain(option);
    }
  });
});

describe("herd emoji purge", () => {
  it("--remote-only removes remote emojis and keeps local ones", async () => {
    await db.insert(customEmojis).values({
      id: newId(),
      shortcode: "blobcat",
      domain: "remote.example",
      imageUrl: "https://remote.example/blobcat.png",
      staticImageUrl: "https://remote.example/blobcat_static.png",
    });
    const r = await herd("emoji", "purge", "--remote-only");
    expect(r).toMatchObject({ code: 0, out: ["OK"] });
    const rows = await db.select().from(customEmojis);
    expect(rows.every((e) => e.domain === null)).toBe(true);
    expect(rows.length).toBe(3);
  });

  it("removes every emoji and its files", async () => {
    const rows = await db.select().from(customEmojis);
    const r = await herd("emoji", "purge");
    expect(r).toMatchObject({ code: 0, out: ["OK"] });
    expect(await db.select().from(customEmojis)).toEqual([]);
    for (const row of rows) {
      const res = await fetchMedia(t, `https://herd.test/system/${row.staticImageUrl}`);
      expect(res.status).toBe(404);
    }
    expect(await listed()).toEqual([]);
  });
});
