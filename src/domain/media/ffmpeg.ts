// ffmpeg and ffprobe, run as child processes for video, audio and animated
// GIFs, as Mastodon does (FFMPEG_BINARY, FFPROBE_BINARY). ffmpeg is optional:
// Herd looks for it when such a file arrives (so installing it, with
// `apt-get install ffmpeg`, needs no restart), and without it those uploads
// are refused with a 422 while images keep working.
import { execFile } from "node:child_process";

export interface FfmpegConfig {
  ffmpegBinary: string;
  ffprobeBinary: string;
}

/** What an upload gets when ffmpeg is missing. */
export const FFMPEG_MISSING =
  "Video, audio and animated GIF uploads need ffmpeg, which is not installed on this server";

/**
 * How long a transcoding may take (Mastodon's has no limit; a stuck one
 * should not block a worker). With a minute each for probing and the preview
 * frame it stays under the media job's 15-minute expiry, so the queue never
 * starts a second run of a job whose first is still transcoding.
 */
export const TRANSCODE_TIMEOUT_MS = 10 * 60_000;
/** How long ffprobe, or taking one frame, may take. */
export const QUICK_TIMEOUT_MS = 60_000;

/** ffmpeg failed on the file (not a crash of Herd): the upload cannot be processed. */
export class FfmpegError extends Error {
  override name = "FfmpegError";
}

interface Output {
  stdout: string;
  stderr: string;
}

function run(binary: string, args: string[], timeout: number): Promise<Output> {
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      args,
      { timeout, killSignal: "SIGKILL", maxBuffer: 4 * 1024 * 1024, windowsHide: true },
      (error, stdout, stderr) => {
        if (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === "ENOENT" || code === "EACCES") reject(error);
          else
            reject(
              new FfmpegError(`${binary} failed: ${stderr.trim().slice(-500) || error.message}`),
            );
          return;
        }
        resolve({ stdout, stderr });
      },
    );
  });
}

const found = new Set<string>();

/** Whether ffmpeg and ffprobe can be run. A success is remembered; a failure is checked again next time. */
export async function ffmpegAvailable(config: FfmpegConfig): Promise<boolean> {
  const id = `${config.ffmpegBinary}\0${config.ffprobeBinary}`;
  if (found.has(id)) return true;
  try {
    await run(config.ffmpegBinary, ["-hide_banner", "-version"], 10_000);
    await run(config.ffprobeBinary, ["-hide_banner", "-version"], 10_000);
  } catch {
    return false;
  }
  found.add(id);
  return true;
}

export interface ProbeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  pix_fmt?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  nb_frames?: string;
  disposition?: { attached_pic?: number };
  /** A display matrix's `rotation` (degrees) when the picture is to be shown turned. */
  side_data_list?: { side_data_type?: string; rotation?: number }[];
  /** Older files and ffmpeg versions say it here instead. */
  tags?: { rotate?: string };
}

export interface Probe {
  streams: ProbeStream[];
  format: { duration?: string; bit_rate?: string; format_name?: string };
}

export async function probe(config: FfmpegConfig, file: string): Promise<Probe> {
  const { stdout } = await run(
    config.ffprobeBinary,
    ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", file],
    QUICK_TIMEOUT_MS,
  );
  try {
    const parsed = JSON.parse(stdout) as Partial<Probe>;
    return { streams: parsed.streams ?? [], format: parsed.format ?? {} };
  } catch {
    throw new FfmpegError("ffprobe gave no readable answer");
  }
}

export async function ffmpeg(
  config: FfmpegConfig,
  args: string[],
  timeout = TRANSCODE_TIMEOUT_MS,
): Promise<void> {
  await run(config.ffmpegBinary, ["-hide_banner", "-nostdin", "-y", ...args], timeout);
}
