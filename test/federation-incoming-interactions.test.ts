// Incoming Announce, Like, EmojiReact, Flag, Add/Remove, Update and Delete of
// actors, and Move (src/federation/inbox/interactions.ts, featured.ts,
// accounts.ts, posts.ts), delivered signed by a fake remote server.
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { MASTODON_CONTEXT, PUBLIC, startFakeRemote, type FakeActor } from "./kit/fake-remote.ts";
import { follow, makeUser, postStatus, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance({ env: { ALLOW_PRIVATE_ADDRESS: "true" } });
const remote = await startFakeRemote();
const alice = await makeUser(t, { username: "alice" });
let fan: FakeActor;
let fanId: string;

const localUri = (u: TestUser) => `https://herd.test/users/${u.account.username}`;
let n = 0;

function noteOf(actor: FakeActor, extra: Record<string, unknown> = {}): Record<string, any> {
  n++;
  return {
    "@context": MASTODON_CONTEXT,
    id: `${actor.id}/statuses/${n}`,
    type: "Note",
    attributedTo: actor.id,
    content: `<p>Post ${n}</p>`,
    published: new Date().toISOString(),
    to: [PUBLIC],
    cc: [`${actor.id}/followers`],
    ...extra,
  };
}

async function accountIdOf(actor: FakeActor): Promise<string> {
  return (await t.json(`/api/v1/accounts/lookup?acct=${actor.username}@${remote.host}`)).body.id;
}

async function statusIdOf(uri: string): Promise<string | null> {
  const result = await t.database.db.execute<{ id: string }>(
    sql`SELECT id::text FROM statuses WHERE uri = ${uri} AND deleted_at IS NULL`,
  );
  return result.rows[0]?.id ?? null;
}

async function followRemote(user: TestUser, actor: FakeActor) {
  await follow(t, user, await accountIdOf(actor));
  await remote.deliverAndRun(t, actor, {
    id: remote.id(),
    type: "Accept",
    actor: actor.id,
    object: { type: "Follow", actor: localUri(user), object: actor.id },
  });
}

const homeIds = async (user: TestUser) =>
  ((await t.json("/api/v1/timelines/home", { token: user.token })).body as any[]).map((s) => s.id);

beforeAll(async () => {
  fan = await remote.addActor("fan");
  fanId = await accountIdOf(fan);
});

describe("incoming Announce", () => {
  it("boosts a local post: counted, notified, and taken back by Undo", async () => {
    const post = await postStatus(t, alice, "Boost me");
    const announce = {
      id: `${fan.id}/statuses/boost-1/activity`,
      type: "Announce",
      actor: fan.id,
      published: new Date().toISOString(),
      to: [PUBLIC],
      cc: [localUri(alice), `${fan.id}/followers`],
      object: post.uri,
    };
    await remote.deliverAndRun(t, fan, announce);
    expect((await t.json(`/api/v1/statuses/${post.id}`)).body.reblogs_count).toBe(1);
    const notes = (await t.json("/api/v1/notifications", { token: alice.token })).body as any[];
    expect(notes[0]).toMatchObject({
      type: "reblog",
      account: { id: fanId },
      status: { id: post.id },
    });
    const rebloggedBy = (await t.json(`/api/v1/statuses/${post.id}/reblogged_by`)).body as any[];
    expect(rebloggedBy.map((a) => a.id)).toEqual([fanId]);

    await remote.deliverAndRun(t, fan, {
      id: remote.id(),
      type: "Undo",
      actor: fan.id,
      object: announce,
    });
    expect((await t.json(`/api/v1/statuses/${post.id}`)).body.reblogs_count).toBe(0);
  });

  it("fetches a boosted remote post and shows the boost to the booster's local followers", async () => {
    const author = await remote.addActor("author");
    const note = noteOf(author);
    remote.serve(new URL(note.id).pathname, note);
    await followRemote(alice, fan);
    await remote.deliverAndRun(t, fan, {
      id: `${fan.id}/statuses/boost-2/activity`,
      type: "Announce",
      actor: fan.id,
      published: new Date().toISOString(),
      to: [PUBLIC],
      object: note.id,
    });
    const originalId = await statusIdOf(note.id);
    expect(originalId).not.toBeNull();
    const home = (await t.json("/api/v1/timelines/home", { token: alice.token })).body as any[];
    expect(home[0]).toMatchObject({ account: { id: fanId }, reblog: { id: originalId } });
  });

  it("does not boost a private post of someone else", async () => {
    const secret = await postStatus(t, alice, { status: "Followers only", visibility: "private" });
    await remote.deliverAndRun(t, fan, {
      id: `${fan.id}/statuses/boost-3/activity`,
      type: "Announce",
      actor: fan.id,
      to: [PUBLIC],
      object: secret.uri,
    });
    expect(await statusIdOf(`${fan.id}/statuses/boost-3/activity`)).toBeNull();
  });
});

describe("incoming Like and EmojiReact", () => {
  it("favourites a local post, notifies its author, and Undo takes it back", async () => {
    const post = await postStatus(t, alice, "Like me");
    const like = { id: remote.id("likes"), type: "Like", actor: fan.id, object: post.uri };
    await remote.deliverAndRun(t, fan, like);
    expect((await t.json(`/api/v1/statuses/${post.id}`)).body.favourites_count).toBe(1);
    const notes = (await t.json("/api/v1/notifications", { token: alice.token })).body as any[];
    expect(notes[0]).toMatchObject({ type: "favourite", status: { id: post.id } });
    // Undo naming the Like by its id only.
    await remote.deliverAndRun(t, fan, {
      id: remote.id(),
      type: "Undo",
      actor: fan.id,
      object: like.id,
    });
    expect((await t.json(`/api/v1/statuses/${post.id}`)).body.favourites_count).toBe(0);
    const after = (await t.json("/api/v1/notifications", { token: alice.token })).body as any[];
    expect(after.filter((x) => x.type === "favourite" && x.status?.id === post.id)).toEqual([]);
  });

  it("cannot favourite a direct post it was not sent", async () => {
    const bob = await makeUser(t);
    const dm = await postStatus(t, alice, {
      status: `@${bob.account.username} psst`,
      visibility: "direct",
    });
    await remote.deliverAndRun(t, fan, {
      id: remote.id("likes"),
      type: "Like",
      actor: fan.id,
      object: dm.uri,
    });
    expect(
      (await t.json(`/api/v1/statuses/${dm.id}`, { token: alice.token })).body.favourites_count,
    ).toBe(0);
  });

  it("accepts an EmojiReact (not stored) and a Flag (a report: test/federation-reports.test.ts)", async () => {
    const post = await postStatus(t, alice, "React");
    for (const activity of [
      { id: remote.id(), type: "EmojiReact", actor: fan.id, object: post.uri, content: "🐑" },
      {
        id: remote.id(),
        type: "Flag",
        actor: fan.id,
        object: [localUri(alice), post.uri],
        content: "spam",
      },
    ]) {
      const res = await remote.deliver(t, fan, activity);
      expect(res.status).toBe(202);
      await t.drainJobs();
    }
    expect((await t.json(`/api/v1/statuses/${post.id}`)).body.favourites_count).toBe(0);
  });
});

describe("incoming Add and Remove to featured", () => {
  it("pins and unpins the sender's own posts only", async () => {
    const pinner = await remote.addActor("pinner");
    const pinnerId = await accountIdOf(pinner);
    await followRemote(alice, pinner);
    const note = noteOf(pinner);
    await remote.deliverAndRun(t, pinner, {
      id: remote.id(),
      type: "Create",
      actor: pinner.id,
      to: note.to,
      cc: note.cc,
      object: note,
    });
    const statusId = await statusIdOf(note.id);
    const featured = `${pinner.id}/collections/featured`;
    const pinned = async () =>
      ((await t.json(`/api/v1/accounts/${pinnerId}/statuses?pinned=true`)).body as any[]).map(
        (s) => s.id,
      );
    await remote.deliverAndRun(t, pinner, {
      id: remote.id(),
      type: "Add",
      actor: pinner.id,
      object: note.id,
      target: featured,
    });
    expect(await pinned()).toEqual([statusId]);
    // Someone else's post cannot be pinned.
    const local = await postStatus(t, alice, "Not yours");
    await remote.deliverAndRun(t, pinner, {
      id: remote.id(),
      type: "Add",
      actor: pinner.id,
      object: local.uri,
      target: featured,
    });
    expect(await pinned()).toEqual([statusId]);
    await remote.deliverAndRun(t, pinner, {
      id: remote.id(),
      type: "Remove",
      actor: pinner.id,
      object: note.id,
      target: featured,
    });
    expect(await pinned()).toEqual([]);
  });
});

describe("incoming Update and Delete of actors", () => {
  it("refreshes the profile from Update, sanitised", async () => {
    const changer = await remote.addActor("changer");
    const id = await accountIdOf(changer);
    await remote.deliverAndRun(t, changer, {
      id: remote.id(),
      type: "Update",
      actor: changer.id,
      object: {
        ...changer.document,
        name: "New name",
        summary: '<p>New bio <script>x()</script><a href="javascript:y()">z</a></p>',
        manuallyApprovesFollowers: true,
        attachment: [
          {
            type: "PropertyValue",
            name: "Site",
            value: '<a href="https://site.example" onclick="x">site</a>',
          },
        ],
        icon: { type: "Image", mediaType: "image/png", url: `${remote.origin}/avatar.png` },
      },
    });
    const account = (await t.json(`/api/v1/accounts/${id}`)).body;
    expect(account).toMatchObject({
      display_name: "New name",
      note: "<p>New bio z</p>",
      locked: true,
      avatar: `${remote.origin}/avatar.png`,
      fields: [
        {
          name: "Site",
          value: '<a href="https://site.example" rel="nofollow noopener" target="_blank">site</a>',
        },
      ],
    });
  });

  it("does not let an actor update another", async () => {
    const victim = await remote.addActor("victim");
    const mallory = await remote.addActor("mallory");
    const id = await accountIdOf(victim);
    await remote.deliverAndRun(t, mallory, {
      id: remote.id(),
      type: "Update",
      actor: mallory.id,
      object: { ...victim.document, name: "Hacked" },
    });
    expect((await t.json(`/api/v1/accounts/${id}`)).body.display_name).toBe("victim (remote)");
  });

  it("deletes an account that deleted itself, with its posts and follows", async () => {
    const leaving = await remote.addActor("leaving");
    await followRemote(alice, leaving);
    const note = noteOf(leaving);
    await remote.deliverAndRun(t, leaving, {
      id: remote.id(),
      type: "Create",
      actor: leaving.id,
      to: note.to,
      cc: note.cc,
      object: note,
    });
    const statusId = await statusIdOf(note.id);
    expect(await homeIds(alice)).toContain(statusId);
    const following = (await t.json(`/api/v1/accounts/${alice.account.id}`)).body.following_count;
    // Its server no longer has it (Herd checks the signature with the key it kept).
    remote.actors.delete("leaving");
    await remote.deliverAndRun(t, leaving, {
      id: remote.id(),
      type: "Delete",
      actor: leaving.id,
      object: leaving.id,
      to: [PUBLIC],
    });
    expect((await t.json(`/api/v1/accounts/lookup?acct=leaving@${remote.host}`)).status).toBe(404);
    expect((await t.json(`/api/v1/statuses/${statusId}`)).status).toBe(404);
    expect(await homeIds(alice)).not.toContain(statusId);
    expect((await t.json(`/api/v1/accounts/${alice.account.id}`)).body.following_count).toBe(
      following - 1,
    );
  });
});

describe("incoming Move", () => {
  it("moves local followers to the new account that names the old one", async () => {
    const old = await remote.addActor("old");
    const oldId = await accountIdOf(old);
    const follower = await makeUser(t);
    await followRemote(follower, old);
    const fresh = await remote.addActor("fresh", { alsoKnownAs: [old.id] });
    await remote.deliverAndRun(t, old, {
      id: remote.id(),
      type: "Move",
      actor: old.id,
      object: old.id,
      target: fresh.id,
    });
    const freshId = await accountIdOf(fresh);
    const rel = (
      await t.json(`/api/v1/accounts/relationships?id[]=${oldId}&id[]=${freshId}`, {
        token: follower.token,
      })
    ).body as any[];
    expect(rel[0]).toMatchObject({ id: oldId, following: false });
    expect(rel[1]).toMatchObject({ id: freshId, requested: true });
    expect((await t.json(`/api/v1/accounts/${oldId}`)).body.moved).toMatchObject({ id: freshId });
  });

  it("ignores a Move to an account that does not name the old one", async () => {
    const stay = await remote.addActor("stay");
    const stayId = await accountIdOf(stay);
    const follower = await makeUser(t);
    await followRemote(follower, stay);
    const thief = await remote.addActor("thief");
    await remote.deliverAndRun(t, stay, {
      id: remote.id(),
      type: "Move",
      actor: stay.id,
      object: stay.id,
      target: thief.id,
    });
    const rel = (
      await t.json(`/api/v1/accounts/relationships?id[]=${stayId}`, {
        token: follower.token,
      })
    ).body as any[];
    expect(rel[0].following).toBe(true);
  });
});
