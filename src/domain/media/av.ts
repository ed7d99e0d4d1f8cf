// Video, audio and animated GIFs through ffmpeg, with Mastodon's settings
// (MediaAttachment::VIDEO_FORMAT, VIDEO_PASSTHROUGH_OPTIONS, AUDIO_STYLES and
// the video `small` style): video becomes H.264 MP4 (copied as is when it
// already is H.264/yuv420p with AAC or no sound), animated GIFs become silent
// MP4 ("gifv"), audio becomes MP3; metadata is dropped (`-map_metadata -1`),
// and the first frame of a video gives its preview and blurhash.
//
// Without ffmpeg on the machine none of this can run; this file has been
// checked only for that case (see the tests), and follows Mastodon's
// arguments closely for the rest.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { MEDIA_LIMITS } from "../instance/limits.ts";
import type { DetectedType } from "./detect-type.ts";
import { ffmpeg, FfmpegError, probe, type FfmpegConfig, type Probe } from "./ffmpeg.ts";
import {
  blurhashOf,
  DimensionsError,
  inspectImage,
  renderImage,
  SMALL_PIXELS,
  type RenderedImage,
} from "./image.ts";

export type AvType = "video" | "gifv" | "audio";

/** MAX_VIDEO_FRAMES: about 5 minutes at 120 fps; longer video is cut there, as Mastodon's `frames:v`. */
const MAX_VIDEO_FRAMES = 36_000;

export interface ProcessedAv {
  type: AvType;
  original: { data: Buffer; ext: string; contentType: string };
  /** `meta.original`: width, height, frame_rate, duration, bitrate (those that apply). */
  originalMeta: Record<string, unknown>;
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

const videoStream = (p: Probe) =>
  p.streams.find((s) => s.codec_type === "video" && !s.disposition?.attached_pic);
const audioStream = (p: Probe) => p.streams.find((s) => s.codec_type === "audio");

function frameRate(value: string | undefined): number {
  if (!value) return 0;
  const [n, d] = value.split("/").map(Number);
  return d ? (n ?? 0) / d : (n ?? 0);
}

/** What the file turns into: video without a picture is audio (Mastodon's TypeCorrector). */
function classify(p: Probe, type: DetectedType): AvType {
  if (type.mime === "image/gif") return "gifv";
  return videoStream(p) ? "video" : "audio";
}

/** MAX_VIDEO_MATRIX_LIMIT and MAX_VIDEO_FRAME_RATE, with Mastodon's messages. */
function checkVideo(p: Probe): void {
  const video = videoStream(p);
  if (!video?.width || !video.height) return;
  if (video.width * video.height > MEDIA_LIMITS.videoMatrixLimit) {
    throw new DimensionsError(`${video.width}x${video.height} videos are not supported`);
  }
  const fps = frameRate(video.avg_frame_rate) || frameRate(video.r_frame_rate);
  if (fps > MEDIA_LIMITS.videoFrameRateLimit) {
    throw new DimensionsError(`${Math.floor(fps)}fps videos are not supported`);
  }
}

/** Probes an upload and checks Mastodon's limits; answers what it will become. */
export async function checkAv(
  config: FfmpegConfig,
  input: Uint8Array,
  type: DetectedType,
): Promise<AvType> {
  return inTempDir(async (dir) => {
    const file = path.join(dir, `input.${type.ext}`);
    await writeFile(file, input);
    const p = await probe(config, file);
    if (!videoStream(p) && !audioStream(p)) throw new FfmpegError("no audio or video stream");
    const kind = classify(p, type);
    if (kind !== "audio") checkVideo(p);
    return kind;
  });
}

/** VIDEO_PASSTHROUGH_OPTIONS: H.264 in yuv420p, with AAC or no sound, in MP4. */
function canPassThrough(p: Probe): boolean {
  const video = videoStream(p);
  const audio = audioStream(p);
  return (
    video?.codec_name === "h264" &&
    video.pix_fmt === "yuv420p" &&
    (!audio || audio.codec_name === "aac") &&
    (p.format.format_name ?? "").includes("mp4")
  );
}

/** VIDEO_FORMAT's output options. */
function h264Options(silent: boolean): string[] {
  return [
    "-loglevel",
    "fatal",
    "-movflags",
    "faststart",
    "-pix_fmt",
    "yuv420p",
    "-vf",
    "scale='trunc(iw/2)*2:trunc(ih/2)*2'",
    "-vsync",
    "cfr",
    "-c:v",
    "h264",
    "-maxrate",
    "1300K",
    "-bufsize",
    "1300K",
    "-frames:v",
    String(MAX_VIDEO_FRAMES),
    "-crf",
    "18",
    "-map_metadata",
    "-1",
    ...(silent ? ["-an"] : []),
    "-f",
    "mp4",
  ];
}

function numberOr(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) ? n : undefined;
}

function originalMeta(p: Probe, type: AvType): Record<string, unknown> {
  const video = videoStream(p);
  const meta: Record<string, unknown> = {};
  if (type !== "audio" && video) {
    meta.width = video.width;
    meta.height = video.height;
    meta.frame_rate = video.r_frame_rate;
  }
  const duration = numberOr(p.format.duration);
  const bitrate = numberOr(p.format.bit_rate);
  if (duration !== undefined) meta.duration = duration;
  if (bitrate !== undefined) meta.bitrate = bitrate;
  return meta;
}

/** Transcodes an upload checked by checkAv. */
export async function transcodeAv(
  config: FfmpegConfig,
  input: Uint8Array,
  type: DetectedType,
): Promise<ProcessedAv> {
  return inTempDir(async (dir) => {
    const source = path.join(dir, `input.${type.ext}`);
    await writeFile(source, input);
    const inputProbe = await probe(config, source);
    const kind = classify(inputProbe, type);

    if (kind === "audio") {
      const out = path.join(dir, "output.mp3");
      await ffmpeg(config, [
        "-i",
        source,
        "-loglevel",
        "fatal",
        "-vn",
        "-map_metadata",
        "-1",
        "-c:a",
        "libmp3lame",
        "-q:a",
        "2",
        "-f",
        "mp3",
        out,
      ]);
      return {
        type: kind,
        original: { data: await readFile(out), ext: "mp3", contentType: "audio/mpeg" },
        originalMeta: originalMeta(await probe(config, out), kind),
        small: null,
        blurhash: null,
      };
    }

    checkVideo(inputProbe);
    const out = path.join(dir, "output.mp4");
    const passthrough = kind === "video" && canPassThrough(inputProbe);
    await ffmpeg(config, [
      "-i",
      source,
      ...(passthrough
        ? ["-loglevel", "fatal", "-map_metadata", "-1", "-c:v", "copy", "-c:a", "copy"]
        : h264Options(kind === "gifv")),
      ...(passthrough ? ["-movflags", "faststart", "-f", "mp4"] : []),
      out,
    ]);
    const frame = path.join(dir, "frame.png");
    await ffmpeg(config, [
      "-i",
      out,
      "-loglevel",
      "fatal",
      "-frames:v",
      "1",
      "-f",
      "image2",
      "-c:v",
      "png",
      frame,
    ]);
    const frameData = await readFile(frame);
    const pngType: DetectedType = { mime: "image/png", ext: "png", kind: "image" };
    const small = await renderImage(frameData, await inspectImage(frameData, pngType), {
      format: "png",
      pixels: SMALL_PIXELS,
    });
    return {
      type: kind,
      original: { data: await readFile(out), ext: "mp4", contentType: "video/mp4" },
      originalMeta: originalMeta(await probe(config, out), kind),
      small,
      blurhash: await blurhashOf(small.data),
    };
  });
}
