// Media on S3-compatible storage, against an s3rver started here on a free
// port: files go to the bucket with their content type and caching headers,
// URLs are built on S3_ALIAS_HOST, deletions remove the objects, and Herd
// does not serve /system itself.
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run, type Output } from "../src/cli/main.ts";
import { parseConfig } from "../src/config.ts";
import { makeUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import { form, jpeg, png } from "./media-fixtures.ts";

// s3rver ships no type declarations: the little used here.
interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
const s3rverModule = "s3rver";
const { default: S3rver } = (await import(s3rverModule)) as {
  default: new (options: object) => S3rverServer;
};

const directory = await mkdtemp(path.join(os.tmpdir(), "herd-s3-"));
const s3 = new S3rver({
  address: "127.0.0.1",
  port: 0,
  silent: true,
  directory,
  configureBuckets: [{ name: "herd-media", configs: [] }],
});
const address = await s3.run();
const endpoint = `http://127.0.0.1:${address.port}`;
afterAll(async () => {
  await s3.close();
  await rm(directory, { recursive: true, force: true });
});

const t = await createTestInstance({
  env: {
    S3_ENABLED: "true",
    S3_BUCKET: "herd-media",
    S3_ENDPOINT: endpoint,
    S3_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    S3_ALIAS_HOST: "files.herd.test",
  },
});

/** The object behind a public URL, read from the bucket. */
const object = (url: string) =>
  fetch(`${endpoint}/herd-media${new URL(url).pathname}`, { signal: AbortSignal.timeout(5000) });

describe("S3 storage", () => {
  it("stores uploads in the bucket, named on S3_ALIAS_HOST, and deletes them", async () => {
    const me = await makeUser(t);
    const res = await t.json("/api/v2/media", {
      method: "POST",
      token: me.token,
      multipart: form(await jpeg(64, 48), { type: "image/jpeg" }),
    });
    expect(res.status).toBe(200);
    expect(res.body.url).toMatch(
      /^https:\/\/files\.herd\.test\/media_attachments\/files\/[\d/]+\/original\/[0-9a-f]{16}\.jpeg$/,
    );
    expect(res.body.preview_url).toBe(res.body.url.replace("/original/", "/small/"));

    const stored = await object(res.body.url);
    expect(stored.status).toBe(200);
    expect(stored.headers.get("content-type")).toBe("image/jpeg");
    expect(stored.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect((await stored.arrayBuffer()).byteLength).toBeGreaterThan(100);
    expect((await object(res.body.preview_url)).status).toBe(200);

    // Herd does not serve the files itself in this mode.
    expect((await t.request(`/system${new URL(res.body.url).pathname}`)).status).toBe(404);

    const deleted = await t.json(`/api/v1/media/${res.body.id}`, {
      method: "DELETE",
      token: me.token,
    });
    expect(deleted.status).toBe(200);
    await t.drainJobs();
    expect((await object(res.body.url)).status).toBe(404);
    expect((await object(res.body.preview_url)).status).toBe(404);
  });

  it("stores avatars there too", async () => {
    const me = await makeUser(t);
    const body = new FormData();
    body.append("avatar", new File([await png(500, 500)], "me.png"));
    const res = await t.json("/api/v1/accounts/update_credentials", {
      method: "PATCH",
      token: me.token,
      multipart: body,
    });
    expect(res.status).toBe(200);
    expect(res.body.avatar).toMatch(
      /^https:\/\/files\.herd\.test\/accounts\/avatars\/[\d/]+\/original\/[0-9a-f]{16}\.png$/,
    );
    expect((await object(res.body.avatar)).status).toBe(200);
  });

  it("herd media usage lists the bucket", async () => {
    const out: string[] = [];
    const output: Output = { out: (l) => out.push(l), err: () => undefined };
    expect(await run(["media", "usage"], { output, config: t.config, database: t.database })).toBe(
      0,
    );
    expect(out[0]).toMatch(/^Attachments:\t[\d.]+ (Bytes|KB) \(0 files\)$/);
    expect(out[1]).toMatch(/^Avatars:\t[\d.]+ (Bytes|KB) \(1 file\)$/);
  });
});

describe("S3 configuration", () => {
  const base = {
    S3_ENABLED: "true",
    S3_BUCKET: "b",
    AWS_ACCESS_KEY_ID: "k",
    AWS_SECRET_ACCESS_KEY: "s",
  };
  it("builds public URLs as Mastodon does", () => {
    expect(parseConfig(base).media.s3).toMatchObject({
      endpoint: "https://s3.us-east-1.amazonaws.com",
      publicUrl: "https://s3-us-east-1.amazonaws.com/b",
      permission: "public-read",
    });
    expect(
      parseConfig({ ...base, S3_ENDPOINT: "http://minio:9000/", S3_PERMISSION: "" }).media.s3,
    ).toMatchObject({
      endpoint: "http://minio:9000",
      publicUrl: "http://minio:9000/b",
      permission: null,
    });
    expect(
      parseConfig({
        ...base,
        S3_ENDPOINT: "http://minio:9000",
        S3_ALIAS_HOST: "cdn.example/media/",
      }).media.s3?.publicUrl,
    ).toBe("https://cdn.example/media");
    expect(parseConfig({}).media.s3).toBeNull();
  });

  it("names what is missing", () => {
    expect(() => parseConfig({ S3_ENABLED: "true" })).toThrow(
      "S3_BUCKET is required when S3_ENABLED is true",
    );
    expect(() => parseConfig({ ...base, S3_ENDPOINT: "ftp://x" })).toThrow(
      "S3_ENDPOINT must be an http:// or https:// URL",
    );
  });
});
