// PUT /api/v1/statuses/:id, its history, and DELETE /api/v1/statuses/:id
// (https://docs.joinmastodon.org/methods/statuses/#edit, #history, #delete).
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  accounts,
  featuredTags,
  homeFeedEntries,
  mentions,
  notifications,
  statusPins,
  statuses,
  tags,
} from "../src/db/schema/index.ts";
import { newId } from "../src/lib/ids.ts";
import { makeUser, postStatus, tokenFor, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const db = t.database.db;

const edit = (user: Pick<TestUser, "token">, id: string, json: unknown) =>
  t.json(`/api/v1/statuses/${id}`, { method: "PUT", token: user.token, json });
const remove = (user: Pick<TestUser, "token">, id: string) =>
  t.json(`/api/v1/statuses/${id}`, { method: "DELETE", token: user.token });
const boost = (user: TestUser, id: string) =>
  t.json(`/api/v1/statuses/${id}/reblog`, { method: "POST", token: user.token });

const statusRow = async (id: string) =>
  (await db.select().from(statuses).where(eq(statuses.id, id)))[0]!;
const accountRow = async (id: string) =>
  (await db.select().from(accounts).where(eq(accounts.id, id)))[0]!;

describe("PUT /api/v1/statuses/:id", () => {
  it("edits the text and keeps every version in the history", async () => {
    const alice = await makeUser(t);
    const posted = await postStatus(t, alice, { status: "first", language: "de" });
    const first = await edit(alice, posted.id, { status: "second #News" });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      id: posted.id,
      content:
        '<p>second <a href="https://herd.test/tags/News" class="mention hashtag" rel="tag">#<span>News</span></a></p>',
      tags: [{ name: "news", url: "https://herd.test/tags/news" }],
      language: "de",
      created_at: posted.created_at,
    });
    expect(first.body.edited_at).not.toBeNull();
    await edit(alice, posted.id, { status: "third", spoiler_text: "cw" });

    const history = await t.json(`/api/v1/statuses/${posted.id}/history`);
    expect(history.status).toBe(200);
    expect(
      history.body.map((v: { content: string; spoiler_text: string; sensitive: boolean }) => [
        v.content,
        v.spoiler_text,
        v.sensitive,
      ]),
    ).toEqual([
      ["<p>first</p>", "", false],
      [first.body.content, "", false],
      ["<p>third</p>", "cw", true],
    ]);
    expect(history.body[0].created_at).toBe(posted.created_at);
    expect(history.body[2].account.id).toBe(alice.account.id);

    const source = await t.json(`/api/v1/statuses/${posted.id}/source`, { token: alice.token });
    expect(source.body).toEqual({ id: posted.id, text: "third", spoiler_text: "cw" });
    const shown = await t.json(`/api/v1/statuses/${posted.id}`);
    expect(shown.body).toMatchObject({ content: "<p>third</p>", spoiler_text: "cw", tags: [] });
  });

  it("records nothing when nothing changes", async () => {
    const alice = await makeUser(t);
    const posted = await postStatus(t, alice, "same");
    const res = await edit(alice, posted.id, { status: "same" });
    expect(res.status).toBe(200);
    expect(res.body.edited_at).toBeNull();
    expect((await t.json(`/api/v1/statuses/${posted.id}/history`)).body).toHaveLength(1);
  });

  it("sends the whole status: a missing content warning is removed, a missing text refused", async () => {
    const alice = await makeUser(t);
    const posted = await postStatus(t, alice, { status: "x", spoiler_text: "cw" });
    const res = await edit(alice, posted.id, { status: "y" });
    expect(res.body).toMatchObject({ spoiler_text: "", sensitive: false });
    expect(await edit(alice, posted.id, {})).toMatchObject({
      status: 422,
      body: { error: "Validation failed: Text can't be blank" },
    });
    expect(await edit(alice, posted.id, { status: "a".repeat(501) })).toMatchObject({
      status: 422,
      body: { error: "Validation failed: Text character limit of 500 exceeded" },
    });
    expect(await edit(alice, posted.id, { status: "x", media_ids: ["7"] })).toMatchObject({
      status: 422,
      body: { error: "Media 7 not found or already attached to another post" },
    });
    // Unknown languages keep the status's own.
    expect((await edit(alice, posted.id, { status: "z", language: "zz" })).body.language).toBe(
      "en",
    );
  });

  it("notifies newly mentioned accounts and boosters, and silences dropped mentions", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const carol = await makeUser(t);
    const dave = await makeUser(t);
    const posted = await postStatus(t, alice, {
      status: `hi @${bob.account.username}`,
      visibility: "direct",
    });
    const open = await postStatus(t, alice, "boost me");
    expect((await boost(dave, open.id)).status).toBe(200);

    await edit(alice, posted.id, { status: `hi @${carol.account.username}` });
    const rows = await db
      .select()
      .from(mentions)
      .where(eq(mentions.statusId, posted.id))
      .orderBy(mentions.id);
    expect(rows.map((m) => [m.accountId, m.silent])).toEqual([
      [bob.account.id, true],
      [carol.account.id, false],
    ]);
    // Bob was told before: he keeps access to the direct status.
    expect((await t.json(`/api/v1/statuses/${posted.id}`, { token: bob.token })).status).toBe(200);
    const shown = await t.json(`/api/v1/statuses/${posted.id}`, { token: carol.token });
    expect(shown.body.mentions.map((m: { id: string }) => m.id)).toEqual([carol.account.id]);
    const mentionsOf = async (id: string) =>
      (
        await db
          .select()
          .from(notifications)
          .where(and(eq(notifications.accountId, id), eq(notifications.statusId, posted.id)))
      ).map((n) => n.type);
    expect(await mentionsOf(bob.account.id)).toEqual(["mention"]);
    expect(await mentionsOf(carol.account.id)).toEqual(["mention"]);

    await edit(alice, open.id, { status: "boost me, edited" });
    const updates = await db
      .select()
      .from(notifications)
      .where(and(eq(notifications.statusId, open.id), eq(notifications.type, "update")));
    expect(updates.map((n) => [n.accountId, n.fromAccountId])).toEqual([
      [dave.account.id, alice.account.id],
    ]);
  });

  it("replaces a booster's earlier update notification on each edit, as Mastodon", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const carol = await makeUser(t);
    const posted = await postStatus(t, alice, "version 1");
    const other = await postStatus(t, alice, "another one");
    expect((await boost(bob, posted.id)).status).toBe(200);
    expect((await boost(carol, posted.id)).status).toBe(200);
    expect((await boost(bob, other.id)).status).toBe(200);
    const updates = async (user: TestUser) =>
      (await t.json("/api/v1/notifications?types[]=update", { token: user.token })).body.map(
        (n: { id: string; status: { id: string; content: string } }) => ({
          id: n.id,
          status: n.status.id,
          content: n.status.content,
        }),
      );

    expect((await edit(alice, posted.id, { status: "version 2" })).status).toBe(200);
    expect((await edit(alice, other.id, { status: "another one, edited" })).status).toBe(200);
    // Newest first: the other status was edited last.
    const [otherOfBob, firstOfBob] = await updates(bob);
    expect(firstOfBob).toMatchObject({ status: posted.id, content: "<p>version 2</p>" });
    expect(otherOfBob).toMatchObject({ status: other.id });

    expect((await edit(alice, posted.id, { status: "version 3" })).status).toBe(200);
    const ofBob = await updates(bob);
    expect(ofBob.map((n: { status: string }) => n.status)).toEqual([posted.id, other.id]);
    // The earlier one about the edited status is gone, the other status's kept.
    expect(ofBob[0].id).not.toBe(firstOfBob!.id);
    expect(BigInt(ofBob[0].id)).toBeGreaterThan(BigInt(firstOfBob!.id));
    expect(ofBob[0].content).toBe("<p>version 3</p>");
    expect(ofBob[1].id).toBe(otherOfBob!.id);
    const ofCarol = await updates(carol);
    expect(ofCarol.map((n: { status: string }) => n.status)).toEqual([posted.id]);
    const rows = await db
      .select()
      .from(notifications)
      .where(and(eq(notifications.statusId, posted.id), eq(notifications.type, "update")));
    expect(rows.map((n) => n.accountId).sort()).toEqual([bob.account.id, carol.account.id].sort());
  });

  it("answers 404 for statuses that are not the user's, boosts and unknown ids", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const posted = await postStatus(t, alice, "mine");
    const notFound = { status: 404, body: { error: "Record not found" } };
    expect(await edit(bob, posted.id, { status: "theirs" })).toMatchObject(notFound);
    expect(await edit(alice, "1", { status: "x" })).toMatchObject(notFound);
    expect(await edit(alice, "abc", { status: "x" })).toMatchObject(notFound);
    const boosted = await boost(bob, posted.id);
    expect(await edit(bob, boosted.body.id, { status: "x" })).toMatchObject(notFound);
  });

  it("checks the token, the scope and the user, and reads malformed bodies as 400", async () => {
    const alice = await makeUser(t);
    const posted = await postStatus(t, alice, "mine");
    expect(
      (await t.json(`/api/v1/statuses/${posted.id}`, { method: "PUT", json: {} })).status,
    ).toBe(401);
    const read = await tokenFor(t, alice.user.id, ["read"]);
    expect((await edit({ token: read }, posted.id, { status: "x" })).status).toBe(403);
    const app = await tokenFor(t, null, ["write"]);
    expect((await edit({ token: app }, posted.id, { status: "x" })).status).toBe(422);
    const bad = await t.json(`/api/v1/statuses/${posted.id}`, {
      method: "PUT",
      token: alice.token,
      body: "{",
      headers: { "content-type": "application/json" },
    });
    expect(bad.status).toBe(400);
  });
});

describe("DELETE /api/v1/statuses/:id", () => {
  it("deletes the status and answers it with its source, for redrafting", async () => {
    const alice = await makeUser(t);
    const posted = await postStatus(t, alice, { status: "bye #tag", spoiler_text: "cw" });
    const res = await remove(alice, posted.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: posted.id, text: "bye #tag", spoiler_text: "cw" });
    expect(res.body).not.toHaveProperty("content");
    expect(res.body.account.statuses_count).toBe(0);
    expect((await t.json(`/api/v1/statuses/${posted.id}`)).status).toBe(404);
    expect((await remove(alice, posted.id)).status).toBe(404);
    expect(
      await db.select().from(homeFeedEntries).where(eq(homeFeedEntries.statusId, posted.id)),
    ).toEqual([]);
  });

  it("keeps the counters right and takes the boosts and the pin with it", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const root = await postStatus(t, bob, "root");
    const posted = await postStatus(t, alice, { status: "reply #kept", in_reply_to_id: root.id });
    expect(
      (await db.select().from(statuses).where(eq(statuses.id, root.id)))[0]!.repliesCount,
    ).toBe(1);
    const boosted = await boost(bob, posted.id);
    await db
      .insert(statusPins)
      .values({ id: newId(), accountId: alice.account.id, statusId: posted.id });
    const [tag] = await db.select().from(tags).where(eq(tags.name, "kept"));
    await db.insert(featuredTags).values({
      id: newId(),
      accountId: alice.account.id,
      tagId: tag!.id,
      name: "kept",
      statusesCount: 1,
      lastStatusAt: new Date(),
    });
    expect((await accountRow(bob.account.id)).statusesCount).toBe(2);

    expect((await remove(alice, posted.id)).status).toBe(200);
    expect((await statusRow(root.id)).repliesCount).toBe(0);
    expect((await accountRow(alice.account.id)).statusesCount).toBe(0);
    expect((await accountRow(bob.account.id)).statusesCount).toBe(1);
    expect((await statusRow(boosted.body.id)).deletedAt).not.toBeNull();
    expect(await db.select().from(statusPins).where(eq(statusPins.statusId, posted.id))).toEqual(
      [],
    );
    const [featured] = await db
      .select()
      .from(featuredTags)
      .where(eq(featuredTags.accountId, alice.account.id));
    expect(featured).toMatchObject({ statusesCount: 0, lastStatusAt: null });
  });

  it("deletes one's own boost, counting it back", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const posted = await postStatus(t, alice, "boost me");
    const boosted = await boost(bob, posted.id);
    expect((await statusRow(posted.id)).reblogsCount).toBe(1);
    const res = await remove(bob, boosted.body.id);
    expect(res.body).toMatchObject({ id: boosted.body.id, reblog: { id: posted.id } });
    expect((await statusRow(posted.id)).reblogsCount).toBe(0);
    expect(
      await db
        .select()
        .from(notifications)
        .where(and(eq(notifications.statusId, posted.id), eq(notifications.type, "reblog"))),
    ).toEqual([]);
  });

  it("does not count direct statuses back", async () => {
    const alice = await makeUser(t);
    await postStatus(t, alice, "public");
    const dm = await postStatus(t, alice, { status: "dm", visibility: "direct" });
    expect((await remove(alice, dm.id)).status).toBe(200);
    expect((await accountRow(alice.account.id)).statusesCount).toBe(1);
  });

  it("answers 404 for statuses that are not the user's, and checks the token", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const posted = await postStatus(t, alice, "mine");
    expect(await remove(bob, posted.id)).toMatchObject({
      status: 404,
      body: { error: "Record not found" },
    });
    expect((await remove(alice, "x")).status).toBe(404);
    expect((await t.json(`/api/v1/statuses/${posted.id}`, { method: "DELETE" })).status).toBe(401);
    const read = await tokenFor(t, alice.user.id, ["read"]);
    expect((await remove({ token: read }, posted.id)).status).toBe(403);
    expect((await t.json(`/api/v1/statuses/${posted.id}`)).status).toBe(200);
  });
});
