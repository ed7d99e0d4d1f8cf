// Media attachments on statuses (https://docs.joinmastodon.org/methods/statuses/#create,
// `media_ids[]`; #edit, `media_attributes[]`; #delete, `delete_media`): in
// the order given, Mastodon's 422s, edits and their history, delete and
// redraft, privacy, and the `only_media` and `has:` filters.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { follow, makeUser, postStatus, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import { form, png } from "./media-fixtures.ts";

const dataDir = await mkdtemp(path.join(os.tmpdir(), "herd-status-media-"));
afterAll(() => rm(dataDir, { recursive: true, force: true }));
const t = await createTestInstance({ env: { DATA_DIR: dataDir } });
const db = t.database.db;

async function upload(user: Pick<TestUser, "token">, description?: string): Promise<any> {
  const res = await t.json("/api/v2/media", {
    method: "POST",
    token: user.token,
    multipart: form(await png(60, 40), {
      type: "image/png",
      fields: description ? { description } : {},
    }),
  });
  if (res.status !== 200) throw new Error(`upload answered ${res.status}`);
  return res.body;
}

const post = (user: Pick<TestUser, "token">, json: unknown) =>
  t.json("/api/v1/statuses", { method: "POST", token: user.token, json });
const edit = (user: Pick<TestUser, "token">, id: string, json: unknown) =>
  t.json(`/api/v1/statuses/${id}`, { method: "PUT", token: user.token, json });
const ids = (list: { id: string }[]) => list.map((x) => x.id);

describe("POST /api/v1/statuses with media_ids", () => {
  it("attaches the media in the order given, with or without text", async () => {
    const alice = await makeUser(t);
    const first = await upload(alice, "first");
    const second = await upload(alice, "second");
    const res = await post(alice, { media_ids: [second.id, first.id] });
    expect(res.status).toBe(200);
    expect(res.body.content).toBe("");
    expect(ids(res.body.media_attachments)).toEqual([second.id, first.id]);
    expect(res.body.media_attachments[0]).toEqual(second);
    const read = await t.json(`/api/v1/statuses/${res.body.id}`);
    expect(read.body.media_attachments).toEqual(res.body.media_attachments);
    // Attached: no longer one's upload to change.
    expect((await t.json(`/api/v1/media/${first.id}`, { token: alice.token })).status).toBe(404);
    // A repeated id counts once.
    const third = await upload(alice);
    const again = await post(alice, { status: "x", media_ids: [third.id, third.id] });
    expect(ids(again.body.media_attachments)).toEqual([third.id]);
  });

  it("answers Mastodon's 422s", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const mine = await upload(alice);
    const other = await upload(alice);
    const bobs = await upload(bob);
    const used = await upload(alice);
    await postStatus(t, alice, { media_ids: [used.id] });
    const cases: [unknown, string][] = [
      [
        { status: "x", media_ids: ["999"] },
        "Media 999 not found or already attached to another post",
      ],
      [
        { status: "x", media_ids: [bobs.id] },
        `Media ${bobs.id} not found or already attached to another post`,
      ],
      [
        { status: "x", media_ids: [mine.id, used.id] },
        `Media ${used.id} not found or already attached to another post`,
      ],
      [
        { status: "x", media_ids: ["12abc", "x"] },
        "Media 12, 0 not found or already attached to another post",
      ],
      [{ status: "x", media_ids: ["1", "2", "3", "4", "5"] }, "Cannot attach more than 4 files"],
      [
        { status: "x", media_ids: [mine.id], poll: { options: ["a", "b"], expires_in: 600 } },
        "Cannot attach more than 4 files",
      ],
      [{ media_ids: [] }, "Validation failed: Text can't be blank"],
    ];
    for (const [json, error] of cases) {
      expect(await post(alice, json)).toMatchObject({ status: 422, body: { error } });
    }
    await db.execute(sql`UPDATE media_attachments SET type = 'video' WHERE id = ${other.id}`);
    expect(await post(alice, { media_ids: [mine.id, other.id] })).toMatchObject({
      status: 422,
      body: { error: "Cannot attach a video to a post that already contains images" },
    });
    await db.execute(
      sql`UPDATE media_attachments SET processing = 'in_progress' WHERE id = ${other.id}`,
    );
    expect(await post(alice, { media_ids: [other.id] })).toMatchObject({
      status: 422,
      body: {
        error: "Cannot attach files that have not finished processing. Try again in a moment!",
      },
    });
    // Nothing was attached by the refused posts.
    expect((await t.json(`/api/v1/media/${mine.id}`, { token: alice.token })).status).toBe(200);
  });

  it("makes a status with a content warning sensitive", async () => {
    const alice = await makeUser(t);
    const media = await upload(alice);
    const res = await post(alice, {
      status: "look",
      spoiler_text: "cw",
      sensitive: false,
      media_ids: [media.id],
    });
    expect(res.body).toMatchObject({ sensitive: true, spoiler_text: "cw" });
  });
});

describe("PUT /api/v1/statuses/:id with media", () => {
  it("replaces the media, changes descriptions, and keeps each version's media", async () => {
    const alice = await makeUser(t);
    const a = await upload(alice, "a");
    const b = await upload(alice, "b");
    const c = await upload(alice, "c");
    const posted = await postStatus(t, alice, { status: "pics", media_ids: [a.id, b.id] });

    const unchanged = await edit(alice, posted.id, { status: "pics", media_ids: [a.id, b.id] });
    expect(unchanged.body.edited_at).toBeNull();

    const edited = await edit(alice, posted.id, {
      status: "pics",
      media_ids: [c.id, a.id],
      media_attributes: [{ id: a.id, description: "a, later", focus: "0.5,0.5" }],
    });
    expect(edited.status).toBe(200);
    expect(edited.body.edited_at).not.toBeNull();
    expect(ids(edited.body.media_attachments)).toEqual([c.id, a.id]);
    expect(edited.body.media_attachments[1]).toMatchObject({
      description: "a, later",
      meta: { focus: { x: 0.5, y: 0.5 } },
    });

    // Only a description changes: still an edit.
    await edit(alice, posted.id, {
      status: "pics",
      media_ids: [c.id, a.id],
      media_attributes: [{ id: c.id, description: "c, later" }],
    });
    const history = await t.json(`/api/v1/statuses/${posted.id}/history`);
    expect(history.body.map((v: any) => ids(v.media_attachments))).toEqual([
      [a.id, b.id],
      [c.id, a.id],
      [c.id, a.id],
    ]);
    expect(
      history.body.map((v: any) => v.media_attachments.map((m: any) => m.description)),
    ).toEqual([
      ["a", "b"],
      ["c", "a, later"],
      ["c, later", "a, later"],
    ]);

    // Without media_ids the edit removes them all (the whole status is sent);
    // a status without text and media is refused.
    expect((await edit(alice, posted.id, { status: "" })).status).toBe(422);
    const bare = await edit(alice, posted.id, { status: "no pics" });
    expect(bare.body.media_attachments).toEqual([]);
    // Dropped ones stay with the status (its history), not free for another post.
    expect((await post(alice, { media_ids: [b.id] })).status).toBe(422);
  });

  it("refuses others' media and media of other statuses", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const posted = await postStatus(t, alice, "text");
    const bobs = await upload(bob);
    const elsewhere = await upload(alice);
    await postStatus(t, alice, { media_ids: [elsewhere.id] });
    for (const id of [bobs.id, elsewhere.id]) {
      expect(await edit(alice, posted.id, { status: "text", media_ids: [id] })).toMatchObject({
        status: 422,
        body: { error: `Media ${id} not found or already attached to another post` },
      });
    }
  });
});

describe("DELETE /api/v1/statuses/:id with media", () => {
  it("answers with the media and frees them for a redraft", async () => {
    const alice = await makeUser(t);
    const media = await upload(alice, "keep me");
    const posted = await postStatus(t, alice, { status: "draft", media_ids: [media.id] });
    const deleted = await t.json(`/api/v1/statuses/${posted.id}`, {
      method: "DELETE",
      token: alice.token,
    });
    expect(deleted.status).toBe(200);
    expect(deleted.body.text).toBe("draft");
    expect(ids(deleted.body.media_attachments)).toEqual([media.id]);
    expect((await t.json(`/api/v1/media/${media.id}`, { token: alice.token })).status).toBe(200);
    const redraft = await post(alice, { status: "draft 2", media_ids: [media.id] });
    expect(redraft.status).toBe(200);
    expect(redraft.body.media_attachments[0].description).toBe("keep me");
  });

  it("deletes the media with delete_media", async () => {
    const alice = await makeUser(t);
    const media = await upload(alice);
    const posted = await postStatus(t, alice, { status: "bye", media_ids: [media.id] });
    const deleted = await t.json(`/api/v1/statuses/${posted.id}?delete_media=true`, {
      method: "DELETE",
      token: alice.token,
    });
    expect(deleted.status).toBe(200);
    expect((await t.json(`/api/v1/media/${media.id}`, { token: alice.token })).status).toBe(404);
    const { rows } = await db.execute(sql`SELECT 1 FROM media_attachments WHERE id = ${media.id}`);
    expect(rows).toEqual([]);
    expect(await t.drainJobs()).toBeGreaterThan(0); // the files' removal
  });
});

describe("privacy and filters", () => {
  it("shows a private status's media only to those who may see it", async () => {
    const alice = await makeUser(t);
    const follower = await makeUser(t);
    const stranger = await makeUser(t);
    await follow(t, follower, alice.account.id);
    const media = await upload(alice, "secret");
    const hidden = await postStatus(t, alice, {
      status: "followers only",
      visibility: "private",
      media_ids: [media.id],
    });
    for (const token of [undefined, stranger.token]) {
      expect((await t.json(`/api/v1/statuses/${hidden.id}`, { token })).status).toBe(404);
      const listed = await t.json(`/api/v1/accounts/${alice.account.id}/statuses?only_media=true`, {
        token,
      });
      expect(listed.body).toEqual([]);
    }
    expect((await t.json(`/api/v1/media/${media.id}`, { token: stranger.token })).status).toBe(404);
    const seen = await t.json(`/api/v1/statuses/${hidden.id}`, { token: follower.token });
    expect(ids(seen.body.media_attachments)).toEqual([media.id]);
    const listed = await t.json(`/api/v1/accounts/${alice.account.id}/statuses?only_media=true`, {
      token: follower.token,
    });
    expect(ids(listed.body)).toEqual([hidden.id]);
    const timeline = await t.json("/api/v1/timelines/public?only_media=true", {
      token: follower.token,
    });
    expect(ids(timeline.body)).not.toContain(hidden.id);
  });

  it("filters only_media timelines and has: searches", async () => {
    const alice = await makeUser(t);
    const media = await upload(alice);
    const plain = await postStatus(t, alice, "walrus plain #walrus");
    const pictured = await postStatus(t, alice, {
      status: "walrus pictured #walrus",
      media_ids: [media.id],
    });
    const polled = await postStatus(t, alice, {
      status: "walrus polled",
      poll: { options: ["yes", "no"], expires_in: 3600 },
    });
    const listed = await t.json(`/api/v1/accounts/${alice.account.id}/statuses?only_media=1`);
    expect(ids(listed.body)).toEqual([pictured.id]);
    const all = await t.json(`/api/v1/accounts/${alice.account.id}/statuses`);
    expect(ids(all.body)).toEqual([polled.id, pictured.id, plain.id]);
    const publicMedia = await t.json("/api/v1/timelines/public?only_media=true&local=true");
    expect(ids(publicMedia.body)).toContain(pictured.id);
    expect(ids(publicMedia.body)).not.toContain(plain.id);
    const tagMedia = await t.json("/api/v1/timelines/tag/walrus?only_media=true");
    expect(ids(tagMedia.body)).toEqual([pictured.id]);

    const find = async (q: string) =>
      ids(
        (
          await t.json(`/api/v2/search?${new URLSearchParams({ q, type: "statuses" })}`, {
            token: alice.token,
          })
        ).body.statuses,
      );
    expect(await find("walrus has:media")).toEqual([pictured.id]);
    expect(await find("walrus has:image")).toEqual([pictured.id]);
    expect(await find("walrus has:video")).toEqual([]);
    expect(await find("walrus has:audio")).toEqual([]);
    expect(await find("walrus has:poll")).toEqual([polled.id]);
    expect(await find("walrus -has:media")).toEqual([polled.id, plain.id]);
    expect(await find("walrus -has:poll -has:media")).toEqual([plain.id]);
  });
});
