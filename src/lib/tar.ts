// A minimal reader of tar archives (POSIX ustar, with the pax and GNU
// long-name extensions that GNU tar and bsdtar write for long paths), enough
// for `herd emoji import`, which reads a .tar.gz as tootctl does with Ruby's
// Gem::Package::TarReader. It reads an archive already in memory (gunzip it
// first with node:zlib) and checks each header's checksum; it does not
// extract anything to disk, so paths are only names here.
// Pure: no imports from src.

export type TarEntryType = "file" | "directory" | "other";

export interface TarEntry {
  /** The full path in the archive ("emoji/blobcat.png"), without a leading "./". */
  name: string;
  type: TarEntryType;
  size: number;
  /** The file's bytes (a view into the archive; empty for other types). */
  data: Uint8Array;
}

/** The archive is not a tar archive, or is cut short. */
export class TarError extends Error {
  override name = "TarError";
}

const BLOCK = 512;
const decoder = new TextDecoder("utf-8");

/** A NUL-terminated string field. */
function field(header: Uint8Array, start: number, length: number): string {
  const bytes = header.subarray(start, start + length);
  const end = bytes.indexOf(0);
  return decoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/** A numeric field: octal text, or base-256 when its first byte has the high bit (GNU, large files). */
function numeric(header: Uint8Array, start: number, length: number): number {
  const bytes = header.subarray(start, start + length);
  if ((bytes[0]! & 0x80) !== 0) {
    let value = bytes[0]! & 0x7f;
    for (let i = 1; i < bytes.length; i++) value = value * 256 + bytes[i]!;
    return value;
  }
  const text = decoder.decode(bytes).replace(/\0.*$/s, "").trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarError(`invalid number in tar header: ${text}`);
  return parseInt(text, 8);
}

/** The checksum is the sum of the header's bytes, the checksum field counted as spaces. */
function checksumMatches(header: Uint8Array): boolean {
  let expected: number;
  try {
    expected = numeric(header, 148, 8);
  } catch {
    return false;
  }
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum === expected;
}

const isZeroBlock = (block: Uint8Array) => block.every((b) => b === 0);

/** The `path` record of a pax extended header ("<len> path=<value>\n" records). */
function paxPath(data: Uint8Array): string | null {
  const text = decoder.decode(data);
  let path: string | null = null;
  let at = 0;
  while (at < text.length) {
    const space = text.indexOf(" ", at);
    if (space < 0) break;
    const length = Number(text.slice(at, space));
    if (!Number.isSafeInteger(length) || length <= 0) break;
    // The length counts bytes; records are ASCII in practice, and a path
    // that is not still ends at the newline.
    const end = text.indexOf("\n", space);
    if (end < 0) break;
    const record = text.slice(space + 1, end);
    const eq = record.indexOf("=");
    if (eq > 0 && record.slice(0, eq) === "path") path = record.slice(eq + 1);
    at = end + 1;
  }
  return path;
}

const clean = (name: string) => name.replace(/^(\.\/)+/, "");

const encoder = new TextEncoder();

function writeField(header: Uint8Array, start: number, length: number, value: string): void {
  const bytes = encoder.encode(value);
  if (bytes.length > length) throw new TarError(`tar field too long: ${value}`);
  header.set(bytes, start);
}

const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, "0");

/** Splits a long name into ustar's prefix (up to 155 bytes) and name (up to 100), at a slash. */
function splitName(name: string): [prefix: string, name: string] {
  if (encoder.encode(name).length <= 100) return ["", name];
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== "/") continue;
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (encoder.encode(prefix).length <= 155 && encoder.encode(rest).length <= 100) {
      return [prefix, rest];
    }
  }
  throw new TarError(`name too long for a ustar archive: ${name}`);
}

/**
 * One regular file (mode 0644) of a ustar archive: its header block, its
 * bytes and the padding to a whole block. An archive is its entries, then
 * TAR_END; `herd emoji export` writes them one by one.
 */
export function tarEntry(fileName: string, data: Uint8Array): Uint8Array {
  const header = new Uint8Array(BLOCK);
  const [prefix, name] = splitName(fileName);
  writeField(header, 0, 100, name);
  writeField(header, 100, 8, octal(0o644, 8));
  writeField(header, 108, 8, octal(0, 8));
  writeField(header, 116, 8, octal(0, 8));
  writeField(header, 124, 12, octal(data.length, 12));
  writeField(header, 136, 12, octal(0, 12));
  header[156] = 0x30; // "0": a regular file
  writeField(header, 257, 6, "ustar");
  writeField(header, 263, 2, "00");
  writeField(header, 345, 155, prefix);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  writeField(header, 148, 8, `${octal(sum, 7)}\0`);
  const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
  const out = new Uint8Array(BLOCK + data.length + pad);
  out.set(header, 0);
  out.set(data, BLOCK);
  return out;
}

/** The end-of-archive marker: two zero blocks. */
export const TAR_END: Uint8Array = new Uint8Array(BLOCK * 2);

/** A ustar archive of `files` (regular files, mode 0644), ended by TAR_END (tests build these). */
export function writeTar(files: readonly { name: string; data: Uint8Array }[]): Uint8Array {
  const parts = [...files.map((f) => tarEntry(f.name, f.data)), TAR_END];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * The entries of `archive`, in order. Throws TarError for a header whose
 * checksum does not match or an entry cut short; stops at the end-of-archive
 * marker (two zero blocks) or the end of the data.
 */
export function* readTar(archive: Uint8Array): Generator<TarEntry> {
  let offset = 0;
  let longName: string | null = null;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (isZeroBlock(header)) return;
    if (!checksumMatches(header)) throw new TarError("not a tar archive (bad header checksum)");
    const size = numeric(header, 124, 12);
    const typeflag = String.fromCharCode(header[156]!);
    const dataStart = offset + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > archive.length) throw new TarError("tar archive is truncated");
    const data = archive.subarray(dataStart, dataEnd);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (typeflag === "x") {
      longName = paxPath(data) ?? longName;
      continue;
    }
    if (typeflag === "L") {
      longName = field(data, 0, data.length);
      continue;
    }
    if (typeflag === "g") continue;

    let name = field(header, 0, 100);
    const magic = field(header, 257, 6);
    if (magic.startsWith("ustar")) {
      const prefix = field(header, 345, 155);
      if (prefix !== "") name = `${prefix}/${name}`;
    }
    if (longName !== null) {
      name = longName;
      longName = null;
    }
    const type: TarEntryType =
      typeflag === "0" || typeflag === "\0" || typeflag === "7"
        ? "file"
        : typeflag === "5"
          ? "directory"
          : "other";
    yield {
      name: clean(name),
      type,
      size: type === "file" ? size : 0,
      data: type === "file" ? data : new Uint8Array(),
    };
  }
}
