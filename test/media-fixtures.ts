// Images for the media tests, made by sharp, and helpers to upload them and
// to read back the stored files through Herd's own URLs.
import sharp from "sharp";
import type { TestInstance } from "./kit/instance.ts";

type Rgb = [number, number, number];

const solid = (width: number, height: number, [r, g, b]: Rgb) =>
  sharp({ create: { width, height, channels: 3, background: { r, g, b } } });

/**
 * A 300x200 JPEG, red on the left and blue on the right, whose EXIF says
 * "rotate 90° clockwise" (orientation 6) and carries a description and a
 * copyright that must not survive.
 */
export async function orientedJpeg(): Promise<Buffer> {
  const left = await solid(150, 200, [255, 0, 0]).png().toBuffer();
  const right = await solid(150, 200, [0, 0, 255]).png().toBuffer();
  return solid(300, 200, [0, 0, 0])
    .composite([
      { input: left, left: 0, top: 0 },
      { input: right, left: 150, top: 0 },
    ])
    .jpeg()
    .withMetadata({ orientation: 6 })
    .withExif({ IFD0: { ImageDescription: "secret place", Copyright: "someone" } })
    .toBuffer();
}

export const jpeg = (width: number, height: number, color: Rgb = [200, 120, 40]) =>
  solid(width, height, color).jpeg().toBuffer();
export const png = (width: number, height: number, color: Rgb = [20, 160, 90]) =>
  solid(width, height, color).png().toBuffer();
export const webp = (width: number, height: number, color: Rgb = [90, 20, 160]) =>
  solid(width, height, color).webp().toBuffer();
export const gif = (width: number, height: number, color: Rgb = [10, 10, 200]) =>
  solid(width, height, color).gif().toBuffer();

/** A two-frame animated GIF (red, then green). */
export async function animatedGif(width = 40, height = 30): Promise<Buffer> {
  const frames = await Promise.all(
    (
      [
        [255, 0, 0],
        [0, 255, 0],
      ] as Rgb[]
    ).map((c) => solid(width, height, c).png().toBuffer()),
  );
  return sharp(frames, { join: { animated: true } })
    .gif({ delay: [100, 100] })
    .toBuffer();
}

/** A multipart form with `file` (as the client names and types it) and other fields. */
export function form(
  data: Uint8Array,
  options: { name?: string; type?: string; field?: string; fields?: Record<string, string> } = {},
): FormData {
  const body = new FormData();
  body.append(
    options.field ?? "file",
    new File([data as Uint8Array<ArrayBuffer>], options.name ?? "upload.bin", {
      type: options.type ?? "application/octet-stream",
    }),
  );
  for (const [k, v] of Object.entries(options.fields ?? {})) body.append(k, v);
  return body;
}

/** GETs a media URL of this instance (https://herd.test/system/...) through the app. */
export function fetchMedia(t: TestInstance, url: string, headers: Record<string, string> = {}) {
  const { pathname, host } = new URL(url);
  if (host !== "herd.test") throw new Error(`not a local media URL: ${url}`);
  return t.request(pathname, { headers });
}

/** The colour at (x, y) of an image. */
export async function pixel(data: Uint8Array, x: number, y: number): Promise<Rgb> {
  const { data: raw, info } = await sharp(data)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [raw[i]!, raw[i + 1]!, raw[i + 2]!];
}

/** Whether two colours are within `tolerance` on each channel (JPEG is lossy). */
export const near = (a: Rgb, b: Rgb, tolerance = 40) =>
  a.every((v, i) => Math.abs(v - b[i]!) <= tolerance);
