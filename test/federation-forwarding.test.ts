// Forwarding replies to local posts (src/federation/inbox/forward.ts), as
// Mastodon's Create#forward_for_reply and ActivityPub::Forwarder: a signed
// reply from another server, and its edits and deletion, reach the remote
// followers of the local author it answers, unchanged and signed by its
// author, the HTTP request signed by the local author; never the sender's
// own server, never an unsigned activity.
import { signJsonLd } from "@fedify/fedify";
import { beforeAll, describe, expect, it } from "vitest";
import {
  MASTODON_CONTEXT,
  PUBLIC,
  startFakeRemote,
  type FakeActor,
  type FakeRemote,
} from "./kit/fake-remote.ts";
import { makeUser, postStatus, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance({ env: { ALLOW_PRIVATE_ADDRESS: "true" } });
/** The server of the replies. */
const origin = await startFakeRemote();
/** The server of alice's (and carol's) followers. */
const fans = await startFakeRemote();
const alice = await makeUser(t, { username: "alice" });
const bob = await makeUser(t, { username: "bob" });
const carol = await makeUser(t, { username: "carol" });
let replier: FakeActor;

const localUri = (u: TestUser) => `https://herd.test/users/${u.account.username}`;
let n = 0;

/** `activity` with its @context and a Linked Data Signature by `actor`. */
async function signed(actor: FakeActor, activity: Record<string, unknown>) {
  const doc = { "@context": MASTODON_CONTEXT, ...activity };
  return (await signJsonLd(doc, actor.keys.privateKey, new URL(`${actor.id}#main-key`), {
    contextLoader: undefined,
  })) as Record<string, unknown>;
}

function reply(parentUri: string | null, extra: Record<string, unknown> = {}) {
  n++;
  const id = `${replier.id}/statuses/${n}`;
  return {
    id,
    type: "Note",
    attributedTo: replier.id,
    content: `<p>Reply ${n}</p>`,
    published: new Date().toISOString(),
    ...(parentUri ? { inReplyTo: parentUri } : {}),
    to: [PUBLIC],
    cc: [`${replier.id}/followers`, localUri(alice)],
    ...extra,
  };
}

const createOf = (note: Record<string, any>) => ({
  id: `${note.id}/activity`,
  type: "Create",
  actor: replier.id,
  published: note.published,
  to: note.to,
  cc: note.cc,
  object: note,
});

/** What `remote` was sent of `type` by the replier since `since` (an index in `received`). */
const sentTo = (remote: FakeRemote, type: string, since: number) =>
  remote.received.slice(since).filter((r) => r.body.type === type && r.body.actor === replier.id);

/** `actor` of `remote` follows local `user` (accepted at once: an unlocked account). */
async function followLocal(remote: FakeRemote, actor: FakeActor, user: TestUser) {
  await remote.deliverAndRun(t, actor, {
    id: remote.id(),
    type: "Follow",
    actor: actor.id,
    object: localUri(user),
  });
}

beforeAll(async () => {
  replier = await origin.addActor("replier");
  const neighbour = await origin.addActor("neighbour");
  const fan = await fans.addActor("fan");
  const other = await fans.addActor("other");
  await followLocal(fans, fan, alice);
  await followLocal(fans, other, alice);
  await followLocal(fans, fan, carol);
  // A follower on the replier's own server: that server has the reply already.
  await followLocal(origin, neighbour, alice);
});

describe("forwarding a reply to a local post", () => {
  it("forwards a signed public reply, unchanged, to the author's followers on other servers", async () => {
    const parent = await postStatus(t, alice, "Local post");
    const before = { fans: fans.received.length, origin: origin.received.length };
    const create = await signed(replier, createOf(reply(parent.uri)));
    await origin.deliverAndRun(t, replier, create);
    const forwarded = sentTo(fans, "Create", before.fans);
    // Once per server (its shared inbox), however many followers it has.
    expect(forwarded).toHaveLength(1);
    expect(forwarded[0]!.path).toBe("/inbox");
    expect(forwarded[0]!.body).toEqual(create);
    expect(forwarded[0]!.body.signature).toBeDefined();
    // The HTTP request is signed by alice.
    expect(JSON.stringify(forwarded[0]!.headers)).toContain(`${localUri(alice)}#main-key`);
    // Not to the server it came from.
    expect(sentTo(origin, "Create", before.origin)).toEqual([]);
  });

  it("does not forward an unsigned reply", async () => {
    const parent = await postStatus(t, alice, "Another local post");
    const before = fans.received.length;
    const note = reply(parent.uri);
    await origin.deliverAndRun(t, replier, createOf(note));
    const stored = await t.json(`/api/v1/statuses/${parent.id}/context`);
    expect(stored.body.descendants.map((s: any) => s.uri)).toEqual([note.id]);
    expect(sentTo(fans, "Create", before)).toEqual([]);
  });

  it("does not forward what is no reply to a local post, nor a reply to an account without remote followers", async () => {
    const before = fans.received.length;
    await origin.deliverAndRun(t, replier, await signed(replier, createOf(reply(null))));
    const remoteParent = reply(null);
    await origin.deliverAndRun(t, replier, await signed(replier, createOf(remoteParent)));
    await origin.deliverAndRun(t, replier, await signed(replier, createOf(reply(remoteParent.id))));
    const bobs = await postStatus(t, bob, "Bob's post");
    await origin.deliverAndRun(
      t,
      replier,
      await signed(replier, createOf(reply(bobs.uri, { cc: [localUri(bob)] }))),
    );
    expect(sentTo(fans, "Create", before)).toEqual([]);
  });

  it("forwards a followers-only reply only when it is addressed to the local author's followers", async () => {
    const parent = await postStatus(t, alice, "Followers, hello");
    const before = fans.received.length;
    const privateReply = reply(parent.uri, {
      to: [`${replier.id}/followers`],
      cc: [localUri(alice)],
    });
    await origin.deliverAndRun(t, replier, await signed(replier, createOf(privateReply)));
    expect(sentTo(fans, "Create", before)).toEqual([]);
    const toHerFollowers = reply(parent.uri, {
      to: [`${replier.id}/followers`, `${localUri(alice)}/followers`],
      cc: [localUri(alice)],
    });
    const create = await signed(replier, createOf(toHerFollowers));
    await origin.deliverAndRun(t, replier, create);
    expect(sentTo(fans, "Create", before).map((r) => r.body)).toEqual([create]);
  });

  it("forwards the signed Update and Delete of a forwarded reply", async () => {
    const parent = await postStatus(t, alice, "Edit and delete below");
    const note = reply(parent.uri);
    await origin.deliverAndRun(t, replier, await signed(replier, createOf(note)));
    const before = fans.received.length;
    const update = await signed(replier, {
      id: `${note.id}#updates/1`,
      type: "Update",
      actor: replier.id,
      to: note.to,
      cc: note.cc,
      object: { ...note, content: "<p>Edited</p>", updated: new Date().toISOString() },
    });
    await origin.deliverAndRun(t, replier, update);
    const del = await signed(replier, {
      id: `${note.id}#delete`,
      type: "Delete",
      actor: replier.id,
      to: [PUBLIC],
      object: { id: note.id, type: "Tombstone", atomUri: note.id },
    });
    await origin.deliverAndRun(t, replier, del);
    const sent = fans.received.slice(before).filter((r) => r.body.actor === replier.id);
    expect(sent.map((r) => r.body)).toEqual([update, del]);
    expect((await t.json(`/api/v1/statuses/${parent.id}/context`)).body.descendants).toEqual([]);
  });

  it("forwards the Delete of a post a local account boosted to that account's followers, signed by it", async () => {
    n++;
    const note = reply(null, { id: `${replier.id}/statuses/${n}-boosted` });
    // Known here: mentioning carol.
    await origin.deliverAndRun(
      t,
      replier,
      await signed(replier, createOf({ ...note, cc: [localUri(carol)] })),
    );
    const found = await t.json(`/api/v2/search?q=${encodeURIComponent(note.id)}&resolve=true`, {
      token: carol.token,
    });
    const statusId = found.body.statuses?.[0]?.id;
    expect(statusId).toBeDefined();
    const boost = await t.json(`/api/v1/statuses/${statusId}/reblog`, {
      method: "POST",
      token: carol.token,
    });
    expect(boost.status).toBe(200);
    await t.drainJobs();
    const before = fans.received.length;
    const del = await signed(replier, {
      id: `${note.id}#delete`,
      type: "Delete",
      actor: replier.id,
      to: [PUBLIC],
      object: { id: note.id, type: "Tombstone", atomUri: note.id },
    });
    await origin.deliverAndRun(t, replier, del);
    const forwarded = sentTo(fans, "Delete", before);
    expect(forwarded.map((r) => r.body)).toEqual([del]);
    expect(JSON.stringify(forwarded[0]!.headers)).toContain(`${localUri(carol)}#main-key`);
  });
});
