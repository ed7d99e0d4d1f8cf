// POST /api/v1/statuses (https://docs.joinmastodon.org/methods/statuses/#create).
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  accounts,
  blocks,
  follows,
  homeFeedEntries,
  mentions,
  notifications,
  statuses,
  tags,
  users,
} from "../src/db/schema/index.ts";
import { newId } from "../src/lib/ids.ts";
import { makeUser, postStatus, tokenFor, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const db = t.database.db;

const post = (user: Pick<TestUser, "token">, json: unknown) =>
  t.json("/api/v1/statuses", { method: "POST", token: user.token, json });

async function remoteAccount(username: string, domain = "remote.example") {
  const [row] = await db
    .insert(accounts)
    .values({
      id: newId(),
      username,
      domain,
      uri: `https://${domain}/users/${username}`,
      url: `https://${domain}/@${username}`,
    })
    .returning();
  return row!;
}

const follow = (from: TestUser, to: TestUser) =>
  db
    .insert(follows)
    .values({ id: newId(), accountId: from.account.id, targetAccountId: to.account.id });
const block = (from: TestUser, to: TestUser) =>
  db
    .insert(blocks)
    .values({ id: newId(), accountId: from.account.id, targetAccountId: to.account.id });

const accountRow = async (id: string) =>
  (await db.select().from(accounts).where(eq(accounts.id, id)))[0]!;
const statusRow = async (id: string) =>
  (await db.select().from(statuses).where(eq(statuses.id, id)))[0]!;

describe("POST /api/v1/statuses: the status", () => {
  it("posts a status and answers the Status entity", async () => {
    const alice = await makeUser(t);
    const { status, body } = await post(alice, { status: "Hello <world> & all" });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      content: "<p>Hello &lt;world&gt; &amp; all</p>",
      visibility: "public",
      sensitive: false,
      spoiler_text: "",
      language: "en",
      in_reply_to_id: null,
      in_reply_to_account_id: null,
      replies_count: 0,
      reblogs_count: 0,
      favourites_count: 0,
      edited_at: null,
      favourited: false,
      reblogged: false,
      muted: false,
      bookmarked: false,
      pinned: false,
      filtered: [],
      reblog: null,
      application: { name: "Test app", website: null },
      mentions: [],
      tags: [],
      emojis: [],
      media_attachments: [],
      card: null,
      poll: null,
      uri: `https://herd.test/users/${alice.account.username}/statuses/${body.id}`,
      url: `https://herd.test/@${alice.account.username}/${body.id}`,
    });
    expect(body.account).toMatchObject({ id: alice.account.id, statuses_count: 1 });
    expect(body).not.toHaveProperty("text");
    const row = await statusRow(body.id);
    expect(row).toMatchObject({
      text: "Hello <world> & all",
      local: true,
      accountId: alice.account.id,
    });
    expect(row.conversationId).not.toBeNull();
  });

  it("reads parameters from forms, multipart bodies and the query string", async () => {
    const alice = await makeUser(t);
    const form = await t.json("/api/v1/statuses", {
      method: "POST",
      token: alice.token,
      form: { status: "from a form", visibility: "unlisted", sensitive: "true" },
    });
    expect(form.body).toMatchObject({
      content: "<p>from a form</p>",
      visibility: "unlisted",
      sensitive: true,
    });
    const fd = new FormData();
    fd.set("status", "from multipart");
    fd.set("spoiler_text", "cw");
    const multi = await t.json("/api/v1/statuses", {
      method: "POST",
      token: alice.token,
      multipart: fd,
    });
    expect(multi.body).toMatchObject({ content: "<p>from multipart</p>", spoiler_text: "cw" });
    const query = await t.json("/api/v1/statuses?status=from%20the%20query&visibility=private", {
      method: "POST",
      token: alice.token,
    });
    expect(query.body).toMatchObject({ content: "<p>from the query</p>", visibility: "private" });
  });

  it("renders paragraphs, line breaks and links as Mastodon", async () => {
    const alice = await makeUser(t);
    const body = await postStatus(
      t,
      alice,
      "one\ntwo\n\nsee https://example.com/a/very/long/path/that/goes/on",
    );
    expect(body.content).toBe(
      "<p>one<br />two</p><p>see " +
        '<a href="https://example.com/a/very/long/path/that/goes/on" target="_blank" rel="nofollow noopener noreferrer" translate="no">' +
        '<span class="invisible">https://</span><span class="ellipsis">example.com/a/very/long/path/t</span>' +
        '<span class="invisible">hat/goes/on</span></a></p>',
    );
  });

  it("makes a content warning sensitive, and a lone content warning the text", async () => {
    const alice = await makeUser(t);
    const warned = await postStatus(t, alice, {
      status: "body",
      spoiler_text: "cw",
      sensitive: false,
    });
    expect(warned).toMatchObject({ sensitive: true, spoiler_text: "cw" });
    const lone = await postStatus(t, alice, { status: "", spoiler_text: "only a warning" });
    expect(lone).toMatchObject({
      content: "<p>only a warning</p>",
      spoiler_text: "",
      sensitive: true,
    });
  });

  it("takes the visibility from the request, the user's default, or private for locked accounts", async () => {
    const alice = await makeUser(t);
    expect((await postStatus(t, alice, { visibility: "direct" })).visibility).toBe("direct");
    await db
      .update(users)
      .set({ settings: { default_privacy: "unlisted" } })
      .where(eq(users.id, alice.user.id));
    expect((await postStatus(t, alice)).visibility).toBe("unlisted");
    const locked = await makeUser(t);
    await db.update(accounts).set({ locked: true }).where(eq(accounts.id, locked.account.id));
    expect((await postStatus(t, locked)).visibility).toBe("private");
    const silenced = await makeUser(t);
    await db
      .update(accounts)
      .set({ silencedAt: new Date() })
      .where(eq(accounts.id, silenced.account.id));
    expect((await postStatus(t, silenced, { visibility: "public" })).visibility).toBe("unlisted");
  });

  it("takes the language given, else the user's posting language, else English", async () => {
    const alice = await makeUser(t);
    expect((await postStatus(t, alice, { language: "de" })).language).toBe("de");
    expect((await postStatus(t, alice, { language: "pt-BR" })).language).toBe("pt-BR");
    expect((await postStatus(t, alice, { language: "ja_JP" })).language).toBe("ja");
    // Unknown languages fall through, as Mastodon's valid_locale_cascade.
    expect((await postStatus(t, alice, { language: "klingon" })).language).toBe("en");
    await db
      .update(users)
      .set({ settings: { default_language: "fr" } })
      .where(eq(users.id, alice.user.id));
    expect((await postStatus(t, alice)).language).toBe("fr");
  });
});

describe("POST /api/v1/statuses: mentions and hashtags", () => {
  it("links mentions of known accounts, stores them and notifies local ones", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const remote = await remoteAccount(`carol${Date.now()}`);
    const text = `hi @${bob.account.username.toUpperCase()}@herd.test and @${remote.username}@Remote.Example and @nobody@unknown.example`;
    const body = await postStatus(t, alice, text);
    // The text is stored with each account's acct, as Mastodon's ProcessMentionsService.
    expect((await statusRow(body.id)).text).toBe(
      `hi @${bob.account.username} and @${remote.username}@remote.example and @nobody@unknown.example`,
    );
    expect(body.content).toBe(
      `<p>hi <span class="h-card" translate="no"><a href="https://herd.test/@${bob.account.username}" class="u-url mention">@<span>${bob.account.username}</span></a></span>` +
        ` and <span class="h-card" translate="no"><a href="https://remote.example/@${remote.username}" class="u-url mention">@<span>${remote.username}</span></a></span>` +
        " and @nobody@unknown.example</p>",
    );
    expect(body.mentions).toEqual([
      {
        id: bob.account.id,
        username: bob.account.username,
        acct: bob.account.username,
        url: `https://herd.test/@${bob.account.username}`,
      },
      {
        id: remote.id,
        username: remote.username,
        acct: `${remote.username}@remote.example`,
        url: `https://remote.example/@${remote.username}`,
      },
    ]);
    const rows = await db.select().from(notifications).where(eq(notifications.statusId, body.id));
    expect(rows.map((n) => [n.accountId, n.fromAccountId, n.type])).toEqual([
      [bob.account.id, alice.account.id, "mention"],
    ]);
  });

  it("does not mention accounts the author blocks, unconfirmed users or suspended accounts", async () => {
    const alice = await makeUser(t);
    const blocked = await makeUser(t);
    const unconfirmed = await makeUser(t, { confirmed: false });
    const suspended = await makeUser(t);
    await db
      .update(accounts)
      .set({ suspendedAt: new Date() })
      .where(eq(accounts.id, suspended.account.id));
    await block(alice, blocked);
    const body = await postStatus(
      t,
      alice,
      `@${blocked.account.username} @${unconfirmed.account.username} @${suspended.account.username}`,
    );
    expect(body.mentions).toEqual([]);
    expect(await db.select().from(mentions).where(eq(mentions.statusId, body.id))).toEqual([]);
    expect(body.content).not.toContain("h-card");
  });

  it("shows the full acct when two mentioned accounts share a username", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    await remoteAccount(bob.account.username, "other.example");
    const body = await postStatus(
      t,
      alice,
      `@${bob.account.username} @${bob.account.username}@other.example`,
    );
    expect(body.content).toContain(`@<span>${bob.account.username}</span>`);
    expect(body.content).toContain(`@<span>${bob.account.username}@other.example</span>`);
  });

  it("links hashtags and stores normalised tags", async () => {
    const alice = await makeUser(t);
    const body = await postStatus(t, alice, "#Caturday and #Café and #caturday again");
    expect(body.content).toBe(
      '<p><a href="https://herd.test/tags/Caturday" class="mention hashtag" rel="tag">#<span>Caturday</span></a>' +
        ' and <a href="https://herd.test/tags/Caf%C3%A9" class="mention hashtag" rel="tag">#<span>Café</span></a>' +
        ' and <a href="https://herd.test/tags/caturday" class="mention hashtag" rel="tag">#<span>caturday</span></a> again</p>',
    );
    expect(body.tags).toEqual([
      { name: "cafe", url: "https://herd.test/tags/cafe" },
      { name: "caturday", url: "https://herd.test/tags/caturday" },
    ]);
    const [tag] = await db.select().from(tags).where(eq(tags.name, "caturday"));
    expect(tag).toMatchObject({ displayName: "Caturday" });
    expect(tag!.lastStatusAt).not.toBeNull();
  });

  it("refuses hashtags an admin made unusable", async () => {
    const alice = await makeUser(t);
    await db
      .insert(tags)
      .values({ id: newId(), name: "forbidden", displayName: "forbidden", usable: false });
    const res = await post(alice, { status: "#Forbidden" });
    expect(res).toMatchObject({
      status: 422,
      body: { error: "Validation failed: Text contains a disallowed hashtag: forbidden" },
    });
  });
});

describe("POST /api/v1/statuses: replies", () => {
  it("replies into the thread, counts the reply and keeps the conversation", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const root = await postStatus(t, alice, "root");
    const reply = await postStatus(t, bob, { status: "reply", in_reply_to_id: root.id });
    expect(reply).toMatchObject({
      in_reply_to_id: root.id,
      in_reply_to_account_id: alice.account.id,
    });
    // No implicit mention of the replied-to author in the API.
    expect(reply.mentions).toEqual([]);
    expect((await statusRow(root.id)).repliesCount).toBe(1);
    expect((await statusRow(reply.id)).conversationId).toBe(
      (await statusRow(root.id)).conversationId,
    );
    // Bob answering himself in alice's thread still answers alice.
    const self = await postStatus(t, bob, { status: "and more", in_reply_to_id: reply.id });
    expect(self).toMatchObject({
      in_reply_to_id: reply.id,
      in_reply_to_account_id: alice.account.id,
    });
    // Private replies are not counted.
    await postStatus(t, bob, { status: "psst", in_reply_to_id: root.id, visibility: "private" });
    expect((await statusRow(root.id)).repliesCount).toBe(1);
  });

  it("replies to the original when given a boost", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const root = await postStatus(t, alice, "root");
    const boost = await t.json(`/api/v1/statuses/${root.id}/reblog`, {
      method: "POST",
      token: bob.token,
    });
    expect(boost.status).toBe(200);
    const reply = await postStatus(t, bob, { status: "re", in_reply_to_id: boost.body.id });
    expect(reply.in_reply_to_id).toBe(root.id);
  });

  it("answers 404 for a status the author cannot see, or by someone who blocks them", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const hidden = await postStatus(t, alice, { status: "secret", visibility: "private" });
    const notFound = {
      status: 404,
      body: { error: "The post you are trying to reply to does not appear to exist." },
    };
    expect(await post(bob, { status: "x", in_reply_to_id: hidden.id })).toMatchObject(notFound);
    expect(await post(bob, { status: "x", in_reply_to_id: "1" })).toMatchObject(notFound);
    expect(await post(bob, { status: "x", in_reply_to_id: "abc" })).toMatchObject(notFound);
    const open = await postStatus(t, alice, "open");
    await block(alice, bob);
    expect(await post(bob, { status: "x", in_reply_to_id: open.id })).toMatchObject(notFound);
  });
});

describe("POST /api/v1/statuses: side effects", () => {
  it("counts statuses and the last status time, but not direct ones", async () => {
    const alice = await makeUser(t);
    await postStatus(t, alice, "one");
    const after = await accountRow(alice.account.id);
    expect(after.statusesCount).toBe(1);
    expect(after.lastStatusAt).not.toBeNull();
    await postStatus(t, alice, { status: "dm", visibility: "direct" });
    expect((await accountRow(alice.account.id)).statusesCount).toBe(1);
  });

  it("reaches the author's and followers' home feeds", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    await follow(bob, alice);
    const body = await postStatus(t, alice, "for my followers");
    // Followers' feeds are filled by the queued fan-out job.
    await t.drainJobs();
    const entries = await db
      .select({ accountId: homeFeedEntries.accountId })
      .from(homeFeedEntries)
      .where(eq(homeFeedEntries.statusId, body.id));
    expect(entries.map((e) => e.accountId).sort()).toEqual(
      [alice.account.id, bob.account.id].sort(),
    );
  });

  it("answers the same status for the same Idempotency-Key", async () => {
    const alice = await makeUser(t);
    const send = (key: string, text: string) =>
      t.json("/api/v1/statuses", {
        method: "POST",
        token: alice.token,
        json: { status: text },
        headers: { "Idempotency-Key": key },
      });
    const first = await send("key-1", "once");
    const again = await send("key-1", "twice?");
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.content).toBe("<p>once</p>");
    const other = await send("key-2", "once");
    expect(other.body.id).not.toBe(first.body.id);
    expect((await accountRow(alice.account.id)).statusesCount).toBe(2);
    // Another account's key is its own.
    const bob = await makeUser(t);
    const bobs = await t.json("/api/v1/statuses", {
      method: "POST",
      token: bob.token,
      json: { status: "mine" },
      headers: { "Idempotency-Key": "key-1" },
    });
    expect(bobs.body.id).not.toBe(first.body.id);
    // An expired key makes a new status.
    await db.execute(`UPDATE idempotency_keys SET created_at = now() - interval '2 hours'`);
    const later = await send("key-1", "later");
    expect(later.body.id).not.toBe(first.body.id);
  });

  it("notifies nobody about a status mentioning only its author", async () => {
    const alice = await makeUser(t);
    const body = await postStatus(t, alice, `@${alice.account.username} note to self`);
    expect(body.mentions.map((m: { id: string }) => m.id)).toEqual([alice.account.id]);
    const rows = await db
      .select()
      .from(notifications)
      .where(and(eq(notifications.statusId, body.id)));
    expect(rows).toEqual([]);
  });
});

describe("POST /api/v1/statuses: limits and bad input", () => {
  it("allows 500 characters as Mastodon counts them, and no more", async () => {
    const alice = await makeUser(t);
    expect((await post(alice, { status: "a".repeat(500) })).status).toBe(200);
    const over = await post(alice, { status: "a".repeat(501) });
    expect(over).toMatchObject({
      status: 422,
      body: { error: "Validation failed: Text character limit of 500 exceeded" },
    });
    // A URL counts 23 characters, whatever its length.
    const url = `https://example.com/${"x".repeat(200)}`;
    expect((await post(alice, { status: `${url} ${"a".repeat(476)}` })).status).toBe(200);
    expect((await post(alice, { status: `${url} ${"a".repeat(477)}` })).status).toBe(422);
    // A remote mention counts without its domain.
    await remoteAccount("farfaraway", "a-very-long-domain-name.example");
    const mention = "@farfaraway@a-very-long-domain-name.example";
    expect((await post(alice, { status: `${mention} ${"a".repeat(500 - 12)}` })).status).toBe(200);
    // The content warning counts too; graphemes count once.
    expect(
      (await post(alice, { status: "a".repeat(490), spoiler_text: "b".repeat(10) })).status,
    ).toBe(200);
    expect(
      (await post(alice, { status: "a".repeat(490), spoiler_text: "b".repeat(11) })).status,
    ).toBe(422);
    expect((await post(alice, { status: "👨‍👩‍👧‍👦".repeat(500) })).status).toBe(200);
  });

  it("refuses an empty status, an unknown visibility, unknown media, bad polls and schedules", async () => {
    const alice = await makeUser(t);
    const cases: [unknown, string][] = [
      [{}, "Validation failed: Text can't be blank"],
      [{ status: "   " }, "Validation failed: Text can't be blank"],
      [{ status: { nested: "x" } }, "Validation failed: Text can't be blank"],
      [
        { status: "x", visibility: "foo" },
        "Validation failed: Visibility is not included in the list",
      ],
      [
        { status: "", visibility: "foo" },
        "Validation failed: Visibility is not included in the list, Text can't be blank",
      ],
      [
        { status: "x", media_ids: ["123"] },
        "Media 123 not found or already attached to another post",
      ],
      [{ status: "x", media_ids: ["1", "2", "3", "4", "5"] }, "Cannot attach more than 4 files"],
      [
        { status: "x", poll: { options: ["a"], expires_in: 3600 } },
        "Validation failed: Choices must have more than one item",
      ],
      [
        { status: "x", scheduled_at: new Date(Date.now() + 60_000).toISOString() },
        "Validation failed: Scheduled at date must be in the future",
      ],
      [{ status: "x", scheduled_at: "not a date" }, "Record invalid"],
    ];
    for (const [json, error] of cases) {
      expect(await post(alice, json)).toMatchObject({ status: 422, body: { error } });
    }
    // A time already past posts now.
    const past = await post(alice, { status: "now", scheduled_at: "2020-01-01T00:00:00Z" });
    expect(past.status).toBe(200);
    expect((await accountRow(alice.account.id)).statusesCount).toBe(1);
  });

  it("answers 400 for a malformed body", async () => {
    const alice = await makeUser(t);
    const res = await t.json("/api/v1/statuses", {
      method: "POST",
      token: alice.token,
      body: "{",
      headers: { "content-type": "application/json" },
    });
    expect(res).toMatchObject({
      status: 400,
      body: { error: "Error occurred while parsing request parameters" },
    });
  });

  it("checks the token, the scope and the user", async () => {
    const alice = await makeUser(t);
    expect(
      await t.json("/api/v1/statuses", { method: "POST", json: { status: "x" } }),
    ).toMatchObject({
      status: 401,
      body: { error: "The access token is invalid" },
    });
    const readOnly = await tokenFor(t, alice.user.id, ["read"]);
    expect(await post({ token: readOnly }, { status: "x" })).toMatchObject({
      status: 403,
      body: { error: "This action is outside the authorized scopes" },
    });
    const granular = await tokenFor(t, alice.user.id, ["write:statuses"]);
    expect((await post({ token: granular }, { status: "x" })).status).toBe(200);
    const app = await tokenFor(t, null, ["write"]);
    expect(await post({ token: app }, { status: "x" })).toMatchObject({
      status: 422,
      body: { error: "This method requires an authenticated user" },
    });
  });
});
