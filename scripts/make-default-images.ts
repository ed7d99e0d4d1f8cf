// Writes the default images Herd serves when nothing else is set: the avatar
// and header of accounts without one (Mastodon's /avatars/original/missing.png
// and /headers/original/missing.png) and the server thumbnail of
// GET /api/v2/instance. Run once with `npx node scripts/make-default-images.ts`;
// the PNG files are committed in public/.
//
// Each image is a flat colour or a vertical gradient: every row is one colour,
// so with PNG's "Sub" filter a row compresses to almost nothing.
import { mkdirSync, writeFileSync } from "node:fs";
import { crc32, deflateSync } from "node:zlib";

type Rgb = readonly [number, number, number];

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An 8-bit RGB PNG whose row `y` has the colour `rowColour(y)`. */
export function encodeRowsPng(width: number, height: number, rowColour: (y: number) => Rgb) {
  const stride = 1 + width * 3;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const [r, g, b] = rowColour(y);
    const at = y * stride;
    raw[at] = 1; // filter "Sub": each byte minus the byte one pixel to the left
    raw[at + 1] = r;
    raw[at + 2] = g;
    raw[at + 3] = b; // the rest of the row stays 0: no change from pixel to pixel
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const flat = (colour: Rgb) => () => colour;

function gradient(from: Rgb, to: Rgb, height: number) {
  return (y: number): Rgb => {
    const t = height <= 1 ? 0 : y / (height - 1);
    const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
    return [mix(from[0], to[0]), mix(from[1], to[1]), mix(from[2], to[2])];
  };
}

const publicDir = new URL("../public/", import.meta.url);

const images: { path: string; png: Buffer }[] = [
  { path: "avatars/original/missing.png", png: encodeRowsPng(400, 400, flat([0xa3, 0xab, 0xb5])) },
  {
    path: "headers/original/missing.png",
    png: encodeRowsPng(1500, 500, flat([0xd3, 0xd8, 0xde])),
  },
  {
    path: "images/preview.png",
    png: encodeRowsPng(1200, 630, gradient([0x3b, 0x45, 0x56], [0x6b, 0x8f, 0x71], 630)),
  },
];

for (const { path, png } of images) {
  const url = new URL(path, publicDir);
  mkdirSync(new URL(".", url), { recursive: true });
  writeFileSync(url, png);
  process.stdout.write(`${path}: ${png.length} bytes\n`);
}
