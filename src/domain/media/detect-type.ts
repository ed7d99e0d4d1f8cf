// What an uploaded file is, from its first bytes ("magic numbers"), never
// from its name or the Content-Type the client sent: a text file named
// cat.jpg and sent as image/jpeg is text. The types are those Mastodon
// accepts (MediaAttachment's IMAGE_, VIDEO_ and AUDIO_MIME_TYPES, announced
// in the instance configuration's supported_mime_types); containers that can
// hold either video or audio (WebM, Ogg, MP4) are corrected after probing.

export type MediaKind = "image" | "video" | "audio";

export interface DetectedType {
  mime: string;
  /** The extension Herd stores the file under. */
  ext: string;
  kind: MediaKind;
}

const ascii = (bytes: Uint8Array, start: number, end: number) =>
  String.fromCharCode(...bytes.subarray(start, end));

const startsWith = (bytes: Uint8Array, prefix: number[], at = 0) =>
  bytes.length >= at + prefix.length && prefix.every((b, i) => bytes[at + i] === b);

/** ISO base media (MP4, MOV, HEIF, AVIF, 3GP, M4A): the major and compatible brands of `ftyp`. */
function isoBrands(bytes: Uint8Array): string[] | null {
  if (bytes.length < 12 || ascii(bytes, 4, 8) !== "ftyp") return null;
  const size = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  const end = Math.min(bytes.length, Math.max(16, size));
  const brands = [ascii(bytes, 8, 12)];
  for (let i = 16; i + 4 <= end; i += 4) brands.push(ascii(bytes, i, i + 4));
  return brands;
}

function fromIsoBrands(brands: string[]): DetectedType {
  const major = brands[0] ?? "";
  const has = (...names: string[]) => brands.some((b) => names.includes(b));
  if (major === "avif" || major === "avis")
    return { mime: "image/avif", ext: "avif", kind: "image" };
  if (has("heic", "heix", "heim", "heis", "hevc", "hevx")) {
    return { mime: "image/heic", ext: "heic", kind: "image" };
  }
  if (major === "mif1" || major === "msf1") {
    return has("avif")
      ? { mime: "image/avif", ext: "avif", kind: "image" }
      : { mime: "image/heif", ext: "heif", kind: "image" };
  }
  if (major === "qt  ") return { mime: "video/quicktime", ext: "mov", kind: "video" };
  if (major === "M4A " || major === "M4B ") return { mime: "audio/mp4", ext: "m4a", kind: "audio" };
  if (major.startsWith("3g")) return { mime: "audio/3gpp", ext: "3gp", kind: "audio" };
  return { mime: "video/mp4", ext: "mp4", kind: "video" };
}

/** Ogg carries Theora video or Vorbis/Opus/FLAC audio: look for a Theora header. */
function fromOgg(bytes: Uint8Array): DetectedType {
  const head = ascii(bytes, 0, Math.min(bytes.length, 512));
  return head.includes("\x80theora")
    ? { mime: "video/ogg", ext: "ogv", kind: "video" }
    : { mime: "audio/ogg", ext: "ogg", kind: "audio" };
}

/** MPEG audio frame sync: 0xFFE, then layer bits; layer "00" is AAC's ADTS. */
function fromFrameSync(bytes: Uint8Array): DetectedType | null {
  if (bytes.length < 2 || bytes[0] !== 0xff || (bytes[1]! & 0xe0) !== 0xe0) return null;
  const layer = (bytes[1]! >> 1) & 0x03;
  if (layer === 0) {
    return (bytes[1]! & 0xf6) === 0xf0 ? { mime: "audio/aac", ext: "aac", kind: "audio" } : null;
  }
  return { mime: "audio/mpeg", ext: "mp3", kind: "audio" };
}

export function detectType(bytes: Uint8Array): DetectedType | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff]))
    return { mime: "image/jpeg", ext: "jpeg", kind: "image" };
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    return { mime: "image/png", ext: "png", kind: "image" };
  }
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(ascii(bytes, 0, 6))) {
    return { mime: "image/gif", ext: "gif", kind: "image" };
  }
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === "RIFF") {
    const form = ascii(bytes, 8, 12);
    if (form === "WEBP") return { mime: "image/webp", ext: "webp", kind: "image" };
    if (form === "WAVE") return { mime: "audio/wav", ext: "wav", kind: "audio" };
    return null;
  }
  const brands = isoBrands(bytes);
  if (brands) return fromIsoBrands(brands);
  if (startsWith(bytes, [0x1a, 0x45, 0xdf, 0xa3])) {
    // EBML: WebM (or Matroska, which Mastodon does not take).
    const head = ascii(bytes, 0, Math.min(bytes.length, 64));
    return head.includes("webm") ? { mime: "video/webm", ext: "webm", kind: "video" } : null;
  }
  if (bytes.length >= 4 && ascii(bytes, 0, 4) === "OggS") return fromOgg(bytes);
  if (bytes.length >= 4 && ascii(bytes, 0, 4) === "fLaC") {
    return { mime: "audio/flac", ext: "flac", kind: "audio" };
  }
  if (bytes.length >= 3 && ascii(bytes, 0, 3) === "ID3") {
    return { mime: "audio/mpeg", ext: "mp3", kind: "audio" };
  }
  if (startsWith(bytes, [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11])) {
    return { mime: "video/x-ms-asf", ext: "wma", kind: "audio" };
  }
  return fromFrameSync(bytes);
}
