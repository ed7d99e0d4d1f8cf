// Outgoing follows, blocks, follow-request decisions, profile updates, pins
// and account deletion (src/federation/outbox/graph.ts, accounts.ts,
// interactions.ts), received by a fake remote server.
import { beforeEach, describe, expect, it } from "vitest";
import { deleteAccount } from "../src/domain/accounts/admin-accounts.ts";
import { ofType } from "./kit/fake-inbox.ts";
import { startFakeRemote, type FakeActor } from "./kit/fake-remote.ts";
import { follow, makeUser, postStatus, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance({ env: { ALLOW_PRIVATE_ADDRESS: "true" } });
const remote = await startFakeRemote();
const alice = await makeUser(t, { username: "alice" });
const ALICE = "https://herd.test/users/alice";

beforeEach(() => {
  remote.received.length = 0;
});

async function accountIdOf(actor: FakeActor): Promise<string> {
  const res = await t.json(`/api/v1/accounts/lookup?acct=${actor.username}@${remote.host}`);
  expect(res.status).toBe(200);
  return res.body.id;
}

/** `actor` follows local `username` (a signed Follow); returns the Follow's id. */
async function remoteFollows(actor: FakeActor, username: string): Promise<string> {
  const id = remote.id();
  await remote.deliverAndRun(t, actor, {
    id,
    type: "Follow",
    actor: actor.id,
    object: `https://herd.test/users/${username}`,
  });
  remote.received.length = 0;
  return id;
}

async function relationship(user: TestUser, id: string) {
  return (await t.json(`/api/v1/accounts/relationships?id[]=${id}`, { token: user.token })).body[0];
}

async function call(user: TestUser, path: string, method = "POST", json?: unknown) {
  const res = await t.json(path, { method, token: user.token, json });
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(200);
  await t.drainJobs();
  return res.body;
}

describe("following a remote account", () => {
  it("sends a Follow whose id the Accept may name alone, and an Undo of it on unfollow", async () => {
    const kate = await remote.addActor("kate", { manuallyApprovesFollowers: true });
    const kateId = await accountIdOf(kate);
    await follow(t, alice, kateId);
    await t.drainJobs();
    const follows = ofType(remote.received, "Follow");
    expect(follows).toHaveLength(1);
    expect(follows[0]!.body).toMatchObject({ actor: ALICE, object: kate.id });
    expect(follows[0]!.headers.signature ?? follows[0]!.headers["signature-input"]).toBeTruthy();
    const followId = follows[0]!.body.id as string;
    expect(followId).toMatch(/^https:\/\/herd\.test\/users\/alice#follows\/\d+$/);

    // The Accept names the Follow by its id only: the request is found by it.
    await remote.deliverAndRun(t, kate, {
      id: remote.id(),
      type: "Accept",
      actor: kate.id,
      object: followId,
    });
    expect(await relationship(alice, kateId)).toMatchObject({ following: true, requested: false });

    await call(alice, `/api/v1/accounts/${kateId}/unfollow`);
    const undo = ofType(remote.received, "Undo");
    expect(undo).toHaveLength(1);
    expect(undo[0]!.body).toMatchObject({
      actor: ALICE,
      object: { type: "Follow", id: followId, actor: ALICE, object: kate.id },
    });
  });

  it("undoes a request withdrawn before it was answered", async () => {
    const leo = await remote.addActor("leo", { manuallyApprovesFollowers: true });
    const leoId = await accountIdOf(leo);
    await follow(t, alice, leoId);
    await t.drainJobs();
    const followId = ofType(remote.received, "Follow")[0]!.body.id;
    await call(alice, `/api/v1/accounts/${leoId}/unfollow`);
    expect(ofType(remote.received, "Undo")[0]!.body).toMatchObject({
      object: { type: "Follow", id: followId },
    });
  });

  it("sends nothing when a local account follows another", async () => {
    const bob = await makeUser(t);
    await follow(t, alice, bob.account.id);
    await call(alice, `/api/v1/accounts/${bob.account.id}/unfollow`);
    await call(alice, `/api/v1/accounts/${bob.account.id}/block`);
    expect(remote.received).toEqual([]);
  });
});

describe("blocking a remote account", () => {
  it("sends a Block, rejects its follow, and sends an Undo of the Block on unblock", async () => {
    const mallory = await remote.addActor("mallory");
    const followId = await remoteFollows(mallory, "alice");
    const malloryId = await accountIdOf(mallory);

    await call(alice, `/api/v1/accounts/${malloryId}/block`);
    const blocks = ofType(remote.received, "Block");
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.body).toMatchObject({ actor: ALICE, object: mallory.id });
    const rejects = ofType(remote.received, "Reject");
    expect(rejects).toHaveLength(1);
    expect(rejects[0]!.body).toMatchObject({
      actor: ALICE,
      object: { type: "Follow", id: followId, actor: mallory.id, object: ALICE },
    });

    await call(alice, `/api/v1/accounts/${malloryId}/unblock`);
    const undo = ofType(remote.received, "Undo");
    expect(undo).toHaveLength(1);
    expect(undo[0]!.body).toMatchObject({
      actor: ALICE,
      object: { type: "Block", id: blocks[0]!.body.id, object: mallory.id },
    });
  });
});

describe("follow requests and followers of a local account", () => {
  it("accepts and rejects remote requests to a locked account", async () => {
    const bob = await makeUser(t, { username: "bob" });
    await call(bob, "/api/v1/accounts/update_credentials", "PATCH", { locked: true });
    const erin = await remote.addActor("erin");
    const frank = await remote.addActor("frank");
    const erinFollow = await remoteFollows(erin, "bob");
    const frankFollow = await remoteFollows(frank, "bob");
    expect(remote.received).toEqual([]);

    await call(bob, `/api/v1/follow_requests/${await accountIdOf(erin)}/authorize`);
    const accepts = ofType(remote.received, "Accept");
    expect(accepts).toHaveLength(1);
    expect(accepts[0]!.body).toMatchObject({
      actor: "https://herd.test/users/bob",
      object: { type: "Follow", id: erinFollow, actor: erin.id },
    });

    await call(bob, `/api/v1/follow_requests/${await accountIdOf(frank)}/reject`);
    const rejects = ofType(remote.received, "Reject");
    expect(rejects).toHaveLength(1);
    expect(rejects[0]!.body).toMatchObject({
      object: { type: "Follow", id: frankFollow, actor: frank.id },
    });
  });

  it("rejects the follow of a remote follower removed from followers", async () => {
    const gina = await remote.addActor("gina");
    const followId = await remoteFollows(gina, "alice");
    await call(alice, `/api/v1/accounts/${await accountIdOf(gina)}/remove_from_followers`);
    const rejects = ofType(remote.received, "Reject");
    expect(rejects).toHaveLength(1);
    expect(rejects[0]!.body).toMatchObject({ object: { type: "Follow", id: followId } });
  });
});

describe("profile, pins and deletion", () => {
  it("sends an Update of the actor to its followers on a profile change, hidden collections too", async () => {
    const carol = await makeUser(t, { username: "carol" });
    await remoteFollows(await remote.addActor("hank"), "carol");
    await call(carol, "/api/v1/accounts/update_credentials", "PATCH", {
      display_name: "Carol C",
      hide_collections: true,
    });
    const updates = ofType(remote.received, "Update");
    expect(updates).toHaveLength(1);
    expect(updates[0]!.path).toBe("/inbox");
    expect(updates[0]!.body).toMatchObject({
      actor: "https://herd.test/users/carol",
      object: { type: "Person", id: "https://herd.test/users/carol", name: "Carol C" },
    });
    // The followers collection itself stays hidden.
    const collection = await t.json("/users/carol/followers", {
      headers: { accept: "application/activity+json" },
    });
    expect(JSON.stringify(collection.body)).not.toContain(remote.origin);
  });

  it("adds a pinned status to the featured collection, and removes it", async () => {
    const dave = await makeUser(t, { username: "dave" });
    await remoteFollows(await remote.addActor("ivy"), "dave");
    const status = await postStatus(t, dave, { status: "Pinned", visibility: "public" });
    await t.drainJobs();
    remote.received.length = 0;
    await call(dave, `/api/v1/statuses/${status.id}/pin`);
    const DAVE = "https://herd.test/users/dave";
    expect(ofType(remote.received, "Add")[0]!.body).toMatchObject({
      actor: DAVE,
      object: `${DAVE}/statuses/${status.id}`,
      target: `${DAVE}/collections/featured`,
    });
    await call(dave, `/api/v1/statuses/${status.id}/unpin`);
    expect(ofType(remote.received, "Remove")[0]!.body).toMatchObject({
      actor: DAVE,
      object: `${DAVE}/statuses/${status.id}`,
      target: `${DAVE}/collections/featured`,
    });
  });

  it("sends a signed Delete of the actor to its followers when the account is deleted", async () => {
    const zed = await makeUser(t, { username: "zed" });
    await remoteFollows(await remote.addActor("judy"), "zed");
    await deleteAccount(t.deps.database.db, zed.account.id);
    await t.drainJobs();
    const deletes = ofType(remote.received, "Delete");
    expect(deletes).toHaveLength(1);
    const ZED = "https://herd.test/users/zed";
    expect(deletes[0]!.body).toMatchObject({ id: `${ZED}#delete`, actor: ZED, object: ZED });
    const { signature, "signature-input": input } = deletes[0]!.headers;
    expect(`${signature} ${input}`).toContain(`${ZED}#main-key`);
  });
});
