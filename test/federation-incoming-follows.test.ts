// Incoming Follow, Accept, Reject, Undo and Block (src/federation/inbox/follows.ts,
// undo.ts, accounts.ts), delivered signed by a fake remote server on loopback.
import { describe, expect, it } from "vitest";
import { startFakeRemote, type FakeActor } from "./kit/fake-remote.ts";
import { follow, makeUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance({ env: { ALLOW_PRIVATE_ADDRESS: "true" } });
const remote = await startFakeRemote();
const alice = await makeUser(t, { username: "alice" });
const bob = await makeUser(t, { username: "bob" });
await t.json("/api/v1/accounts/update_credentials", {
  method: "PATCH",
  token: bob.token,
  json: { locked: true },
});

const actorUri = (username: string) => `https://herd.test/users/${username}`;

function followOf(actor: FakeActor, target: string, id = remote.id()) {
  return { id, type: "Follow", actor: actor.id, object: actorUri(target) };
}

async function accountIdOf(actor: FakeActor): Promise<string> {
  const res = await t.json(`/api/v1/accounts/lookup?acct=${actor.username}@${remote.host}`);
  expect(res.status).toBe(200);
  return res.body.id;
}

async function relationship(token: string, id: string) {
  const res = await t.json(`/api/v1/accounts/relationships?id[]=${id}`, { token });
  return res.body[0];
}

async function notificationsOf(token: string) {
  return (await t.json("/api/v1/notifications", { token })).body as any[];
}

const repliesTo = (followId: string, type: string) =>
  remote.received.filter(
    (r) => r.body.type === type && (r.body.object as { id?: string })?.id === followId,
  );

describe("incoming Follow", () => {
  it("makes a follower of an unlocked account at once, notifies it and answers Accept", async () => {
    const carol = await remote.addActor("carol", { name: "Carol <b>C</b>" });
    const activity = followOf(carol, "alice");
    await remote.deliverAndRun(t, carol, activity);

    const remoteId = await accountIdOf(carol);
    const account = (await t.json(`/api/v1/accounts/${remoteId}`)).body;
    expect(account).toMatchObject({
      username: "carol",
      acct: `carol@${remote.host}`,
      url: `${remote.origin}/@carol`,
      display_name: "Carol C",
      note: "<p>Hello from carol</p>",
      created_at: "2020-01-01T00:00:00.000Z",
    });
    expect((await relationship(alice.token, remoteId)).followed_by).toBe(true);
    expect((await t.json(`/api/v1/accounts/${alice.account.id}`)).body.followers_count).toBe(1);
    const notes = await notificationsOf(alice.token);
    expect(notes[0]).toMatchObject({ type: "follow", account: { id: remoteId } });

    const accepts = repliesTo(activity.id, "Accept");
    expect(accepts).toHaveLength(1);
    expect(accepts[0]!.path).toBe("/inbox");
    expect(accepts[0]!.body).toMatchObject({
      actor: actorUri("alice"),
      object: { type: "Follow", actor: carol.id, object: actorUri("alice") },
    });
    expect(accepts[0]!.headers.signature ?? accepts[0]!.headers["signature-input"]).toBeTruthy();
  });

  it("answers Accept again when a follower follows again, without a second follow", async () => {
    const dave = await remote.addActor("dave");
    await remote.deliverAndRun(t, dave, followOf(dave, "alice"));
    const again = followOf(dave, "alice");
    await remote.deliverAndRun(t, dave, again);
    expect(repliesTo(again.id, "Accept")).toHaveLength(1);
    const followers = (
      await t.json(`/api/v1/accounts/${alice.account.id}/followers`, {
        token: alice.token,
      })
    ).body as any[];
    expect(followers.filter((a) => a.acct === `dave@${remote.host}`)).toHaveLength(1);
  });

  it("makes a follow request of a locked account, and answers nothing yet", async () => {
    const erin = await remote.addActor("erin");
    const activity = followOf(erin, "bob");
    await remote.deliverAndRun(t, erin, activity);
    const remoteId = await accountIdOf(erin);
    const requests = (await t.json("/api/v1/follow_requests", { token: bob.token })).body as any[];
    expect(requests.map((a) => a.id)).toContain(remoteId);
    expect((await relationship(bob.token, remoteId)).followed_by).toBe(false);
    expect((await notificationsOf(bob.token))[0]).toMatchObject({ type: "follow_request" });
    expect(repliesTo(activity.id, "Accept")).toHaveLength(0);
    expect(repliesTo(activity.id, "Reject")).toHaveLength(0);

    // Undo withdraws the request and its notification.
    await remote.deliverAndRun(t, erin, {
      id: remote.id(),
      type: "Undo",
      actor: erin.id,
      object: activity,
    });
    const after = (await t.json("/api/v1/follow_requests", { token: bob.token })).body as any[];
    expect(after.map((a) => a.id)).not.toContain(remoteId);
  });

  it("answers Reject to an account the local account blocks, and makes no follow", async () => {
    const frank = await remote.addActor("frank");
    await remote.deliverAndRun(t, frank, followOf(frank, "bob"));
    const remoteId = await accountIdOf(frank);
    await t.json("/api/v1/follow_requests/" + remoteId + "/reject", {
      method: "POST",
      token: bob.token,
    });
    const blocked = await t.json(`/api/v1/accounts/${remoteId}/block`, {
      method: "POST",
      token: alice.token,
    });
    expect(blocked.status).toBe(200);
    const activity = followOf(frank, "alice");
    await remote.deliverAndRun(t, frank, activity);
    expect(repliesTo(activity.id, "Reject")).toHaveLength(1);
    expect((await relationship(alice.token, remoteId)).followed_by).toBe(false);
  });

  it("ignores a Follow of an unknown local account", async () => {
    const gina = await remote.addActor("gina");
    const activity = followOf(gina, "nobody");
    await remote.deliverAndRun(t, gina, activity);
    expect(repliesTo(activity.id, "Accept")).toHaveLength(0);
    expect(repliesTo(activity.id, "Reject")).toHaveLength(0);
  });

  it("Undo of a Follow ends the follow, by the embedded Follow or by its id only", async () => {
    for (const embedded of [true, false]) {
      const name = embedded ? "hank" : "ivy";
      const actor = await remote.addActor(name);
      const activity = followOf(actor, "alice");
      await remote.deliverAndRun(t, actor, activity);
      const remoteId = await accountIdOf(actor);
      expect((await relationship(alice.token, remoteId)).followed_by).toBe(true);
      await remote.deliverAndRun(t, actor, {
        id: remote.id(),
        type: "Undo",
        actor: actor.id,
        object: embedded ? activity : activity.id,
      });
      expect((await relationship(alice.token, remoteId)).followed_by, name).toBe(false);
    }
  });

  it("does not let one actor undo another's follow", async () => {
    const judy = await remote.addActor("judy");
    const mallory = await remote.addActor("mallory");
    const activity = followOf(judy, "alice");
    await remote.deliverAndRun(t, judy, activity);
    await remote.deliverAndRun(t, mallory, {
      id: remote.id(),
      type: "Undo",
      actor: mallory.id,
      object: activity,
    });
    expect((await relationship(alice.token, await accountIdOf(judy))).followed_by).toBe(true);
  });
});

describe("incoming Accept and Reject of a local account's Follow", () => {
  it("Accept makes the pending request a follow", async () => {
    const kate = await remote.addActor("kate", { manuallyApprovesFollowers: true });
    const remoteId = await accountIdOf(kate);
    const carol = await makeUser(t);
    const requested = await follow(t, carol, remoteId);
    expect(requested).toMatchObject({ following: false, requested: true });
    await remote.deliverAndRun(t, kate, {
      id: remote.id(),
      type: "Accept",
      actor: kate.id,
      object: { type: "Follow", actor: actorUri(carol.account.username), object: kate.id },
    });
    expect(await relationship(carol.token, remoteId)).toMatchObject({
      following: true,
      requested: false,
    });
    expect((await t.json(`/api/v1/accounts/${carol.account.id}`)).body.following_count).toBe(1);
  });

  it("an Accept from another actor accepts nothing", async () => {
    const leo = await remote.addActor("leo", { manuallyApprovesFollowers: true });
    const mallory = await remote.addActor("mallory2");
    const remoteId = await accountIdOf(leo);
    const dan = await makeUser(t);
    await follow(t, dan, remoteId);
    await remote.deliverAndRun(t, mallory, {
      id: remote.id(),
      type: "Accept",
      actor: mallory.id,
      object: { type: "Follow", actor: actorUri(dan.account.username), object: leo.id },
    });
    expect(await relationship(dan.token, remoteId)).toMatchObject({
      following: false,
      requested: true,
    });
  });

  it("Reject drops the pending request, or ends the follow", async () => {
    const mia = await remote.addActor("mia", { manuallyApprovesFollowers: true });
    const remoteId = await accountIdOf(mia);
    const eve = await makeUser(t);
    await follow(t, eve, remoteId);
    const reject = () =>
      remote.deliverAndRun(t, mia, {
        id: remote.id(),
        type: "Reject",
        actor: mia.id,
        object: { type: "Follow", actor: actorUri(eve.account.username), object: mia.id },
      });
    await reject();
    expect(await relationship(eve.token, remoteId)).toMatchObject({
      following: false,
      requested: false,
    });
    // Followed (accepted), then rejected: the follow ends.
    await follow(t, eve, remoteId);
    await remote.deliverAndRun(t, mia, {
      id: remote.id(),
      type: "Accept",
      actor: mia.id,
      object: { type: "Follow", actor: actorUri(eve.account.username), object: mia.id },
    });
    expect((await relationship(eve.token, remoteId)).following).toBe(true);
    await reject();
    expect((await relationship(eve.token, remoteId)).following).toBe(false);
    expect((await t.json(`/api/v1/accounts/${eve.account.id}`)).body.following_count).toBe(0);
  });
});

describe("incoming Block", () => {
  it("ends follows both ways, then Undo lifts the block", async () => {
    const nina = await remote.addActor("nina");
    await remote.deliverAndRun(t, nina, followOf(nina, "alice"));
    const remoteId = await accountIdOf(nina);
    const fan = await makeUser(t);
    await follow(t, fan, remoteId);
    await remote.deliverAndRun(t, nina, {
      id: remote.id(),
      type: "Accept",
      actor: nina.id,
      object: { type: "Follow", actor: actorUri(fan.account.username), object: nina.id },
    });
    expect((await relationship(fan.token, remoteId)).following).toBe(true);

    const block = {
      id: remote.id(),
      type: "Block",
      actor: nina.id,
      object: actorUri(fan.account.username),
    };
    await remote.deliverAndRun(t, nina, block);
    expect(await relationship(fan.token, remoteId)).toMatchObject({
      following: false,
      blocked_by: true,
    });
    // Following again is refused while blocked.
    const refused = await t.json(`/api/v1/accounts/${remoteId}/follow`, {
      method: "POST",
      token: fan.token,
    });
    expect(refused.status).toBe(403);

    await remote.deliverAndRun(t, nina, {
      id: remote.id(),
      type: "Undo",
      actor: nina.id,
      object: block.id,
    });
    expect((await relationship(fan.token, remoteId)).blocked_by).toBe(false);
  });
});
