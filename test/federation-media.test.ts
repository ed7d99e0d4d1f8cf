// Media and custom emojis over federation (src/federation/note.ts,
// mastodon-terms.ts, remote-note-parts.ts, src/domain/statuses/remote-status-parts.ts):
// outgoing Notes carry their attachments as Documents (with Mastodon's
// blurhash and focalPoint terms) and their custom emojis as Emoji tags;
// incoming ones are shown through the client API, in order, edited in
// place, with their author's emojis, and never to those who may not see
// the post.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { detachSignature, verifyJsonLd, verifyObject } from "@fedify/fedify";
import { Create } from "@fedify/vocab";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { customEmojis } from "../src/db/schema/index.ts";
import { newId } from "../src/lib/ids.ts";
import { ofType } from "./kit/fake-inbox.ts";
import { MASTODON_CONTEXT, PUBLIC, startFakeRemote, type FakeActor } from "./kit/fake-remote.ts";
import { follow, makeUser, postStatus, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import { form, png } from "./media-fixtures.ts";

const dataDir = await mkdtemp(path.join(os.tmpdir(), "herd-federation-media-"));
afterAll(() => rm(dataDir, { recursive: true, force: true }));
const t = await createTestInstance({ env: { ALLOW_PRIVATE_ADDRESS: "true", DATA_DIR: dataDir } });
const remote = await startFakeRemote();
const alice = await makeUser(t, { username: "alice" });
const bob = await makeUser(t, { username: "bob" });
const ALICE = "https://herd.test/users/alice";
let carol: FakeActor;
let poster: FakeActor;

/** Mastodon's context for media and emojis (the fake server's lacks these terms). */
const CONTEXT = [
  ...MASTODON_CONTEXT,
  {
    Emoji: "toot:Emoji",
    focalPoint: { "@container": "@list", "@id": "toot:focalPoint" },
  },
];

let n = 0;
function noteOf(actor: FakeActor, extra: Record<string, unknown> = {}): Record<string, any> {
  n++;
  return {
    id: `${actor.id}/statuses/m${n}`,
    type: "Note",
    attributedTo: actor.id,
    content: `<p>Media post ${n}</p>`,
    published: new Date().toISOString(),
    to: [PUBLIC],
    cc: [`${actor.id}/followers`],
    ...extra,
  };
}

const activity = (type: string, actor: FakeActor, note: Record<string, any>) => ({
  "@context": CONTEXT,
  id: `${note.id}/${type.toLowerCase()}/${Math.random().toString(36).slice(2)}`,
  type,
  actor: actor.id,
  to: note.to,
  cc: note.cc,
  object: note,
});

async function statusIdOf(uri: string): Promise<string | null> {
  const result = await t.database.db.execute<{ id: string }>(
    sql`SELECT id::text FROM statuses WHERE uri = ${uri} AND deleted_at IS NULL`,
  );
  return result.rows[0]?.id ?? null;
}

async function upload(user: TestUser, fields: Record<string, string> = {}): Promise<any> {
  const res = await t.json("/api/v2/media", {
    method: "POST",
    token: user.token,
    multipart: form(await png(60, 40), { type: "image/png", fields }),
  });
  if (res.status !== 200) throw new Error(`upload answered ${res.status}`);
  return res.body;
}

const image = (url: string, extra: Record<string, unknown> = {}) => ({
  type: "Document",
  mediaType: "image/png",
  url,
  ...extra,
});

beforeAll(async () => {
  carol = await remote.addActor("carol");
  // carol follows alice: alice's posts go to the fake server.
  await remote.deliverAndRun(t, carol, {
    id: remote.id(),
    type: "Follow",
    actor: carol.id,
    object: ALICE,
  });
  // alice follows poster: poster's posts concern this server.
  poster = await remote.addActor("poster");
  const id = (await t.json(`/api/v1/accounts/lookup?acct=poster@${remote.host}`)).body.id;
  await follow(t, alice, id);
  await remote.deliverAndRun(t, poster, {
    id: remote.id(),
    type: "Accept",
    actor: poster.id,
    object: { type: "Follow", actor: ALICE, object: poster.id },
  });
  await t.database.db.insert(customEmojis).values({
    id: newId(),
    shortcode: "blobcat",
    imageUrl: "custom_emojis/images/000/000/001/original/blobcat.png",
    staticImageUrl: "custom_emojis/images/000/000/001/static/blobcat.png",
  });
});

beforeEach(() => {
  remote.received.length = 0;
});

describe("outgoing media and emojis", () => {
  it("sends attachments as Documents with blurhash, focalPoint and size, and emojis as Emoji tags", async () => {
    const first = await upload(alice, { description: "A green square", focus: "0.5,-0.25" });
    const second = await upload(alice);
    const status = await postStatus(t, alice, {
      status: "Look :blobcat:",
      media_ids: [second.id, first.id],
    });
    await t.drainJobs();
    const create = ofType(remote.received, "Create")[0]!;
    expect(create).toBeDefined();
    const object = create.body.object as Record<string, any>;
    expect(object).toMatchObject({ type: "Note", id: `${ALICE}/statuses/${status.id}` });
    const attachments = [object.attachment].flat();
    expect(attachments).toHaveLength(2);
    expect(attachments[1]).toEqual({
      type: "Document",
      mediaType: "image/png",
      url: first.url,
      name: "A green square",
      blurhash: first.blurhash,
      focalPoint: [0.5, -0.25],
      width: 60,
      height: 40,
    });
    expect(attachments[0]).toMatchObject({ type: "Document", url: second.url });
    // The terms are defined where Mastodon reads them from.
    expect(JSON.stringify(create.body["@context"])).toContain(
      "http://joinmastodon.org/ns#blurhash",
    );
    const tags = [object.tag].flat();
    expect(tags).toContainEqual(
      expect.objectContaining({
        type: "Emoji",
        name: ":blobcat:",
        id: expect.stringMatching(/^https:\/\/herd\.test\/emojis\/\d+$/),
        icon: expect.objectContaining({
          type: "Image",
          mediaType: "image/png",
          url: "https://herd.test/system/custom_emojis/images/000/000/001/original/blobcat.png",
        }),
      }),
    );
  });

  it("signs what it sends: the proof and the Linked Data signature hold with the media terms", async () => {
    const media = await upload(alice, { description: "Signed", focus: "0.1,0.2" });
    await postStatus(t, alice, { status: "Signed :blobcat:", media_ids: [media.id] });
    await t.drainJobs();
    const body = ofType(remote.received, "Create")[0]!.body;
    expect(body.signature).toBeDefined();
    // The proof names the context it was made with: the document's.
    expect((body.proof as Record<string, unknown>)["@context"]).toEqual(body["@context"]);
    // Herd's own documents (alice's keys) are read through the app.
    const documentLoader = async (url: string) => {
      const target = new URL(url);
      if (target.host !== "herd.test") throw new Error(`not loaded in tests: ${url}`);
      const res = await t.request(target.pathname, {
        headers: { accept: "application/activity+json" },
      });
      return { contextUrl: null, documentUrl: url, document: await res.json() };
    };
    // As an inbox does: the proof covers the activity without its Linked Data signature.
    const verified = await verifyObject(Create, detachSignature(structuredClone(body)), {
      documentLoader,
    });
    expect(verified?.id?.href).toBe(body.id);
    expect(await verifyJsonLd(structuredClone(body), { documentLoader })).toBe(true);
  });

  it("sends the media in the Update of an edit", async () => {
    const media = await upload(alice, { description: "Before" });
    const status = await postStatus(t, alice, { status: "Edit me", media_ids: [media.id] });
    await t.drainJobs();
    const edited = await t.json(`/api/v1/statuses/${status.id}`, {
      method: "PUT",
      token: alice.token,
      json: {
        status: "Edited",
        media_ids: [media.id],
        media_attributes: [{ id: media.id, description: "After" }],
      },
    });
    expect(edited.status).toBe(200);
    await t.drainJobs();
    const update = ofType(remote.received, "Update")[0]!;
    expect([(update.body.object as any).attachment].flat()).toEqual([
      expect.objectContaining({ type: "Document", url: media.url, name: "After" }),
    ]);
  });

  it("sends a post without media or emojis as before", async () => {
    await postStatus(t, alice, { status: "Plain :unknown_code:" });
    await t.drainJobs();
    const object = ofType(remote.received, "Create")[0]!.body.object as Record<string, any>;
    expect(object.attachment ?? []).toEqual([]);
    expect([object.tag ?? []].flat()).toEqual([]);
  });
});

describe("incoming media and emojis", () => {
  it("shows a remote post's attachments in order, with their description, blurhash and focus", async () => {
    const note = noteOf(poster, {
      content: "<p>Two pictures :remote_blob:</p>",
      attachment: [
        image(`${remote.origin}/media/2.png`, {
          name: "Second",
          blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
          focalPoint: [0.25, -0.5],
          width: 800,
          height: 600,
        }),
        image(`${remote.origin}/media/1.png`, { name: "First" }),
        { type: "Document", url: "javascript:alert(1)" },
      ],
      tag: [
        {
          id: `${remote.origin}/emojis/1`,
          type: "Emoji",
          name: ":remote_blob:",
          updated: "2024-01-01T00:00:00Z",
          icon: { type: "Image", mediaType: "image/png", url: `${remote.origin}/emoji/blob.png` },
        },
      ],
    });
    await remote.deliverAndRun(t, poster, activity("Create", poster, note));
    const id = await statusIdOf(note.id);
    const status = (await t.json(`/api/v1/statuses/${id}`)).body;
    expect(status.media_attachments).toHaveLength(2);
    expect(status.media_attachments[0]).toMatchObject({
      type: "image",
      remote_url: `${remote.origin}/media/2.png`,
      description: "Second",
      blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
      meta: { focus: { x: 0.25, y: -0.5 }, original: { width: 800, height: 600 } },
    });
    expect(status.media_attachments[1]).toMatchObject({
      remote_url: `${remote.origin}/media/1.png`,
      description: "First",
    });
    expect(status.emojis).toEqual([
      {
        shortcode: "remote_blob",
        url: `${remote.origin}/emoji/blob.png`,
        static_url: `${remote.origin}/emoji/blob.png`,
        visible_in_picker: true,
      },
    ]);
    // A remote emoji is not offered to this server's users.
    const picker = (await t.json("/api/v1/custom_emojis")).body as { shortcode: string }[];
    expect(picker.map((e) => e.shortcode)).not.toContain("remote_blob");
  });

  it("follows an edit: new order and descriptions, dropped media kept for the history", async () => {
    const a = `${remote.origin}/media/a.png`;
    const b = `${remote.origin}/media/b.png`;
    const c = `${remote.origin}/media/c.png`;
    const note = noteOf(poster, { attachment: [image(a, { name: "A" }), image(b, { name: "B" })] });
    await remote.deliverAndRun(t, poster, activity("Create", poster, note));
    const id = await statusIdOf(note.id);
    const before = (await t.json(`/api/v1/statuses/${id}`)).body;
    const idOf = (url: string) =>
      before.media_attachments.find((m: any) => m.remote_url === url).id;

    await remote.deliverAndRun(
      t,
      poster,
      activity("Update", poster, {
        ...note,
        updated: new Date(Date.now() + 1000).toISOString(),
        attachment: [image(b, { name: "B, described again" }), image(c, { name: "C" })],
      }),
    );
    const after = (await t.json(`/api/v1/statuses/${id}`)).body;
    expect(after.edited_at).not.toBeNull();
    expect(after.media_attachments.map((m: any) => [m.remote_url, m.description])).toEqual([
      [b, "B, described again"],
      [c, "C"],
    ]);
    // The same remote file is the same attachment.
    expect(after.media_attachments[0].id).toBe(idOf(b));
    const history = (await t.json(`/api/v1/statuses/${id}/history`)).body as any[];
    expect(history).toHaveLength(2);
    expect(history[0].media_attachments.map((m: any) => m.remote_url)).toEqual([a, b]);
    expect(history[0].media_attachments.map((m: any) => m.id)).toEqual([idOf(a), idOf(b)]);
    expect(history[1].media_attachments.map((m: any) => m.remote_url)).toEqual([b, c]);
  });

  it("takes an emoji's new image when its URL changes", async () => {
    const emoji = (url: string) => ({
      type: "Emoji",
      name: ":changing:",
      icon: { type: "Image", url },
    });
    const first = noteOf(poster, {
      content: "<p>:changing:</p>",
      tag: [emoji(`${remote.origin}/emoji/v1.png`)],
    });
    await remote.deliverAndRun(t, poster, activity("Create", poster, first));
    const second = noteOf(poster, {
      content: "<p>:changing: again</p>",
      tag: [emoji(`${remote.origin}/emoji/v2.png`)],
    });
    await remote.deliverAndRun(t, poster, activity("Create", poster, second));
    for (const note of [first, second]) {
      const status = (await t.json(`/api/v1/statuses/${await statusIdOf(note.id)}`)).body;
      expect(status.emojis).toMatchObject([
        { shortcode: "changing", url: `${remote.origin}/emoji/v2.png` },
      ]);
    }
    // Another server's emoji of the same shortcode is another emoji.
    const rows = await t.database.db.execute<{ domain: string | null }>(
      sql`SELECT domain FROM custom_emojis WHERE shortcode = 'changing'`,
    );
    expect(rows.rows).toEqual([{ domain: remote.host }]);
  });

  it("leaves out emojis with a bad shortcode or no embedded icon, storing the post", async () => {
    const note = noteOf(poster, {
      content: "<p>:bad-code: :no_icon:</p>",
      tag: [
        {
          type: "Emoji",
          name: ":bad-code:",
          icon: { type: "Image", url: `${remote.origin}/x.png` },
        },
        { type: "Emoji", name: ":no_icon:" },
        {
          type: "Emoji",
          name: ":ftp_icon:",
          icon: { type: "Image", url: "ftp://x.example/a.png" },
        },
      ],
    });
    await remote.deliverAndRun(t, poster, activity("Create", poster, note));
    const status = (await t.json(`/api/v1/statuses/${await statusIdOf(note.id)}`)).body;
    expect(status.emojis).toEqual([]);
    const rows = await t.database.db.execute(
      sql`SELECT 1 FROM custom_emojis WHERE shortcode IN ('no_icon', 'ftp_icon', 'bad-code')`,
    );
    expect(rows.rows).toEqual([]);
  });
});

describe("privacy of remote media", () => {
  it("shows a followers-only post's media only to those who may see the post", async () => {
    const note = noteOf(poster, {
      content: "<p>For my followers</p>",
      to: [`${poster.id}/followers`],
      cc: [],
      attachment: [image(`${remote.origin}/media/private.png`, { name: "Private picture" })],
    });
    await remote.deliverAndRun(t, poster, activity("Create", poster, note), "/users/alice/inbox");
    const id = await statusIdOf(note.id);
    expect(id).not.toBeNull();
    const seen = await t.json(`/api/v1/statuses/${id}`, { token: alice.token });
    expect(seen.status).toBe(200);
    expect(seen.body.visibility).toBe("private");
    const mediaId = seen.body.media_attachments[0].id;

    for (const token of [bob.token, undefined]) {
      const res = await t.json(`/api/v1/statuses/${id}`, { token });
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain("private.png");
    }
    // The attachment is its remote author's: nobody here can read it by its id.
    for (const user of [alice, bob]) {
      const res = await t.json(`/api/v1/media/${mediaId}`, { token: user.token });
      expect(res.status).toBe(404);
    }
    const account = (await t.json(`/api/v1/accounts/lookup?acct=poster@${remote.host}`)).body;
    const listed = await t.json(`/api/v1/accounts/${account.id}/statuses?only_media=true`, {
      token: bob.token,
    });
    expect(JSON.stringify(listed.body)).not.toContain("private.png");
  });
});
