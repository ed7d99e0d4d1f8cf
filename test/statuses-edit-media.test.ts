// `media_attributes[]` of PUT /api/v1/statuses/:id
// (https://docs.joinmastodon.org/methods/statuses/#edit), as
// UpdateStatusService#update_media_attachments!: description, focus and
// custom thumbnail of the attachments the edit keeps, each significant
// change a new version in the history (with the descriptions of then),
// Mastodon's 422s, and no file left behind by an edit that fails.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeUser, postStatus, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import { fetchMedia, form, jpeg, png } from "./media-fixtures.ts";

const dataDir = await mkdtemp(path.join(os.tmpdir(), "herd-edit-media-"));
afterAll(() => rm(dataDir, { recursive: true, force: true }));
const t = await createTestInstance({ env: { DATA_DIR: dataDir } });

async function upload(user: Pick<TestUser, "token">, description: string): Promise<any> {
  const res = await t.json("/api/v2/media", {
    method: "POST",
    token: user.token,
    multipart: form(await png(60, 40), { type: "image/png", fields: { description } }),
  });
  if (res.status !== 200) throw new Error(`upload answered ${res.status}`);
  return res.body;
}

const edit = (user: Pick<TestUser, "token">, id: string, json: unknown) =>
  t.json(`/api/v1/statuses/${id}`, { method: "PUT", token: user.token, json });
const editMultipart = (user: Pick<TestUser, "token">, id: string, body: FormData) =>
  t.json(`/api/v1/statuses/${id}`, { method: "PUT", token: user.token, multipart: body });
const history = async (id: string) =>
  (await t.json(`/api/v1/statuses/${id}/history`)).body as any[];
const descriptions = (versions: any[]) =>
  versions.map((v) => v.media_attachments.map((m: any) => m.description));

/** The thumbnail files in storage. */
async function thumbnailFiles(): Promise<string[]> {
  const dir = path.join(dataDir, "media", "media_attachments", "thumbnails");
  try {
    return (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

function thumbnailForm(fields: [string, string | Blob][]): FormData {
  const body = new FormData();
  for (const [k, v] of fields) body.append(k, v);
  return body;
}

const file = (data: Uint8Array, name: string) =>
  new File([data as Uint8Array<ArrayBuffer>], name, { type: "image/png" });

describe("PUT /api/v1/statuses/:id with media_attributes", () => {
  it("makes a moved focal point and a new thumbnail edits, keeping each version's descriptions", async () => {
    const alice = await makeUser(t);
    const a = await upload(alice, "a");
    const b = await upload(alice, "b");
    const posted = await postStatus(t, alice, { status: "pics", media_ids: [a.id, b.id] });

    // Only the focal point moves: still an edit (MediaAttachment#significantly_changed?).
    const moved = await edit(alice, posted.id, {
      status: "pics",
      media_ids: [a.id, b.id],
      media_attributes: { "0": { id: a.id, focus: "-0.5,0.25" } },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.edited_at).not.toBeNull();
    expect(moved.body.media_attachments[0].meta.focus).toEqual({ x: -0.5, y: 0.25 });
    expect(await history(posted.id)).toHaveLength(2);

    // The same focal point again changes nothing.
    const same = await edit(alice, posted.id, {
      status: "pics",
      media_ids: [a.id, b.id],
      media_attributes: [{ id: a.id, focus: "-0.5,0.25" }],
    });
    expect(same.body.edited_at).toBe(moved.body.edited_at);
    expect(await history(posted.id)).toHaveLength(2);

    // A thumbnail and a description, as a multipart form (Rails-style keys).
    const withThumbnail = await editMultipart(
      alice,
      posted.id,
      thumbnailForm([
        ["status", "pics"],
        ["media_ids[]", a.id],
        ["media_ids[]", b.id],
        ["media_attributes[][id]", b.id],
        ["media_attributes[][description]", "b, later"],
        ["media_attributes[][thumbnail]", file(await jpeg(320, 180, [250, 250, 0]), "t.jpg")],
      ]),
    );
    expect(withThumbnail.status).toBe(200);
    const shown = withThumbnail.body.media_attachments[1];
    expect(shown).toMatchObject({ id: b.id, description: "b, later", url: b.url });
    expect(shown.preview_url).toMatch(
      /^https:\/\/herd\.test\/system\/media_attachments\/thumbnails\/[\d/]+\/original\/[0-9a-f]{16}\.jpeg$/,
    );
    expect(shown.blurhash).not.toBe(b.blurhash);
    expect((await fetchMedia(t, shown.preview_url)).status).toBe(200);

    // Only a thumbnail: an edit too; the one it replaces goes once the job runs.
    const again = await editMultipart(
      alice,
      posted.id,
      thumbnailForm([
        ["status", "pics"],
        ["media_ids[]", a.id],
        ["media_ids[]", b.id],
        ["media_attributes[0][id]", b.id],
        ["media_attributes[0][thumbnail]", file(await png(20, 20), "t.png")],
      ]),
    );
    expect(again.status).toBe(200);
    const replaced = again.body.media_attachments[1].preview_url;
    expect(replaced).not.toBe(shown.preview_url);
    await t.drainJobs();
    expect((await fetchMedia(t, shown.preview_url)).status).toBe(404);
    expect((await fetchMedia(t, replaced)).status).toBe(200);

    const versions = await history(posted.id);
    expect(versions).toHaveLength(4);
    expect(descriptions(versions)).toEqual([
      ["a", "b"],
      ["a", "b"],
      ["a", "b, later"],
      ["a", "b, later"],
    ]);
    // The status as read shows the last of them.
    const read = await t.json(`/api/v1/statuses/${posted.id}`);
    expect(read.body.media_attachments[1]).toMatchObject({
      description: "b, later",
      preview_url: replaced,
    });
  });

  it("ignores attributes of media the status does not show, and applies them in order", async () => {
    const alice = await makeUser(t);
    const a = await upload(alice, "a");
    const other = await upload(alice, "other");
    const posted = await postStatus(t, alice, { status: "one", media_ids: [a.id] });
    const ignored = await edit(alice, posted.id, {
      status: "one",
      media_ids: [a.id],
      media_attributes: [{ id: other.id, description: "not shown here" }],
    });
    expect(ignored.body.edited_at).toBeNull();
    expect((await t.json(`/api/v1/media/${other.id}`, { token: alice.token })).body).toMatchObject({
      description: "other",
    });

    // The id as Ruby's to_i reads it; a later entry for the same attachment wins.
    const twice = await edit(alice, posted.id, {
      status: "one",
      media_ids: [a.id],
      media_attributes: [
        { id: ` ${a.id}`, description: "first" },
        { id: a.id, description: "second" },
      ],
    });
    expect(twice.body.media_attachments[0].description).toBe("second");
    expect(descriptions(await history(posted.id))).toEqual([["a"], ["second"]]);

    // A description cleared.
    const cleared = await edit(alice, posted.id, {
      status: "one",
      media_ids: [a.id],
      media_attributes: [{ id: a.id, description: "" }],
    });
    expect(cleared.body.media_attachments[0].description).toBeNull();
  });

  it("answers Mastodon's 422s, changing nothing and leaving no file", async () => {
    const alice = await makeUser(t);
    const a = await upload(alice, "a");
    const b = await upload(alice, "b");
    const posted = await postStatus(t, alice, { status: "two", media_ids: [a.id, b.id] });
    const before = await thumbnailFiles();

    const tooLong = await edit(alice, posted.id, {
      status: "two",
      media_ids: [a.id, b.id],
      media_attributes: [{ id: a.id, description: "x".repeat(1501) }],
    });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.error).toBe(
      "Validation failed: Description is too long (maximum is 1500 characters)",
    );

    const notAnImage = await editMultipart(
      alice,
      posted.id,
      thumbnailForm([
        ["status", "two"],
        ["media_ids[]", a.id],
        ["media_ids[]", b.id],
        ["media_attributes[][id]", a.id],
        ["media_attributes[][thumbnail]", file(new TextEncoder().encode("no image"), "t.png")],
      ]),
    );
    expect(notAnImage.status).toBe(422);
    expect(notAnImage.body.error).toBe(
      "Validation failed: Thumbnail content type is invalid, Thumbnail is invalid",
    );

    // The first attachment's thumbnail is written, then the second's
    // description is refused: the edit rolls back, and the file goes.
    const halfway = await editMultipart(
      alice,
      posted.id,
      thumbnailForm([
        ["status", "two"],
        ["media_ids[]", a.id],
        ["media_ids[]", b.id],
        ["media_attributes[0][id]", a.id],
        ["media_attributes[0][thumbnail]", file(await png(30, 30), "t.png")],
        ["media_attributes[1][id]", b.id],
        ["media_attributes[1][description]", "y".repeat(1501)],
      ]),
    );
    expect(halfway.status).toBe(422);
    expect(await thumbnailFiles()).toEqual(before);

    const read = await t.json(`/api/v1/statuses/${posted.id}`);
    expect(read.body.edited_at).toBeNull();
    expect(read.body.media_attachments.map((m: any) => [m.description, m.preview_url])).toEqual([
      ["a", a.preview_url],
      ["b", b.preview_url],
    ]);
  });

  it("changes nothing of someone else's status (404) nor without a token (401)", async () => {
    const alice = await makeUser(t);
    const mallory = await makeUser(t);
    const a = await upload(alice, "a");
    const posted = await postStatus(t, alice, { status: "mine", media_ids: [a.id] });
    const body = {
      status: "mine",
      media_ids: [a.id],
      media_attributes: [{ id: a.id, description: "x" }],
    };
    expect((await edit(mallory, posted.id, body)).status).toBe(404);
    const anonymous = await t.json(`/api/v1/statuses/${posted.id}`, { method: "PUT", json: body });
    expect(anonymous.status).toBe(401);
    const read = await t.json(`/api/v1/statuses/${posted.id}`);
    expect(read.body.media_attachments[0].description).toBe("a");
  });
});
