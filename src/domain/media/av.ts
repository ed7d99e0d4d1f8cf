// Video, audio and animated GIFs through ffmpeg, with Mastodon's settings
// (app/models/media_attachment.rb: VIDEO_FORMAT, VIDEO_PASSTHROUGH_OPTIONS,
// VIDEO_STYLES, AUDIO_STYLES; lib/paperclip/transcoder.rb, gif_transcoder.rb,
// image_extractor.rb):
// - video becomes H.264/AAC in MP4 (yuv420p, even sizes, faststart, a
//   bitrate from its pixels, at most MAX_VIDEO_FRAMES frames); an MP4 that
//   already is H.264/yuv420p with AAC or no sound is copied as is;
// - a video without sound is a "gifv", as an animated GIF is
//   (Transcoder#update_attachment_type), and both become silent MP4;
// - audio becomes MP3 (`-q:a 2`); its cover art, if any, is its preview;
// - metadata is dropped (`-map_metadata -1`);
// - the first frame, within 640x640, is a video's `small` preview (PNG) and
//   gives its blurhash;
// - `meta.original` is read from the converted file, as Mastodon's
//   video_metadata: width, height, frame_rate ("30/1"), duration, bitrate.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { MEDIA_LIMITS } from "../instance/limits.ts";
import type { DetectedType } from "./detect-type.ts";
import {
  ffmpeg,
  FfmpegError,
  probe,
  QUICK_TIMEOUT_MS,
  type FfmpegConfig,
  type Probe,
  type ProbeStream,
} from "./ffmpeg.ts";
import {
  blurhashOf,
  DimensionsError,
  inspectImage,
  renderImage,
  SMALL_PIXELS,
  type RenderedImage,
} from "./image.ts";

export type AvType = "video" | "gifv" | "audio";

/** MediaAttachment::MAX_VIDEO_FRAMES: about 5 minutes at 120 fps; longer video is cut there. */
const MAX_VIDEO_FRAMES = 36_000;
/** Transcoder::BITS_PER_PIXEL, H.264 "High" (https://www.dr-lex.be/info-stuff/videocalc.html). */
const BITS_PER_PIXEL = 0.11;
/** VIDEO_FORMAT's `b:a`, also what Transcoder leaves for the sound in the size budget. */
const AUDIO_BITRATE = 192_000;
/** VIDEO_STYLES[:small]: the first frame within 640x640. */
const SMALL_BOX = 640;

/** Mastodon::StreamValidationError: answered as a 422 with its message. */
export class StreamError extends Error {
  override name = "StreamError";
}

export interface ProcessedAv {
  type: AvType;
  original: { data: Buffer; ext: string; contentType: string };
  /** `meta.original`: width, height, frame_rate, duration, bitrate (those that apply). */
  originalMeta: Record<string, unknown>;
  /** A video's first frame, or an audio file's cover art. */
  small: RenderedImage | null;
  blurhash: string | null;
}

async function inTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), "herd-media-"));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function probeUpload(config: FfmpegConfig, dir: string, input: Uint8Array, ext: string) {
  const file = path.join(dir, `input.${ext}`);
  await writeFile(file, input);
  return { file, probed: await probe(config, file) };
}

const videoStream = (p: Probe) =>
  p.streams.find((s) => s.codec_type === "video" && !s.disposition?.attached_pic);
const audioStream = (p: Probe) => p.streams.find((s) => s.codec_type === "audio");

/** An ffprobe rate ("30000/1001"), or null for none ("0/0"). */
function rate(value: string | undefined): { n: number; d: number } | null {
  const [n, d] = (value ?? "").split("/").map(Number);
  if (!n || !d || !Number.isFinite(n) || !Number.isFinite(d)) return null;
  return { n, d };
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Ruby's Rational#to_s, as Mastodon's meta has it: "25/1", "30000/1001". */
function rationalText(value: string | undefined): string | undefined {
  const r = rate(value);
  if (!r) return undefined;
  const g = gcd(Math.abs(r.n), Math.abs(r.d));
  return `${r.n / g}/${r.d / g}`;
}

const fps = (value: string | undefined) => {
  const r = rate(value);
  return r ? r.n / r.d : null;
};

/**
 * What the upload becomes: an animated GIF is gifv; a video without sound is
 * gifv too (Transcoder#update_attachment_type); audio, or a video container
 * holding only sound, is audio.
 */
function classify(p: Probe, type: DetectedType): AvType {
  const video = videoStream(p);
  const audio = audioStream(p);
  if (type.mime !== "image/gif" && (type.kind === "audio" || !video)) {
    if (audio) return "audio";
    if (type.kind === "audio") throw new FfmpegError("no audio stream");
  }
  if (!video) throw new StreamError("Video has no video stream");
  return audio && type.mime !== "image/gif" ? "video" : "gifv";
}

/** MediaAttachment#check_video_dimensions: MAX_VIDEO_MATRIX_LIMIT and MAX_VIDEO_FRAME_RATE. */
function checkVideo(p: Probe): ProbeStream {
  const video = videoStream(p);
  if (!video?.width || !video.height) throw new StreamError("Video has no video stream");
  if (video.width * video.height > MEDIA_LIMITS.videoMatrixLimit) {
    throw new DimensionsError(`${video.width}x${video.height} videos are not supported`);
  }
  // Mastodon reads avg_frame_rate; a stream without one (some WebM) is not refused here.
  const frameRate = fps(video.avg_frame_rate);
  if (frameRate !== null && Math.floor(frameRate) > MEDIA_LIMITS.videoFrameRateLimit) {
    throw new DimensionsError(`${Math.floor(frameRate)}fps videos are not supported`);
  }
  return video;
}

/** What a file ffprobe cannot read would be, from its content type (MediaAttachment#set_type_and_extension). */
const kindOfType = (type: DetectedType): AvType =>
  type.mime === "image/gif" ? "gifv" : type.kind === "audio" ? "audio" : "video";

/**
 * The checks made when a file is uploaded (before_file_validate): its
 * streams and Mastodon's limits. Answers what it will become. As Mastodon, a
 * file ffprobe cannot read passes: its processing then fails, and GET
 * /api/v1/media/:id answers 422.
 */
export async function checkAv(
  config: FfmpegConfig,
  input: Uint8Array,
  type: DetectedType,
): Promise<AvType> {
  return inTempDir(async (dir) => {
    let probed: Probe;
    try {
      ({ probed } = await probeUpload(config, dir, input, type.ext));
    } catch (error) {
      if (error instanceof FfmpegError) return kindOfType(type);
      throw error;
    }
    const kind = classify(probed, type);
    if (kind !== "audio") checkVideo(probed);
    return kind;
  });
}

/**
 * VIDEO_PASSTHROUGH_OPTIONS: an MP4 (VIDEO_STYLES; WebM, QuickTime and GIF
 * are always converted) of H.264 in yuv420p, with AAC or no sound.
 */
function canPassThrough(p: Probe, type: DetectedType): boolean {
  const video = videoStream(p);
  const audio = audioStream(p);
  return (
    type.mime === "video/mp4" &&
    video?.codec_name === "h264" &&
    video.pix_fmt === "yuv420p" &&
    (!audio || audio.codec_name === "aac")
  );
}

/** The picture, and the first sound if there is one: not cover art, subtitles or data. */
const streamMaps = (video: ProbeStream) => ["-map", `0:${video.index}`, "-map", "0:a:0?"];

/** VIDEO_FORMAT's output options, with Transcoder#make's bitrate. */
function h264Options(p: Probe, video: ProbeStream): string[] {
  const duration = Math.max(Number(p.format.duration) || 0, 1);
  const desired = Math.floor(video.width! * video.height! * 30 * BITS_PER_PIXEL);
  const maximum = Math.floor((MEDIA_LIMITS.videoSizeLimit * 8) / duration) - AUDIO_BITRATE;
  const bitrate = Math.max(Math.min(desired, maximum), 1);
  // High variable frame rates are kept variable rather than filled to a constant rate.
  const rFrameRate = fps(video.r_frame_rate);
  const vfr = rFrameRate !== null && rFrameRate > MEDIA_LIMITS.videoFrameRateLimit;
  return [
    "-preset",
    "veryfast",
    "-movflags",
    "faststart",
    "-pix_fmt",
    "yuv420p",
    // H.264 needs even sizes: cropped, not scaled, so nothing is blurred.
    "-vf",
    "crop=floor(iw/2)*2:floor(ih/2)*2",
    "-c:v",
    "h264",
    "-c:a",
    "aac",
    "-b:a",
    "192k",
    "-map_metadata",
    "-1",
    "-frames:v",
    String(MAX_VIDEO_FRAMES),
    "-b:v",
    String(bitrate),
    "-maxrate",
    String(bitrate + AUDIO_BITRATE),
    "-bufsize",
    String(bitrate * 5),
    ...(vfr ? ["-vsync", "vfr"] : []),
  ];
}

function numberOf(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && value !== "" && Number.isFinite(n) ? n : undefined;
}

/** A picture shown turned a quarter (phone video copied as is) is as wide as it is high. */
function quarterTurned(stream: ProbeStream): boolean {
  const rotation =
    stream.side_data_list?.find((d) => typeof d.rotation === "number")?.rotation ??
    numberOf(stream.tags?.rotate) ??
    0;
  return Math.abs(rotation) % 180 === 90;
}

/** MediaAttachment#video_metadata of the converted file (nothing that is missing). */
function originalMeta(p: Probe, kind: AvType): Record<string, unknown> {
  const meta: Record<string, unknown> = {};
  const video = videoStream(p);
  if (kind !== "audio" && video?.width && video.height) {
    const turned = quarterTurned(video);
    meta.width = turned ? video.height : video.width;
    meta.height = turned ? video.width : video.height;
    const frameRate = rationalText(video.avg_frame_rate);
    if (frameRate) meta.frame_rate = frameRate;
  }
  const duration = numberOf(p.format.duration);
  const bitrate = numberOf(p.format.bit_rate);
  if (duration !== undefined) meta.duration = duration;
  if (bitrate !== undefined) meta.bitrate = Math.trunc(bitrate);
  return meta;
}

const PNG: DetectedType = { mime: "image/png", ext: "png", kind: "image" };

/** One frame of `source` as a PNG (turned as it is shown), or null when there is none. */
async function frameOf(
  config: FfmpegConfig,
  source: string,
  out: string,
  stream: string,
  filter: string[] = [],
): Promise<Buffer | null> {
  const args = ["-i", source, "-loglevel", "fatal", "-map", stream, ...filter];
  try {
    await ffmpeg(
      config,
      [...args, "-frames:v", "1", "-update", "1", "-f", "image2", "-c:v", "png", out],
      QUICK_TIMEOUT_MS,
    );
  } catch (error) {
    if (error instanceof FfmpegError) return null;
    throw error;
  }
  const data = await readFile(out).catch(() => null);
  return data && data.length > 0 ? data : null;
}

/** AUDIO_STYLES, with ImageExtractor's cover art (as a `small` preview within 640x360's pixels). */
async function transcodeAudio(
  config: FfmpegConfig,
  dir: string,
  source: string,
  input: Probe,
): Promise<ProcessedAv> {
  const out = path.join(dir, "original.mp3");
  await ffmpeg(config, [
    "-i",
    source,
    "-loglevel",
    "fatal",
    "-map",
    "0:a:0",
    "-map_metadata",
    "-1",
    "-q:a",
    "2",
    "-f",
    "mp3",
    out,
  ]);
  const cover = input.streams.find((s) => s.codec_type === "video");
  const coverFrame = cover
    ? await frameOf(config, source, path.join(dir, "cover.png"), `0:${cover.index}`)
    : null;
  let small: RenderedImage | null = null;
  if (coverFrame) {
    try {
      const info = await inspectImage(coverFrame, PNG);
      small = await renderImage(coverFrame, info, { format: "png", pixels: SMALL_PIXELS });
    } catch {
      small = null; // a cover that cannot be read is skipped, as ImageExtractor does
    }
  }
  return {
    type: "audio",
    original: { data: await readFile(out), ext: "mp3", contentType: "audio/mpeg" },
    originalMeta: originalMeta(await probe(config, out), "audio"),
    small,
    blurhash: small ? await blurhashOf(small.data) : null,
  };
}

async function transcodeVideo(
  config: FfmpegConfig,
  dir: string,
  source: string,
  input: Probe,
  type: DetectedType,
  kind: "video" | "gifv",
): Promise<ProcessedAv> {
  const video = checkVideo(input);
  const out = path.join(dir, "original.mp4");
  const options = canPassThrough(input, type)
    ? ["-map_metadata", "-1", "-c:v", "copy", "-c:a", "copy", "-movflags", "faststart"]
    : h264Options(input, video);
  await ffmpeg(config, [
    "-i",
    source,
    "-loglevel",
    "fatal",
    ...streamMaps(video),
    ...options,
    "-f",
    "mp4",
    out,
  ]);
  const output = await probe(config, out);
  if (!videoStream(output)) throw new FfmpegError("the converted file has no picture");
  const frame = await frameOf(config, out, path.join(dir, "small.png"), "0:v:0", [
    "-vf",
    `scale='min(${SMALL_BOX},iw)':'min(${SMALL_BOX},ih)':force_original_aspect_ratio=decrease`,
  ]);
  if (!frame) throw new FfmpegError("no frame could be taken from the video");
  const { width, height } = await inspectImage(frame, PNG);
  const small: RenderedImage = {
    data: frame,
    width,
    height,
    format: "png",
    ext: "png",
    contentType: "image/png",
  };
  return {
    type: kind,
    original: { data: await readFile(out), ext: "mp4", contentType: "video/mp4" },
    originalMeta: originalMeta(output, kind),
    small,
    blurhash: await blurhashOf(frame),
  };
}

/** Converts an upload (checked by checkAv when it arrived; checked again here). */
export async function transcodeAv(
  config: FfmpegConfig,
  input: Uint8Array,
  type: DetectedType,
): Promise<ProcessedAv> {
  return inTempDir(async (dir) => {
    const { file, probed } = await probeUpload(config, dir, input, type.ext);
    const kind = classify(probed, type);
    return kind === "audio"
      ? transcodeAudio(config, dir, file, probed)
      : transcodeVideo(config, dir, file, probed, type, kind);
  });
}
