// Still images with sharp (libvips), as Mastodon's LazyThumbnail and
// BlurhashTranscoder do with libvips (app/lib/paperclip/, MediaAttachment's
// IMAGE_STYLES): the EXIF orientation is applied, every other piece of
// metadata (EXIF with its GPS position, XMP, IPTC, comments) is dropped, and
// the ICC colour profile is kept (Mastodon's `+profile "!icc,*"`); JPEG and
// WebP are written at quality 90.
import { encode } from "blurhash";
import type { Sharp } from "sharp";
import { MEDIA_LIMITS } from "../instance/limits.ts";
import type { DetectedType } from "./detect-type.ts";

/** Attachmentable::MAX_MATRIX_LIMIT (7680x4320): larger images are refused. */
export const MAX_MATRIX_LIMIT = MEDIA_LIMITS.imageMatrixLimit;
/** Attachmentable::GIF_MATRIX_LIMIT (1280x720): larger GIFs are refused. */
export const GIF_MATRIX_LIMIT = 921_600;
/** IMAGE_STYLES[:original]: larger images are reduced to fit 3840x2160's pixel count. */
export const ORIGINAL_PIXELS = 8_294_400;
/** IMAGE_STYLES[:small] and THUMBNAIL_STYLES: 640x360's pixel count. */
export const SMALL_PIXELS = 230_400;

/** The image cannot be decoded (corrupt, truncated, or not what its first bytes say). */
export class ImageUnreadable extends Error {
  override name = "ImageUnreadable";
}

/** Mastodon::DimensionsValidationError: "7681x4321 images are not supported". */
export class DimensionsError extends Error {
  override name = "DimensionsError";
}

export type OutputFormat = "jpeg" | "png" | "webp" | "gif";

export interface ImageInfo {
  /** Size after the EXIF orientation is applied (of one frame). */
  width: number;
  height: number;
  /** Frames (1 for a still image). */
  pages: number;
}

export interface RenderedImage {
  data: Buffer;
  width: number;
  height: number;
  format: OutputFormat;
  ext: string;
  contentType: string;
}

/** `meta.original` / `meta.small` of a MediaAttachment. */
export interface ImageGeometry {
  width: number;
  height: number;
  size: string;
  aspect: number;
}

const SHARP_FORMAT: Record<string, string> = {
  "image/jpeg": "jpeg",
  "image/png": "png",
  "image/gif": "gif",
  "image/webp": "webp",
  "image/heic": "heif",
  "image/heif": "heif",
  "image/avif": "heif",
};

const OUTPUT: Record<OutputFormat, { ext: string; contentType: string }> = {
  jpeg: { ext: "jpeg", contentType: "image/jpeg" },
  png: { ext: "png", contentType: "image/png" },
  webp: { ext: "webp", contentType: "image/webp" },
  gif: { ext: "gif", contentType: "image/gif" },
};

// sharp (libvips) costs about 20 MiB of memory once loaded: loaded on the
// first image, not at start, so a server nobody uploads to never pays it.
let sharpModule: Promise<typeof import("sharp")> | null = null;
const loadSharp = async () => (await (sharpModule ??= import("sharp"))).default;

const open = async (input: Uint8Array, animated = false): Promise<Sharp> =>
  (await loadSharp())(input, { failOn: "error", limitInputPixels: MAX_MATRIX_LIMIT, animated });

async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DimensionsError || error instanceof ImageUnreadable) throw error;
    throw new ImageUnreadable((error as Error).message);
  }
}

export function geometry(width: number, height: number): ImageGeometry {
  return { width, height, size: `${width}x${height}`, aspect: width / height };
}

/**
 * Reads the header: the oriented size and frame count. Refuses images whose
 * decoder is not the one their first bytes promised, and those over
 * Mastodon's pixel limits (checked before anything is decoded).
 */
export async function inspectImage(input: Uint8Array, type: DetectedType): Promise<ImageInfo> {
  return guard(async () => {
    const meta = await (await loadSharp())(input, { failOn: "error" }).metadata();
    if (meta.format !== SHARP_FORMAT[type.mime] || !meta.width || !meta.height) {
      throw new ImageUnreadable(`not a readable ${type.mime}`);
    }
    const pageHeight = meta.pageHeight ?? meta.height;
    const rotated = (meta.orientation ?? 1) >= 5;
    const width = rotated ? pageHeight : meta.width;
    const height = rotated ? meta.width : pageHeight;
    const pixels = width * height;
    if (type.mime === "image/gif" && pixels > GIF_MATRIX_LIMIT) {
      throw new DimensionsError(`${width}x${height} GIF files are not supported`);
    }
    if (pixels > MAX_MATRIX_LIMIT) {
      throw new DimensionsError(`${width}x${height} images are not supported`);
    }
    return { width, height, pages: meta.pages ?? 1 };
  });
}

/** The largest size with the same aspect and at most `pixels` pixels (never enlarged). */
export function fitPixels(width: number, height: number, pixels: number) {
  if (width * height <= pixels) return { width, height };
  const scale = Math.sqrt(pixels / (width * height));
  return {
    width: Math.max(1, Math.floor(width * scale)),
    height: Math.max(1, Math.floor(height * scale)),
  };
}

export interface RenderOptions {
  format: OutputFormat;
  /** Reduce to at most this many pixels, keeping the aspect. */
  pixels?: number;
  /** Or fill exactly this box, cropping the overflow (ImageMagick's `400x400#`). */
  cover?: { width: number; height: number };
  /** Keep every frame (animated GIF or WebP avatars). */
  animated?: boolean;
}

/** One style of an image: oriented, resized, re-encoded without metadata. */
export async function renderImage(
  input: Uint8Array,
  info: ImageInfo,
  options: RenderOptions,
): Promise<RenderedImage> {
  return guard(async () => {
    // Every frame is decoded at once: past the pixel limit in all, only the first is kept.
    const animated =
      Boolean(options.animated) &&
      info.pages > 1 &&
      info.width * info.height * info.pages <= MAX_MATRIX_LIMIT;
    let image = await open(input, animated);
    if (!animated) image = image.rotate();
    if (options.cover) {
      image = image.resize(options.cover.width, options.cover.height, { fit: "cover" });
    } else if (options.pixels !== undefined) {
      const size = fitPixels(info.width, info.height, options.pixels);
      if (size.width !== info.width || size.height !== info.height) {
        image = image.resize(size.width, size.height, { fit: "fill" });
      }
    }
    image = image.keepIccProfile();
    switch (options.format) {
      case "jpeg":
        image = image.flatten({ background: "#ffffff" }).jpeg({ quality: 90 });
        break;
      case "webp":
        image = image.webp({ quality: 90 });
        break;
      case "png":
        image = image.png();
        break;
      case "gif":
        image = image.gif();
        break;
    }
    const { data, info: out } = await image.toBuffer({ resolveWithObject: true });
    return {
      data,
      width: out.width,
      height: animated ? (out.pageHeight ?? out.height) : out.height,
      format: options.format,
      ...OUTPUT[options.format],
    };
  });
}

/** BlurhashTranscoder: 4x4 components, computed on a copy at most 100 pixels wide. */
export async function blurhashOf(input: Uint8Array): Promise<string | null> {
  try {
    const { data, info } = await (
      await loadSharp()
    )(input)
      .resize(100, 100, { fit: "inside", withoutEnlargement: true })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return encode(new Uint8ClampedArray(data), info.width, info.height, 4, 4);
  } catch {
    return null;
  }
}

/** The format media images are kept in: their own, except GIF (PNG) and HEIF/AVIF (JPEG), as Mastodon. */
export function mediaOutputFormat(type: DetectedType): OutputFormat {
  switch (type.mime) {
    case "image/png":
    case "image/gif":
      return "png";
    case "image/webp":
      return "webp";
    default:
      return "jpeg";
  }
}

export interface ProcessedMediaImage {
  original: RenderedImage;
  small: RenderedImage;
  blurhash: string | null;
}

/** A media attachment's image: `original` within 3840x2160's pixels, `small` within 640x360's, and the blurhash. */
export async function processMediaImage(
  input: Uint8Array,
  type: DetectedType,
  info: ImageInfo,
): Promise<ProcessedMediaImage> {
  const format = mediaOutputFormat(type);
  const [original, small] = await Promise.all([
    renderImage(input, info, { format, pixels: ORIGINAL_PIXELS }),
    renderImage(input, info, { format, pixels: SMALL_PIXELS }),
  ]);
  return { original, small, blurhash: await blurhashOf(small.data) };
}
