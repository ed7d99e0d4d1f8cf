// Video, audio and animated GIFs with the real ffmpeg
// (https://docs.joinmastodon.org/methods/media/#v2, entities/MediaAttachment):
// POST /api/v2/media answers 202 with `url: null`, GET /api/v1/media/:id 206
// until the `media.process` job has run, then 200 with Mastodon's files and
// meta. The fixtures are made by ffmpeg itself in a temporary folder. Every
// test needs ffmpeg and is skipped without it (test/media-upload.test.ts
// covers that case).
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { ffmpegAvailable } from "../src/domain/media/ffmpeg.ts";
import { makeUser, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import { fetchMedia, form, png } from "./media-fixtures.ts";

const run = promisify(execFile);
const dataDir = await mkdtemp(path.join(os.tmpdir(), "herd-media-video-"));
const work = await mkdtemp(path.join(os.tmpdir(), "herd-av-fixtures-"));
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});
const t = await createTestInstance({ env: { DATA_DIR: dataDir } });
const hasFfmpeg = await ffmpegAvailable(t.config.media);

const BLURHASH = /^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{36}$/;
const FILE_URL = (style: string, ext: string) =>
  new RegExp(
    `^https://herd\\.test/system/media_attachments/files/(\\d{3}/){6}${style}/[0-9a-f]{16}\\.${ext}$`,
  );

let fixtureCount = 0;
/** A file made by ffmpeg: `args` are its inputs and options, the output is named for `ext`. */
async function make(ext: string, args: string[]): Promise<Buffer> {
  const out = path.join(work, `fixture-${++fixtureCount}.${ext}`);
  await run(t.config.media.ffmpegBinary, [
    "-hide_banner",
    "-loglevel",
    "error",
    "-y",
    ...args,
    out,
  ]);
  return readFile(out);
}

const picture = (size: string, rate = 25) => [
  "-f",
  "lavfi",
  "-i",
  `testsrc=size=${size}:rate=${rate}`,
];
const tone = (seconds = 2) => ["-f", "lavfi", "-i", `sine=frequency=440:duration=${seconds}`];

/** H.264 and AAC in MP4 (what Mastodon copies as is), with a title that must not survive. */
const h264Mp4 = (size = "320x240", seconds = 2) =>
  make("mp4", [
    ...picture(size),
    ...tone(seconds),
    "-t",
    String(seconds),
    "-c:v",
    "libx264",
    "-pix_fmt",
    "yuv420p",
    "-c:a",
    "aac",
    "-metadata",
    "title=secret-place",
  ]);

interface Probed {
  streams: {
    codec_type: string;
    codec_name: string;
    pix_fmt?: string;
    width?: number;
    height?: number;
  }[];
  format: { format_name: string; duration: string; tags?: Record<string, string> };
}

/** What ffprobe says of a stored file. */
async function ffprobe(data: Uint8Array): Promise<Probed> {
  const file = path.join(work, `probe-${++fixtureCount}`);
  await writeFile(file, data);
  const { stdout } = await run(t.config.media.ffprobeBinary, [
    "-v",
    "error",
    "-print_format",
    "json",
    "-show_format",
    "-show_streams",
    file,
  ]);
  return JSON.parse(stdout) as Probed;
}

async function download(url: string, contentType: string): Promise<Uint8Array> {
  const res = await fetchMedia(t, url);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe(contentType);
  return new Uint8Array(await res.arrayBuffer());
}

const mediaUpload = (user: TestUser, data: Uint8Array, name: string, version = "v2") =>
  t.json(`/api/${version}/media`, {
    method: "POST",
    token: user.token,
    multipart: form(data, { name, type: "application/octet-stream" }),
  });
const getMedia = (user: TestUser, id: string) =>
  t.json(`/api/v1/media/${id}`, { token: user.token });

/** Uploads through v2, checks the 202 and the 206, runs the job, and answers the 200's entity. */
async function uploadAndProcess(user: TestUser, data: Uint8Array, name: string, type: string) {
  const res = await mediaUpload(user, data, name);
  expect(res.status).toBe(202);
  expect(res.body).toMatchObject({ type, url: null, preview_url: null, blurhash: null });
  const waiting = await getMedia(user, res.body.id);
  expect(waiting.status).toBe(206);
  expect(waiting.body.url).toBeNull();
  await t.drainJobs();
  const done = await getMedia(user, res.body.id);
  expect(done.status).toBe(200);
  return done.body;
}

const moovFirst = (data: Uint8Array) => {
  const bytes = Buffer.from(data);
  return bytes.indexOf("moov") > 0 && bytes.indexOf("moov") < bytes.indexOf("mdat");
};

describe("video", () => {
  it.runIf(hasFfmpeg)(
    "an H.264 MP4 with sound is kept as it is, without its metadata",
    async () => {
      const me = await makeUser(t);
      const media = await uploadAndProcess(me, await h264Mp4(), "clip.mp4", "video");
      expect(media).toEqual({
        id: expect.stringMatching(/^\d+$/),
        type: "video",
        url: expect.stringMatching(FILE_URL("original", "mp4")),
        preview_url: expect.stringMatching(FILE_URL("small", "png")),
        remote_url: null,
        preview_remote_url: null,
        meta: {
          original: {
            width: 320,
            height: 240,
            frame_rate: "25/1",
            duration: expect.closeTo(2, 1),
            bitrate: expect.any(Number),
          },
          small: { width: 320, height: 240, size: "320x240", aspect: 320 / 240 },
        },
        description: null,
        blurhash: expect.stringMatching(BLURHASH),
      });
      expect(media.meta.original.bitrate).toBeGreaterThan(10_000);

      const file = await download(media.url, "video/mp4");
      const probed = await ffprobe(file);
      expect(probed.format.format_name).toContain("mp4");
      expect(probed.streams.map((s) => [s.codec_type, s.codec_name])).toEqual([
        ["video", "h264"],
        ["audio", "aac"],
      ]);
      expect(probed.format.tags?.title).toBeUndefined();
      expect(Buffer.from(file).includes("secret-place")).toBe(false);
      expect(moovFirst(file)).toBe(true);

      // The preview is the first frame, a PNG of the size meta.small gives.
      const preview = await download(media.preview_url, "image/png");
      const frame = await sharp(preview).metadata();
      expect([frame.format, frame.width, frame.height]).toEqual(["png", 320, 240]);
    },
  );

  it.runIf(hasFfmpeg)(
    "WebM becomes H.264/AAC in MP4, with even sizes, faststart and a 640x640 preview",
    async () => {
      const me = await makeUser(t);
      const webm = await make("webm", [
        ...picture("801x451", 30),
        ...tone(1),
        "-t",
        "1",
        "-c:v",
        "libvpx",
        "-c:a",
        "libopus",
      ]);
      const media = await uploadAndProcess(me, webm, "clip.webm", "video");
      expect(media.url).toMatch(FILE_URL("original", "mp4"));
      expect(media.meta.original).toEqual({
        width: 800,
        height: 450,
        frame_rate: "30/1",
        duration: expect.closeTo(1, 1),
        bitrate: expect.any(Number),
      });
      // Within 640x640, never enlarged, the aspect kept.
      expect(media.meta.small).toEqual({
        width: 640,
        height: 360,
        size: "640x360",
        aspect: 640 / 360,
      });
      expect(media.blurhash).toMatch(BLURHASH);

      const file = await download(media.url, "video/mp4");
      const probed = await ffprobe(file);
      const video = probed.streams.find((s) => s.codec_type === "video")!;
      expect([video.codec_name, video.pix_fmt, video.width, video.height]).toEqual([
        "h264",
        "yuv420p",
        800,
        450,
      ]);
      expect(probed.streams.find((s) => s.codec_type === "audio")?.codec_name).toBe("aac");
      expect(moovFirst(file)).toBe(true);
      const preview = await sharp(await download(media.preview_url, "image/png")).metadata();
      expect([preview.width, preview.height]).toEqual([
        media.meta.small.width,
        media.meta.small.height,
      ]);
    },
  );

  it.runIf(hasFfmpeg)(
    "a video without sound is a gifv, as Mastodon's Transcoder makes it",
    async () => {
      const me = await makeUser(t);
      const silent = await make("mp4", [
        ...picture("160x120"),
        "-t",
        "1",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
      ]);
      const media = await uploadAndProcess(me, silent, "silent.mp4", "gifv");
      expect(media.type).toBe("gifv");
      expect(media.meta.original).toMatchObject({ width: 160, height: 120, frame_rate: "25/1" });
      const probed = await ffprobe(await download(media.url, "video/mp4"));
      expect(probed.streams.map((s) => s.codec_type)).toEqual(["video"]);
    },
  );

  it.runIf(hasFfmpeg)(
    "a phone video turned a quarter keeps its turn; meta and preview are as shown",
    async () => {
      const me = await makeUser(t);
      const straight = path.join(work, "straight.mp4");
      await writeFile(straight, await h264Mp4());
      const turned = await make("mp4", [
        "-i",
        straight,
        "-c",
        "copy",
        "-metadata:s:v:0",
        "rotate=90",
      ]);
      const media = await uploadAndProcess(me, turned, "portrait.mp4", "video");
      expect(media.meta.original).toMatchObject({ width: 240, height: 320 });
      expect(media.meta.small).toMatchObject({ width: 240, height: 320 });
      const preview = await sharp(await download(media.preview_url, "image/png")).metadata();
      expect([preview.width, preview.height]).toEqual([240, 320]);
    },
  );

  it.runIf(hasFfmpeg)("POST /api/v1/media converts at once and answers 200", async () => {
    const me = await makeUser(t);
    const webm = await make("webm", [
      ...picture("320x240"),
      ...tone(1),
      "-t",
      "1",
      "-c:v",
      "libvpx",
      "-c:a",
      "libopus",
    ]);
    const res = await mediaUpload(me, webm, "clip.webm", "v1");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      type: "video",
      url: expect.stringMatching(FILE_URL("original", "mp4")),
      preview_url: expect.stringMatching(FILE_URL("small", "png")),
      meta: { original: { width: 320, height: 240 }, small: { width: 320, height: 240 } },
    });
    expect((await getMedia(me, res.body.id)).status).toBe(200);
  });
});

describe("animated GIFs", () => {
  it.runIf(hasFfmpeg)("become a silent H.264 MP4 of type gifv", async () => {
    const me = await makeUser(t);
    const gif = await make("gif", [...picture("161x121", 10), "-t", "1"]);
    const media = await uploadAndProcess(me, gif, "loop.gif", "gifv");
    expect(media).toMatchObject({
      type: "gifv",
      url: expect.stringMatching(FILE_URL("original", "mp4")),
      preview_url: expect.stringMatching(FILE_URL("small", "png")),
      meta: {
        original: { width: 160, height: 120, frame_rate: "10/1", duration: expect.closeTo(1, 1) },
        small: { width: 160, height: 120, size: "160x120", aspect: 160 / 120 },
      },
      blurhash: expect.stringMatching(BLURHASH),
    });
    const probed = await ffprobe(await download(media.url, "video/mp4"));
    expect(probed.streams.map((s) => [s.codec_type, s.codec_name, s.pix_fmt])).toEqual([
      ["video", "h264", "yuv420p"],
    ]);
  });
});

describe("audio", () => {
  it.runIf(hasFfmpeg)(
    "MP3, Ogg and WAV become MP3, with duration and bitrate, and no preview",
    async () => {
      const me = await makeUser(t);
      for (const [ext, args] of [
        ["mp3", ["-metadata", "artist=secret-artist"]],
        ["ogg", ["-c:a", "libvorbis"]],
        ["wav", []],
      ] as const) {
        const media = await uploadAndProcess(
          me,
          await make(ext, [...tone(), ...args]),
          `a.${ext}`,
          "audio",
        );
        expect(media).toEqual({
          id: expect.any(String),
          type: "audio",
          url: expect.stringMatching(FILE_URL("original", "mp3")),
          preview_url: null,
          remote_url: null,
          preview_remote_url: null,
          meta: { original: { duration: expect.closeTo(2, 0), bitrate: expect.any(Number) } },
          description: null,
          blurhash: null,
        });
        const file = await download(media.url, "audio/mpeg");
        const probed = await ffprobe(file);
        expect(probed.format.format_name).toBe("mp3");
        expect(probed.streams.map((s) => [s.codec_type, s.codec_name])).toEqual([["audio", "mp3"]]);
        expect(Buffer.from(file).includes("secret-artist")).toBe(false);
      }
    },
  );

  it.runIf(hasFfmpeg)("cover art becomes the preview, as Mastodon's ImageExtractor", async () => {
    const me = await makeUser(t);
    const cover = path.join(work, "cover.png");
    await writeFile(cover, await png(300, 300, [200, 30, 30]));
    const mp3 = await make("mp3", [
      ...tone(),
      "-i",
      cover,
      "-map",
      "0:a",
      "-map",
      "1:v",
      "-c:v",
      "png",
      "-disposition:v",
      "attached_pic",
    ]);
    const media = await uploadAndProcess(me, mp3, "song.mp3", "audio");
    expect(media.preview_url).toMatch(FILE_URL("small", "png"));
    expect(media.meta.small).toEqual({ width: 300, height: 300, size: "300x300", aspect: 1 });
    expect(media.meta.original).not.toHaveProperty("width");
    expect(media.blurhash).toMatch(BLURHASH);
    // The MP3 itself carries the sound only.
    const probed = await ffprobe(await download(media.url, "audio/mpeg"));
    expect(probed.streams.map((s) => s.codec_type)).toEqual(["audio"]);
  });
});

describe("bad input", () => {
  it.runIf(hasFfmpeg)("a text file called video.mp4 is refused by its content", async () => {
    const me = await makeUser(t);
    const text = new TextEncoder().encode("certainly a video\n".repeat(50));
    const res = await t.json("/api/v2/media", {
      method: "POST",
      token: me.token,
      multipart: form(text, { name: "video.mp4", type: "video/mp4" }),
    });
    expect(res.status).toBe(422);
    expect(res.body.error).toBe("Validation failed: File content type is invalid, File is invalid");
  });

  it.runIf(hasFfmpeg)(
    "an MP4 without picture or sound is refused; one with sound only is audio",
    async () => {
      const me = await makeUser(t);
      const srt = path.join(work, "words.srt");
      await writeFile(srt, "1\n00:00:00,000 --> 00:00:01,000\nhello\n");
      const subtitles = await make("mp4", ["-i", srt, "-c:s", "mov_text"]);
      const res = await mediaUpload(me, subtitles, "words.mp4");
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ error: "Video has no video stream" });

      const sound = await make("mp4", [...tone(1), "-c:a", "aac"]);
      const media = await uploadAndProcess(me, sound, "sound.mp4", "audio");
      expect(media.url).toMatch(FILE_URL("original", "mp3"));
    },
  );

  it.runIf(hasFfmpeg)(
    "a truncated MP4 is accepted, then fails: GET answers Mastodon's 422",
    async () => {
      const me = await makeUser(t);
      // Without faststart the index (moov) is at the end: the first half has none.
      const whole = await make("mp4", [
        ...picture("320x240"),
        ...tone(),
        "-t",
        "2",
        "-c:v",
        "libx264",
        "-c:a",
        "aac",
      ]);
      const broken = whole.subarray(0, Math.floor(whole.length / 2));
      const res = await mediaUpload(me, broken, "broken.mp4");
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ type: "video", url: null });
      expect((await getMedia(me, res.body.id)).status).toBe(206);
      await t.drainJobs();
      const failed = await getMedia(me, res.body.id);
      expect(failed.status).toBe(422);
      expect(failed.body).toEqual({ error: "Error processing thumbnail for uploaded media" });
      // It cannot be attached either.
      const status = await t.json("/api/v1/statuses", {
        method: "POST",
        token: me.token,
        json: { status: "broken", media_ids: [res.body.id] },
      });
      expect(status.status).toBe(422);

      // Converted at once (v1), the same file is a 422 at once.
      const v1 = await mediaUpload(me, broken, "broken.mp4", "v1");
      expect(v1.status).toBe(422);
      expect(v1.body).toEqual({ error: "File type of uploaded media could not be verified" });
    },
  );

  it.runIf(hasFfmpeg)(
    "refuses videos over 3840x2160's pixels or 120 fps, as Mastodon",
    async () => {
      const me = await makeUser(t);
      const huge = await make("mp4", [
        ...picture("3842x2162", 1),
        "-frames:v",
        "1",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
      ]);
      const big = await mediaUpload(me, huge, "huge.mp4");
      expect(big.status).toBe(422);
      expect(big.body).toEqual({ error: "3842x2162 videos are not supported" });

      const fast = await make("mp4", [...picture("64x48", 125), "-t", "0.2", "-c:v", "libx264"]);
      const quick = await mediaUpload(me, fast, "fast.mp4");
      expect(quick.status).toBe(422);
      expect(quick.body).toEqual({ error: "125fps videos are not supported" });
    },
  );

  it.runIf(hasFfmpeg)("refuses files of 99 MB or more (MediaAttachment::VIDEO_LIMIT)", async () => {
    const me = await makeUser(t);
    const head = await h264Mp4("64x48", 1);
    const large = Buffer.concat([head, Buffer.alloc(99 * 1024 * 1024 - head.length)]);
    const res = await mediaUpload(me, large, "large.mp4");
    expect(res.status).toBe(422);
    expect(res.body.error).toBe("Validation failed: File file size must be less than 99 MB");
  });
});

describe("on a status", () => {
  it.runIf(hasFfmpeg)(
    "a processed video shows in the Status entity; one still processing is refused",
    async () => {
      const me = await makeUser(t);
      const pending = await mediaUpload(me, await h264Mp4(), "clip.mp4");
      expect(pending.status).toBe(202);
      const early = await t.json("/api/v1/statuses", {
        method: "POST",
        token: me.token,
        json: { status: "too soon", media_ids: [pending.body.id] },
      });
      expect(early.status).toBe(422);
      expect(early.body).toEqual({
        error: "Cannot attach files that have not finished processing. Try again in a moment!",
      });

      await t.drainJobs();
      const media = (await getMedia(me, pending.body.id)).body;
      const res = await t.json("/api/v1/statuses", {
        method: "POST",
        token: me.token,
        json: { status: "a clip", media_ids: [media.id] },
      });
      expect(res.status).toBe(200);
      expect(res.body.media_attachments).toEqual([media]);
      expect(res.body.media_attachments[0]).toMatchObject({
        type: "video",
        url: expect.stringMatching(FILE_URL("original", "mp4")),
        meta: { original: { width: 320, height: 240, frame_rate: "25/1" } },
      });
      const read = await t.json(`/api/v1/statuses/${res.body.id}`);
      expect(read.body.media_attachments).toEqual([media]);
    },
  );
});
