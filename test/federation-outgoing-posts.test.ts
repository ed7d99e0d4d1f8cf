// Outgoing statuses (src/federation/outbox/statuses.ts): Create, Update and
// Delete of Notes, Announce and Undo, addressed by visibility and delivered
// only to the right remote inboxes; Like and Undo of remote statuses. A
// remote follower follows through a signed Follow from a fake server; other
// remote accounts live on a second server with a domain of their own, so
// that posts can mention them.
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { statuses } from "../src/db/schema/index.ts";
import { emit } from "../src/domain/events/emit.ts";
import { previewLanded } from "../src/domain/events/types.ts";
import { audience, ofType, remoteAccountAt, startFakeInbox } from "./kit/fake-inbox.ts";
import { MASTODON_CONTEXT, PUBLIC, startFakeRemote } from "./kit/fake-remote.ts";
import { makeUser, postStatus } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance({ env: { ALLOW_PRIVATE_ADDRESS: "true" } });
const followers = await startFakeRemote();
const others = await startFakeInbox();
const authors = await startFakeRemote();

const alice = await makeUser(t, { username: "alice" });
const ALICE = "https://herd.test/users/alice";
const carol = await followers.addActor("carol");
await followers.deliverAndRun(t, carol, {
  id: followers.id(),
  type: "Follow",
  actor: carol.id,
  object: ALICE,
});
const dan = await remoteAccountAt(t, others, "dan", "b.example");

/** A public post by a remote author, fetched by alice through search. */
async function remoteStatus(username: string, id: string): Promise<{ id: string; uri: string }> {
  const actor = authors.actors.get(username) ?? (await authors.addActor(username));
  const note = {
    "@context": MASTODON_CONTEXT,
    id: `${actor.id}/statuses/${id}`,
    type: "Note",
    attributedTo: actor.id,
    content: `<p>Post ${id}</p>`,
    published: new Date().toISOString(),
    to: [PUBLIC],
    cc: [`${actor.id}/followers`],
  };
  authors.serve(`/users/${username}/statuses/${id}`, note);
  const res = await t.json(`/api/v2/search?q=${encodeURIComponent(note.id)}&resolve=true`, {
    token: alice.token,
  });
  expect(res.body.statuses).toHaveLength(1);
  return { id: res.body.statuses[0].id, uri: note.id };
}

beforeEach(() => {
  followers.received.length = 0;
  others.received.length = 0;
  authors.received.length = 0;
});

async function post(params: Record<string, unknown>) {
  const status = await postStatus(t, alice, params);
  await t.drainJobs();
  return status;
}

describe("posting", () => {
  it("delivers a public post to the followers' shared inbox, signed, addressed to Public", async () => {
    const status = await post({ status: "Hello fediverse", visibility: "public" });
    const creates = ofType(followers.received, "Create");
    expect(creates).toHaveLength(1);
    const create = creates[0]!;
    expect(create.path).toBe("/inbox");
    expect(create.headers.signature ?? create.headers["signature-input"]).toBeTruthy();
    expect(create.body).toMatchObject({
      id: `${ALICE}/statuses/${status.id}/activity`,
      actor: ALICE,
      object: { id: `${ALICE}/statuses/${status.id}`, type: "Note", attributedTo: ALICE },
    });
    expect(audience(create.body, "to")).toEqual([PUBLIC]);
    expect(audience(create.body, "cc")).toEqual([`${ALICE}/followers`]);
    expect((create.body.object as { content: string }).content).toContain("Hello fediverse");
    // Nobody on the other server is a follower or mentioned.
    expect(others.received).toEqual([]);
  });

  it("adds the mentioned accounts, each server getting the post once", async () => {
    await post({ status: "Hi @dan@b.example", visibility: "public" });
    expect(ofType(followers.received, "Create")).toHaveLength(1);
    const creates = ofType(others.received, "Create");
    expect(creates).toHaveLength(1);
    expect(creates[0]!.path).toBe("/inbox");
    expect(audience(creates[0]!.body, "cc")).toContain(dan.uri);
    const tag = (creates[0]!.body.object as { tag: unknown }).tag;
    expect([tag].flat()).toContainEqual({ type: "Mention", href: dan.uri, name: "@dan@b.example" });
  });

  it("addresses an unlisted post to the followers with Public in cc", async () => {
    await post({ status: "Quietly public", visibility: "unlisted" });
    const create = ofType(followers.received, "Create")[0]!;
    expect(audience(create.body, "to")).toEqual([`${ALICE}/followers`]);
    expect(audience(create.body, "cc")).toEqual([PUBLIC]);
  });

  it("sends a followers-only post to followers and mentioned accounts, never as public", async () => {
    await post({ status: "Just for you", visibility: "private" });
    const create = ofType(followers.received, "Create")[0]!;
    expect(audience(create.body, "to")).toEqual([`${ALICE}/followers`]);
    expect([...audience(create.body, "to"), ...audience(create.body, "cc")]).not.toContain(PUBLIC);
    expect(others.received).toEqual([]);

    await post({ status: "And @dan@b.example", visibility: "private" });
    expect(ofType(others.received, "Create")).toHaveLength(1);
  });

  it("sends a direct post to the mentioned accounts only", async () => {
    await post({ status: "Secret @dan@b.example", visibility: "direct" });
    expect(followers.received).toEqual([]);
    const create = ofType(others.received, "Create")[0]!;
    expect(audience(create.body, "to")).toEqual([dan.uri]);
    expect(audience(create.body, "cc")).toEqual([]);
  });

  it("sends a public reply to the replied-to author, a private one only when it mentions them", async () => {
    const original = await remoteStatus("poster", "1");
    await post({ status: "Nice post", visibility: "public", in_reply_to_id: original.id });
    const creates = ofType(authors.received, "Create");
    expect(creates).toHaveLength(1);
    expect(creates[0]!.body.object).toMatchObject({ inReplyTo: original.uri });

    authors.received.length = 0;
    await post({ status: "Between us", visibility: "private", in_reply_to_id: original.id });
    expect(authors.received).toEqual([]);
    expect(ofType(followers.received, "Create")).toHaveLength(2);
  });
});

describe("editing and deleting", () => {
  it("sends an Update of the edited Note, then a Delete with a Tombstone", async () => {
    const status = await post({ status: "First draft @dan@b.example", visibility: "public" });
    const edited = await t.json(`/api/v1/statuses/${status.id}`, {
      method: "PUT",
      token: alice.token,
      json: { status: "Second draft @dan@b.example" },
    });
    expect(edited.status).toBe(200);
    await t.drainJobs();
    for (const inbox of [followers, others]) {
      const updates = ofType(inbox.received, "Update");
      expect(updates).toHaveLength(1);
      expect(updates[0]!.body).toMatchObject({
        actor: ALICE,
        object: { id: `${ALICE}/statuses/${status.id}`, type: "Note" },
      });
      expect((updates[0]!.body.object as { content: string }).content).toContain("Second draft");
    }

    const deleted = await t.json(`/api/v1/statuses/${status.id}`, {
      method: "DELETE",
      token: alice.token,
    });
    expect(deleted.status).toBe(200);
    await t.drainJobs();
    for (const inbox of [followers, others]) {
      const deletes = ofType(inbox.received, "Delete");
      expect(deletes).toHaveLength(1);
      expect(deletes[0]!.body).toMatchObject({
        id: `${ALICE}/statuses/${status.id}#delete`,
        actor: ALICE,
        object: { id: `${ALICE}/statuses/${status.id}`, type: "Tombstone" },
      });
    }
  });

  it("sends no Update when only a link preview card landed", async () => {
    const status = await post({ status: "Read https://example.com/a", visibility: "public" });
    followers.received.length = 0;
    await t.deps.database.db.transaction(async (tx) => {
      const [row] = await tx.select().from(statuses).where(eq(statuses.id, status.id));
      await emit(tx, previewLanded(row!));
    });
    await t.drainJobs();
    expect(ofType(followers.received, "Update")).toHaveLength(0);
  });

  it("tells no one of a direct post's deletion but those it mentioned", async () => {
    const status = await post({ status: "Shh @dan@b.example", visibility: "direct" });
    await t.json(`/api/v1/statuses/${status.id}`, { method: "DELETE", token: alice.token });
    await t.drainJobs();
    expect(followers.received).toEqual([]);
    expect(ofType(others.received, "Delete")).toHaveLength(1);
  });
});

describe("boosts and favourites", () => {
  it("announces a boost to the followers and the original author, and undoes it", async () => {
    const original = await remoteStatus("booked", "2");
    const boost = await t.json(`/api/v1/statuses/${original.id}/reblog`, {
      method: "POST",
      token: alice.token,
    });
    expect(boost.status).toBe(200);
    await t.drainJobs();
    const announce = ofType(followers.received, "Announce");
    expect(announce).toHaveLength(1);
    expect(announce[0]!.body).toMatchObject({
      id: `${ALICE}/statuses/${boost.body.id}/activity`,
      actor: ALICE,
      object: original.uri,
    });
    expect(audience(announce[0]!.body, "to")).toEqual([PUBLIC]);
    // The author's server (another host) hears of it too.
    expect(ofType(authors.received, "Announce")).toHaveLength(1);

    await t.json(`/api/v1/statuses/${original.id}/unreblog`, {
      method: "POST",
      token: alice.token,
    });
    await t.drainJobs();
    const undo = ofType(followers.received, "Undo");
    expect(undo).toHaveLength(1);
    expect(undo[0]!.body).toMatchObject({
      actor: ALICE,
      object: { type: "Announce", id: `${ALICE}/statuses/${boost.body.id}/activity` },
    });
    expect(ofType(authors.received, "Undo")).toHaveLength(1);
  });

  it("sends a Like to the author only, and its Undo", async () => {
    const original = await remoteStatus("liked", "3");
    const fav = await t.json(`/api/v1/statuses/${original.id}/favourite`, {
      method: "POST",
      token: alice.token,
    });
    expect(fav.status).toBe(200);
    await t.drainJobs();
    const likes = ofType(authors.received, "Like");
    expect(likes).toHaveLength(1);
    expect(likes[0]!.body).toMatchObject({ actor: ALICE, object: original.uri });
    expect(followers.received).toEqual([]);

    // Favouriting again changes nothing, and sends nothing.
    await t.json(`/api/v1/statuses/${original.id}/favourite`, {
      method: "POST",
      token: alice.token,
    });
    await t.drainJobs();
    expect(ofType(authors.received, "Like")).toHaveLength(1);

    await t.json(`/api/v1/statuses/${original.id}/unfavourite`, {
      method: "POST",
      token: alice.token,
    });
    await t.drainJobs();
    const undo = ofType(authors.received, "Undo");
    expect(undo).toHaveLength(1);
    expect(undo[0]!.body).toMatchObject({
      actor: ALICE,
      object: { type: "Like", id: likes[0]!.body.id, object: original.uri },
    });
  });

  it("sends nothing for a favourite of a local status", async () => {
    const bob = await makeUser(t);
    const status = await postStatus(t, bob, { status: "Local", visibility: "public" });
    await t.drainJobs();
    followers.received.length = 0;
    await t.json(`/api/v1/statuses/${status.id}/favourite`, { method: "POST", token: alice.token });
    await t.drainJobs();
    expect([...followers.received, ...others.received, ...authors.received]).toEqual([]);
  });
});
