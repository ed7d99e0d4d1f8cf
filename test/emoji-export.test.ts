// `herd emoji export` runs in-process against this file's database and a
// media folder shared with the instance, checked against tootctl's
// behaviour (https://docs.joinmastodon.org/admin/tootctl/#emoji-export,
// lib/mastodon/cli/emoji.rb): PATH/export.tar.gz of the local emojis'
// images named `<shortcode>.<ext>`, which `herd emoji import` reads back.
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { customEmojis } from "../src/db/schema/index.ts";
import { newId } from "../src/lib/ids.ts";
import { readTar, writeTar } from "../src/lib/tar.ts";
import { cliFor } from "./kit/cli.ts";
import { createTestInstance } from "./kit/instance.ts";
import { animatedGif, fetchMedia, png } from "./media-fixtures.ts";

const dataDir = await mkdtemp(path.join(os.tmpdir(), "herd-emoji-export-"));
await chmod(dataDir, 0o755);
afterAll(() => rm(dataDir, { recursive: true, force: true }));
const t = await createTestInstance({ env: { DATA_DIR: dataDir } });
const db = t.database.db;

const herd = cliFor(t, dataDir);

let folders = 0;
async function folder(): Promise<string> {
  const dir = path.join(dataDir, `out-${folders++}`);
  await mkdir(dir);
  return dir;
}

async function importArchive(files: { name: string; data: Uint8Array }[], ...flags: string[]) {
  const file = path.join(dataDir, `pack-${folders++}.tar.gz`);
  await writeFile(file, gzipSync(writeTar(files)));
  const r = await herd("emoji", "import", file, ...flags);
  expect(r.code).toBe(0);
  return r;
}

/** The entries of an export, by name. */
async function entries(file: string): Promise<Map<string, Buffer>> {
  const tar = gunzipSync(await readFile(file));
  return new Map([...readTar(tar)].map((e) => [e.name, Buffer.from(e.data)]));
}

const listed = async () => (await t.json("/api/v1/custom_emojis")).body as any[];

const blobcat = await png(32, 32, [200, 30, 30]);
const parrot = await animatedGif(32, 32);
const wave = await png(16, 16, [30, 30, 200]);

describe("herd emoji export", () => {
  it("writes the local emojis' images as tootctl does, which import reads back", async () => {
    await importArchive(
      [
        { name: "blobcat.png", data: blobcat },
        { name: "party_parrot.gif", data: parrot },
      ],
      "--category",
      "Blobs",
    );
    await importArchive([{ name: "wave.png", data: wave }], "--unlisted");
    // Remote emojis are not this server's to export.
    await db.insert(customEmojis).values({
      id: newId(),
      shortcode: "remote_one",
      domain: "remote.example",
      imageUrl: "https://remote.example/remote_one.png",
      staticImageUrl: "https://remote.example/remote_one.png",
    });

    const dir = await folder();
    const r = await herd("emoji", "export", dir);
    expect(r).toMatchObject({ code: 0, err: [] });
    expect(r.out).toEqual([
      "Adding 'blobcat'...",
      "Adding 'party_parrot'...",
      "Adding 'wave'...",
      "Exported 3",
    ]);
    const archive = path.join(dir, "export.tar.gz");
    const files = await entries(archive);
    expect([...files.keys()]).toEqual(["blobcat.png", "party_parrot.gif", "wave.png"]);
    // The images as imported, the GIF still animated.
    expect(files.get("blobcat.png")!.equals(blobcat)).toBe(true);
    expect(files.get("party_parrot.gif")!.equals(parrot)).toBe(true);
    expect(files.get("wave.png")!.equals(wave)).toBe(true);

    // Round trip: gone, then imported again from the export.
    expect((await herd("emoji", "purge")).code).toBe(0);
    expect(await listed()).toEqual([]);
    const back = await herd("emoji", "import", archive);
    expect(back.out.at(-1)).toBe("Imported 3, skipped 0, failed to import 0");
    const emojis = await listed();
    expect(emojis.map((e) => e.shortcode).sort()).toEqual(["blobcat", "party_parrot", "wave"]);
    const image = await fetchMedia(t, emojis.find((e) => e.shortcode === "party_parrot").url);
    expect(Buffer.from(await image.arrayBuffer()).equals(parrot)).toBe(true);
  });

  it("exports one --category, and fails for a category no emoji has", async () => {
    await importArchive([{ name: "blob_wave.png", data: wave }], "--category", "Blobs");
    const dir = await folder();
    const r = await herd("emoji", "export", dir, "--category", "Blobs");
    expect(r.code).toBe(0);
    expect(r.out).toEqual(["Adding 'blob_wave'...", "Exported 1"]);
    expect([...(await entries(path.join(dir, "export.tar.gz"))).keys()]).toEqual(["blob_wave.png"]);

    const unknown = await herd("emoji", "export", await folder(), "--category", "Nope");
    expect(unknown).toMatchObject({ code: 1, out: [], err: ["Unable to find category 'Nope'!"] });
  });

  it("keeps an existing archive unless --overwrite", async () => {
    const dir = await folder();
    const archive = path.join(dir, "export.tar.gz");
    await writeFile(archive, "an older export");
    const refused = await herd("emoji", "export", dir);
    expect(refused).toMatchObject({
      code: 1,
      out: [],
      err: ["Archive already exists! Use '--overwrite' to overwrite it!"],
    });
    expect(await readFile(archive, "utf8")).toBe("an older export");

    const replaced = await herd("emoji", "export", dir, "--overwrite");
    expect(replaced.code).toBe(0);
    expect(replaced.out.at(-1)).toBe("Exported 4");
    expect((await entries(archive)).size).toBe(4);
  });

  it("fails with one line without a folder to write to, and shows its options in --help", async () => {
    const missing = path.join(dataDir, "no-such-folder");
    const r = await herd("emoji", "export", missing);
    expect(r).toMatchObject({ code: 1, err: [`No such directory: ${missing}`] });
    expect((await herd("emoji", "export")).err[0]).toMatch(/too few arguments/);
    const help = await herd("emoji", "export", "--help");
    expect(help.code).toBe(0);
    for (const option of ["--category", "--overwrite"])
      expect(help.out.join("\n")).toContain(option);
  });
});
