// Reading, updating and deleting one's uploads (GET/PUT/DELETE
// /api/v1/media/:id), the cleanup of unattached uploads, the `media.process`
// job without ffmpeg, serving local files at /system, and `herd media`.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { run, type Output } from "../src/cli/main.ts";
import { MEDIA_JOBS } from "../src/domain/media/context.ts";
import { ffmpegAvailable } from "../src/domain/media/ffmpeg.ts";
import { makeUser, postStatus } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import { fetchMedia, form, jpeg, png } from "./media-fixtures.ts";

const dataDir = await mkdtemp(path.join(os.tmpdir(), "herd-media-"));
afterAll(() => rm(dataDir, { recursive: true, force: true }));
const t = await createTestInstance({ env: { DATA_DIR: dataDir } });
const db = t.database.db;
const hasFfmpeg = await ffmpegAvailable(t.config.media);

const keyOf = (url: string) => new URL(url).pathname.replace(/^\/system\//, "");

async function uploadPng(token: string, fields: Record<string, string> = {}) {
  const res = await t.json("/api/v2/media", {
    method: "POST",
    token,
    multipart: form(await png(120, 80), { type: "image/png", fields }),
  });
  if (res.status !== 200) throw new Error(`upload answered ${res.status}`);
  return res.body;
}

describe("GET and PUT /api/v1/media/:id", () => {
  it("reads and updates one's own upload: description, focus, thumbnail", async () => {
    const me = await makeUser(t);
    const media = await uploadPng(me.token, { description: "before" });
    const read = await t.json(`/api/v1/media/${media.id}`, { token: me.token });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(media);

    const updated = await t.json(`/api/v1/media/${media.id}`, {
      method: "PUT",
      token: me.token,
      json: { description: "after", focus: "0.5,-2" },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.description).toBe("after");
    // Kept within [-1, 1].
    expect(updated.body.meta.focus).toEqual({ x: 0.5, y: -1 });
    expect(updated.body.meta.original).toEqual(media.meta.original);

    const thumbnail = new FormData();
    thumbnail.append("thumbnail", new File([await jpeg(1280, 720, [250, 250, 0])], "t.jpg"));
    const withThumb = await t.json(`/api/v1/media/${media.id}`, {
      method: "PUT",
      token: me.token,
      multipart: thumbnail,
    });
    expect(withThumb.status).toBe(200);
    expect(withThumb.body.preview_url).toMatch(
      /^https:\/\/herd\.test\/system\/media_attachments\/thumbnails\/[\d/]+\/original\/[0-9a-f]{16}\.jpeg$/,
    );
    expect(withThumb.body.blurhash).not.toBe(media.blurhash);
    expect(withThumb.body.url).toBe(media.url);
    expect(withThumb.body.description).toBe("after");
    const preview = await fetchMedia(t, withThumb.body.preview_url);
    expect(preview.status).toBe(200);

    // A second thumbnail replaces the first, whose file goes once the job runs.
    const again = new FormData();
    again.append("thumbnail", new File([await png(20, 20)], "t.png"));
    const replaced = await t.json(`/api/v1/media/${media.id}`, {
      method: "PUT",
      token: me.token,
      multipart: again,
    });
    await t.drainJobs();
    expect((await fetchMedia(t, withThumb.body.preview_url)).status).toBe(404);
    expect((await fetchMedia(t, replaced.body.preview_url)).status).toBe(200);

    const tooLong = await t.json(`/api/v1/media/${media.id}`, {
      method: "PUT",
      token: me.token,
      json: { description: "x".repeat(1501) },
    });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.error).toBe(
      "Validation failed: Description is too long (maximum is 1500 characters)",
    );
    const badThumb = new FormData();
    badThumb.append("thumbnail", new File(["not an image"], "t.jpg", { type: "image/jpeg" }));
    const refused = await t.json(`/api/v1/media/${media.id}`, {
      method: "PUT",
      token: me.token,
      multipart: badThumb,
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toBe(
      "Validation failed: Thumbnail content type is invalid, Thumbnail is invalid",
    );
  });

  it("answers 404 for someone else's media, and for unknown ids", async () => {
    const owner = await makeUser(t);
    const other = await makeUser(t);
    const media = await uploadPng(owner.token);
    for (const method of ["GET", "PUT", "DELETE"]) {
      const res = await t.json(`/api/v1/media/${media.id}`, {
        method,
        token: other.token,
        ...(method === "PUT" ? { json: { description: "mine now" } } : {}),
      });
      expect(res.status, method).toBe(404);
      expect(res.body).toEqual({ error: "Record not found" });
    }
    expect((await t.json("/api/v1/media/123", { token: owner.token })).status).toBe(404);
    expect((await t.json("/api/v1/media/abc", { token: owner.token })).status).toBe(404);
    expect(
      (await t.json(`/api/v1/media/${media.id}`, { token: owner.token })).body.description,
    ).toBeNull();
  });

  it("answers 206 while processing, and 422 once processing failed", async () => {
    const me = await makeUser(t);
    const media = await uploadPng(me.token);
    await db.execute(
      sql`UPDATE media_attachments SET processing = 'queued' WHERE id = ${media.id}`,
    );
    const pending = await t.json(`/api/v1/media/${media.id}`, { token: me.token });
    expect(pending.status).toBe(206);
    expect(pending.body.url).toBeNull();
    await db.execute(
      sql`UPDATE media_attachments SET processing = 'failed' WHERE id = ${media.id}`,
    );
    for (const init of [{}, { method: "PUT", json: { description: "x" } }]) {
      const failed = await t.json(`/api/v1/media/${media.id}`, { token: me.token, ...init });
      expect(failed.status).toBe(422);
      expect(failed.body).toEqual({ error: "Error processing thumbnail for uploaded media" });
    }
  });
});

describe("DELETE /api/v1/media/:id", () => {
  it("deletes an unattached upload and its files", async () => {
    const me = await makeUser(t);
    const media = await uploadPng(me.token);
    expect((await fetchMedia(t, media.url)).status).toBe(200);
    const res = await t.json(`/api/v1/media/${media.id}`, { method: "DELETE", token: me.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    expect((await t.json(`/api/v1/media/${media.id}`, { token: me.token })).status).toBe(404);
    await t.drainJobs();
    expect((await fetchMedia(t, media.url)).status).toBe(404);
    expect((await fetchMedia(t, media.preview_url)).status).toBe(404);
    expect(await t.deps.media.get(keyOf(media.url))).toBeNull();
  });

  it("refuses media a status carries (and GET/PUT no longer see it)", async () => {
    const me = await makeUser(t);
    const media = await uploadPng(me.token);
    const status = await postStatus(t, me, "with a picture");
    // Attaching through POST /api/v1/statuses comes later: set the column.
    await db.execute(
      sql`UPDATE media_attachments SET status_id = ${status.id} WHERE id = ${media.id}`,
    );
    const res = await t.json(`/api/v1/media/${media.id}`, { method: "DELETE", token: me.token });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ error: "Media attachment is currently used by a status" });
    expect((await t.json(`/api/v1/media/${media.id}`, { token: me.token })).status).toBe(404);
    await t.drainJobs();
    expect((await fetchMedia(t, media.url)).status).toBe(200);
  });
});

describe("jobs", () => {
  it("removes uploads left unattached for more than a day", async () => {
    const me = await makeUser(t);
    const old = await uploadPng(me.token);
    const recent = await uploadPng(me.token);
    await db.execute(
      sql`UPDATE media_attachments SET created_at = now() - interval '25 hours' WHERE id = ${old.id}`,
    );
    await t.jobs.send(MEDIA_JOBS.cleanup, {});
    await t.drainJobs();
    expect((await t.json(`/api/v1/media/${old.id}`, { token: me.token })).status).toBe(404);
    expect((await fetchMedia(t, old.url)).status).toBe(404);
    expect((await t.json(`/api/v1/media/${recent.id}`, { token: me.token })).status).toBe(200);
    expect((await fetchMedia(t, recent.url)).status).toBe(200);
  });

  it("spares uploads waiting with a scheduled status, however old", async () => {
    const me = await makeUser(t);
    const waiting = await uploadPng(me.token);
    const scheduled = await t.json("/api/v1/statuses", {
      method: "POST",
      token: me.token,
      json: {
        status: "later",
        media_ids: [waiting.id],
        scheduled_at: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      },
    });
    expect(scheduled.body).toMatchObject({ scheduled_at: expect.any(String) });
    await db.execute(
      sql`UPDATE media_attachments SET created_at = now() - interval '2 days' WHERE id = ${waiting.id}`,
    );
    await t.jobs.send(MEDIA_JOBS.cleanup, {});
    await t.drainJobs();
    expect((await fetchMedia(t, waiting.url)).status).toBe(200);
  });

  it.skipIf(hasFfmpeg)("marks a queued upload failed when ffmpeg is missing", async () => {
    const me = await makeUser(t);
    const media = await uploadPng(me.token);
    await db.execute(
      sql`UPDATE media_attachments SET processing = 'queued' WHERE id = ${media.id}`,
    );
    await t.jobs.send(MEDIA_JOBS.process, { mediaId: media.id });
    await t.drainJobs();
    const res = await t.json(`/api/v1/media/${media.id}`, { token: me.token });
    expect(res.status).toBe(422);
  });
});

describe("GET /system/*", () => {
  it("serves byte ranges, revalidation and HEAD, with safe headers", async () => {
    const me = await makeUser(t);
    const media = await uploadPng(me.token);
    const whole = await fetchMedia(t, media.url);
    const bytes = new Uint8Array(await whole.arrayBuffer());
    expect(whole.headers.get("content-length")).toBe(String(bytes.length));
    expect(whole.headers.get("x-content-type-options")).toBe("nosniff");
    expect(whole.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(whole.headers.get("accept-ranges")).toBe("bytes");

    const part = await fetchMedia(t, media.url, { range: "bytes=0-9" });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 0-9/${bytes.length}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.subarray(0, 10));
    const tail = await fetchMedia(t, media.url, { range: "bytes=-4" });
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(bytes.subarray(-4));
    const beyond = await fetchMedia(t, media.url, { range: `bytes=${bytes.length}-` });
    expect(beyond.status).toBe(416);

    const etag = whole.headers.get("etag")!;
    expect((await fetchMedia(t, media.url, { "if-none-match": etag })).status).toBe(304);
    const head = await t.request(new URL(media.url).pathname, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("image/png");
  });

  it("never leaves the media folder", async () => {
    await writeFile(path.join(dataDir, "secret.txt"), "secret");
    for (const p of [
      "/system/../secret.txt",
      "/system/%2e%2e/secret.txt",
      "/system/media_attachments/%2e%2e/%2e%2e/secret.txt",
      "/system/media_attachments/..%2f..%2fsecret.txt",
      "/system/media_attachments%2f..%2f..%2fsecret.txt",
      "/system/%2fetc/passwd",
      "/system/media_attachments/files",
      "/system/",
    ]) {
      const res = await t.request(p);
      expect(res.status, p).toBe(404);
      expect(await res.text()).not.toContain("secret");
    }
  });
});

describe("herd media", () => {
  async function herd(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const output: Output = { out: (l) => out.push(l), err: (l) => err.push(l) };
    const code = await run(argv, { output, config: t.config, database: t.database });
    return { code, out, err };
  }

  it("usage counts the stored files; remove finds no cached remote media", async () => {
    const me = await makeUser(t);
    await uploadPng(me.token);
    const usage = await herd("media", "usage");
    expect(usage.code).toBe(0);
    expect(usage.out[0]).toMatch(/^Attachments:\t[\d.]+ (Bytes|KB|MB) \(\d+ files\)$/);
    expect(usage.out.map((l) => l.split(":")[0])).toEqual([
      "Attachments",
      "Avatars",
      "Headers",
      "Cached remote attachments",
      "Cached remote avatars",
      "Cached remote headers",
      "Total",
    ]);
    const removed = await herd("media", "remove", "--days", "0", "--dry-run");
    expect(removed).toEqual({
      code: 0,
      out: ["Removed 0 media attachments (approx. 0 Bytes) (DRY RUN)"],
      err: [],
    });
  });
});
