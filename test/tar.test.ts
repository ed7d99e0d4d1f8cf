// src/lib/tar.ts: the ustar reader behind `herd emoji import`, checked against
// archives it writes and archives GNU tar writes (long names in pax or GNU
// headers, directories, "./" prefixes).
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { readTar, TarError, writeTar } from "../src/lib/tar.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);
const run = promisify(execFile);

const hasTar = await run("tar", ["--version"]).then(
  () => true,
  () => false,
);
const dir = await mkdtemp(path.join(os.tmpdir(), "herd-tar-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("readTar", () => {
  it("reads back the files writeTar wrote, in order, with their sizes and bytes", () => {
    const archive = writeTar([
      { name: "a.png", data: bytes("first") },
      { name: "folder/b.gif", data: new Uint8Array(1000).fill(7) },
      { name: "empty.txt", data: new Uint8Array() },
    ]);
    expect(archive.length % 512).toBe(0);
    const entries = [...readTar(archive)];
    expect(entries.map((e) => [e.name, e.type, e.size])).toEqual([
      ["a.png", "file", 5],
      ["folder/b.gif", "file", 1000],
      ["empty.txt", "file", 0],
    ]);
    expect(text(entries[0]!.data)).toBe("first");
    expect(entries[1]!.data.every((b) => b === 7)).toBe(true);
  });

  it("joins ustar's prefix and name for paths over 100 bytes", () => {
    const long = `${"d".repeat(80)}/${"e".repeat(60)}/${"f".repeat(90)}.png`;
    const [entry] = [...readTar(writeTar([{ name: long, data: bytes("x") }]))];
    expect(entry!.name).toBe(long);
  });

  it("reads nothing from an empty archive", () => {
    expect([...readTar(writeTar([]))]).toEqual([]);
    expect([...readTar(new Uint8Array())]).toEqual([]);
  });

  it("refuses a header whose checksum is wrong (not a tar archive)", () => {
    const archive = writeTar([{ name: "a.png", data: bytes("x") }]);
    archive[0] = "b".charCodeAt(0);
    expect(() => [...readTar(archive)]).toThrow(TarError);
    expect(() => [...readTar(bytes("just some text".padEnd(1024, " ")))]).toThrow(TarError);
  });

  it("refuses an archive cut in the middle of a file", () => {
    const archive = writeTar([{ name: "a.png", data: new Uint8Array(2000) }]);
    expect(() => [...readTar(archive.subarray(0, 1024))]).toThrow(/truncated/);
  });

  it.skipIf(!hasTar)(
    "reads GNU tar's archives: directories, ./ prefixes, pax and GNU long names",
    async () => {
      const src = path.join(dir, "src");
      const deep = path.join(src, "pack", "x".repeat(120));
      await mkdir(deep, { recursive: true });
      await writeFile(path.join(src, "pack", "blob.png"), "blob");
      await writeFile(path.join(deep, `${"y".repeat(110)}.gif`), "long one");
      for (const format of ["gnu", "posix"]) {
        const file = path.join(dir, `${format}.tar`);
        await run("tar", [`--format=${format}`, "-cf", file, "-C", src, "./pack"]);
        const entries = [...readTar(await readFile(file))];
        const files = entries.filter((e) => e.type === "file");
        expect(files.map((e) => [e.name, text(e.data)]).sort()).toEqual(
          [
            ["pack/blob.png", "blob"],
            [`pack/${"x".repeat(120)}/${"y".repeat(110)}.gif`, "long one"],
          ].sort(),
        );
        expect(entries.some((e) => e.type === "directory" && e.name.startsWith("pack"))).toBe(true);
      }
    },
  );
});
