// Avatars and headers: PATCH /api/v1/accounts/update_credentials with
// `avatar` and `header` files (https://docs.joinmastodon.org/methods/accounts/#update_credentials),
// DELETE /api/v1/profile/avatar and /header (https://docs.joinmastodon.org/methods/profile/),
// with Mastodon's sizes and a static PNG for animated images.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { makeUser, tokenFor, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import { animatedGif, fetchMedia, jpeg, png, webp } from "./media-fixtures.ts";

const dataDir = await mkdtemp(path.join(os.tmpdir(), "herd-profile-"));
afterAll(() => rm(dataDir, { recursive: true, force: true }));
const t = await createTestInstance({ env: { DATA_DIR: dataDir } });

const DEFAULT_AVATAR = "https://herd.test/avatars/original/missing.png";
const DEFAULT_HEADER = "https://herd.test/headers/original/missing.png";

function images(files: Record<string, Uint8Array>, fields: Record<string, string> = {}) {
  const body = new FormData();
  for (const [name, data] of Object.entries(files)) {
    body.append(name, new File([data as Uint8Array<ArrayBuffer>], `${name}.bin`));
  }
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  return body;
}

const update = (user: TestUser, body: FormData, token = user.token) =>
  t.json("/api/v1/accounts/update_credentials", { method: "PATCH", token, multipart: body });

async function imageAt(url: string) {
  const res = await fetchMedia(t, url);
  expect(res.status).toBe(200);
  const data = new Uint8Array(await res.arrayBuffer());
  return { type: res.headers.get("content-type"), meta: await sharp(data).metadata() };
}

describe("avatar and header in update_credentials", () => {
  it("crops the avatar to 400x400 and fits the header in 1500x500's pixels", async () => {
    const me = await makeUser(t);
    const res = await update(
      me,
      images(
        { avatar: await jpeg(800, 600), header: await png(3000, 1000) },
        { display_name: "Pic" },
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body.display_name).toBe("Pic");
    expect(res.body.avatar).toMatch(
      /^https:\/\/herd\.test\/system\/accounts\/avatars\/\d{3}\/\d{3}\/\d{3}\/\d{3}\/\d{3}\/\d{3}\/original\/[0-9a-f]{16}\.jpeg$/,
    );
    expect(res.body.avatar_static).toBe(res.body.avatar);
    expect(res.body.header).toMatch(
      /^https:\/\/herd\.test\/system\/accounts\/headers\/[\d/]+\/original\/[0-9a-f]{16}\.png$/,
    );
    expect(res.body.header_static).toBe(res.body.header);

    const avatar = await imageAt(res.body.avatar);
    expect(avatar.type).toBe("image/jpeg");
    expect([avatar.meta.width, avatar.meta.height]).toEqual([400, 400]);
    const header = await imageAt(res.body.header);
    expect(header.type).toBe("image/png");
    expect([header.meta.width, header.meta.height]).toEqual([1500, 500]);

    // Everyone sees the same images.
    const other = await makeUser(t);
    const seen = await t.json(`/api/v1/accounts/${me.account.id}`, { token: other.token });
    expect(seen.body).toMatchObject({
      avatar: res.body.avatar,
      avatar_static: res.body.avatar,
      header: res.body.header,
    });
    const verified = await t.json("/api/v1/accounts/verify_credentials", { token: me.token });
    expect(verified.body.avatar).toBe(res.body.avatar);
  });

  it("keeps an animated avatar animated, with its first frame as avatar_static", async () => {
    const me = await makeUser(t);
    const res = await update(me, images({ avatar: await animatedGif(60, 40) }));
    expect(res.status).toBe(200);
    expect(res.body.avatar).toMatch(/\/accounts\/avatars\/[\d/]+\/original\/[0-9a-f]{16}\.gif$/);
    expect(res.body.avatar_static).toBe(
      res.body.avatar.replace("/original/", "/static/").replace(/\.gif$/, ".png"),
    );
    const animated = await imageAt(res.body.avatar);
    expect(animated.meta.format).toBe("gif");
    expect(animated.meta.pages).toBe(2);
    expect([animated.meta.width, animated.meta.pageHeight ?? animated.meta.height]).toEqual([
      400, 400,
    ]);
    const still = await imageAt(res.body.avatar_static);
    expect(still.type).toBe("image/png");
    expect(still.meta.pages ?? 1).toBe(1);
    expect([still.meta.width, still.meta.height]).toEqual([400, 400]);
  });

  it("replacing an image deletes the old files", async () => {
    const me = await makeUser(t);
    const first = await update(me, images({ avatar: await animatedGif() }));
    const second = await update(me, images({ avatar: await webp(100, 100) }));
    expect(second.status).toBe(200);
    expect(second.body.avatar).toMatch(/\.webp$/);
    expect(second.body.avatar_static).toBe(second.body.avatar);
    await t.drainJobs();
    expect((await fetchMedia(t, first.body.avatar)).status).toBe(404);
    expect((await fetchMedia(t, first.body.avatar_static)).status).toBe(404);
    expect((await fetchMedia(t, second.body.avatar)).status).toBe(200);
  });

  it("refuses files that are not images, too large, or of too many pixels", async () => {
    const me = await makeUser(t);
    const text = new TextEncoder().encode("GIF? no, text");
    const wrong = await update(me, images({ avatar: text }));
    expect(wrong.status).toBe(422);
    expect(wrong.body.error).toBe(
      "Validation failed: Avatar content type is invalid, Avatar is invalid",
    );
    const big = Buffer.concat([await jpeg(10, 10), Buffer.alloc(8 * 1024 * 1024)]);
    const tooBig = await update(me, images({ header: big }));
    expect(tooBig.status).toBe(422);
    expect(tooBig.body.error).toBe("Validation failed: Header file size must be less than 8 MB");
    const corrupt = Buffer.concat([(await png(10, 10)).subarray(0, 30), Buffer.alloc(100, 7)]);
    const broken = await update(me, images({ avatar: corrupt }));
    expect(broken.status).toBe(422);
    expect(broken.body.error).toBe("Validation failed: Avatar is invalid");
    const wide = await update(me, images({ avatar: await animatedGif(1400, 700) }));
    expect(wide.status).toBe(422);
    expect(wide.body.error).toBe("1400x700 GIF files are not supported");

    const unchanged = await t.json("/api/v1/accounts/verify_credentials", { token: me.token });
    expect(unchanged.body.avatar).toBe(DEFAULT_AVATAR);
  });

  it("an invalid profile change stores no image", async () => {
    const me = await makeUser(t);
    const before = await t.deps.media.usage("accounts/avatars");
    const res = await update(
      me,
      images({ avatar: await png(50, 50) }, { display_name: "x".repeat(31) }),
    );
    expect(res.status).toBe(422);
    expect(res.body.error).toBe(
      "Validation failed: Display name is too long (maximum is 30 characters)",
    );
    const after = await t.json("/api/v1/accounts/verify_credentials", { token: me.token });
    expect(after.body.avatar).toBe(DEFAULT_AVATAR);
    expect(await t.deps.media.usage("accounts/avatars")).toEqual(before);
  });
});

describe("DELETE /api/v1/profile/avatar and /header", () => {
  it("goes back to the default images and deletes the files", async () => {
    const me = await makeUser(t);
    const set = await update(
      me,
      images({ avatar: await png(64, 64), header: await jpeg(600, 200) }),
    );
    for (const kind of ["avatar", "header"] as const) {
      const res = await t.json(`/api/v1/profile/${kind}`, { method: "DELETE", token: me.token });
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(me.account.id);
      expect(res.body.source).toBeDefined();
      expect(res.body[kind]).toBe(kind === "avatar" ? DEFAULT_AVATAR : DEFAULT_HEADER);
      expect(res.body[`${kind}_static`]).toBe(res.body[kind]);
    }
    await t.drainJobs();
    expect((await fetchMedia(t, set.body.avatar)).status).toBe(404);
    expect((await fetchMedia(t, set.body.header)).status).toBe(404);
    // Nothing to delete is still a success.
    const again = await t.json("/api/v1/profile/avatar", { method: "DELETE", token: me.token });
    expect(again.status).toBe(200);
  });

  it("needs write:accounts", async () => {
    const me = await makeUser(t);
    const read = await tokenFor(t, me.user.id, ["read"]);
    const denied = await t.json("/api/v1/profile/avatar", { method: "DELETE", token: read });
    expect(denied.status).toBe(403);
    const upload = await update(me, images({ avatar: await png(10, 10) }), read);
    expect(upload.status).toBe(403);
    expect((await t.json("/api/v1/profile/header", { method: "DELETE" })).status).toBe(401);
    const scoped = await tokenFor(t, me.user.id, ["write:accounts"]);
    expect(
      (await t.json("/api/v1/profile/header", { method: "DELETE", token: scoped })).status,
    ).toBe(200);
  });
});
