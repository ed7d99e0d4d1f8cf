// Incoming Create, Update and Delete of posts (src/federation/inbox/posts.ts,
// remote-note.ts, src/domain/statuses/remote-statuses.ts): remote statuses in
// home feeds, threads, notifications and conversations like local ones,
// with visibility.ts deciding who sees them; spoofed and hostile documents
// leave nothing behind.
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { MASTODON_CONTEXT, PUBLIC, startFakeRemote, type FakeActor } from "./kit/fake-remote.ts";
import { follow, makeUser, postStatus, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance({ env: { ALLOW_PRIVATE_ADDRESS: "true" } });
const remote = await startFakeRemote();
const alice = await makeUser(t, { username: "alice" });
const bob = await makeUser(t, { username: "bob" });
let poster: FakeActor;

const localUri = (u: TestUser) => `https://herd.test/users/${u.account.username}`;
let n = 0;

function noteOf(actor: FakeActor, extra: Record<string, unknown> = {}): Record<string, any> {
  n++;
  return {
    id: `${actor.id}/statuses/${n}`,
    type: "Note",
    attributedTo: actor.id,
    content: `<p>Post ${n}</p>`,
    published: new Date().toISOString(),
    url: `${remote.origin}/@${actor.username}/${n}`,
    to: [PUBLIC],
    cc: [`${actor.id}/followers`],
    ...extra,
  };
}

function createOf(actor: FakeActor, note: Record<string, any>) {
  return {
    id: `${note.id}/activity`,
    type: "Create",
    actor: actor.id,
    published: note.published,
    to: note.to,
    cc: note.cc,
    object: note,
  };
}

async function statusIdOf(uri: string): Promise<string | null> {
  const result = await t.database.db.execute<{ id: string }>(
    sql`SELECT id::text FROM statuses WHERE uri = ${uri} AND deleted_at IS NULL`,
  );
  return result.rows[0]?.id ?? null;
}

async function homeIds(user: TestUser): Promise<string[]> {
  return ((await t.json("/api/v1/timelines/home", { token: user.token })).body as any[]).map(
    (s) => s.id,
  );
}

/** `user` follows remote `actor` (the request accepted by the remote server). */
async function followRemote(user: TestUser, actor: FakeActor) {
  const id = (await t.json(`/api/v1/accounts/lookup?acct=${actor.username}@${remote.host}`)).body
    .id;
  await follow(t, user, id);
  await remote.deliverAndRun(t, actor, {
    id: remote.id(),
    type: "Accept",
    actor: actor.id,
    object: { type: "Follow", actor: localUri(user), object: actor.id },
  });
  return id as string;
}

beforeAll(async () => {
  poster = await remote.addActor("poster");
  await followRemote(alice, poster);
});

describe("incoming Create", () => {
  it("stores a public post of a followed account, sanitised, in the follower's home feed", async () => {
    const note = noteOf(poster, {
      content:
        '<p>Hello <script>alert(1)</script><a href="javascript:x()">evil</a> <a href="https://ok.example" onclick="x()">ok</a> #herd</p>',
      contentMap: { fr: "<p>Bonjour</p>" },
      summary: "CW text",
      sensitive: true,
      tag: [{ type: "Hashtag", name: "#Herd", href: `${remote.origin}/tags/herd` }],
    });
    await remote.deliverAndRun(t, poster, createOf(poster, note));
    const id = await statusIdOf(note.id);
    expect(id).not.toBeNull();
    const status = (await t.json(`/api/v1/statuses/${id}`)).body;
    expect(status).toMatchObject({
      uri: note.id,
      url: note.url,
      content:
        '<p>Hello evil <a href="https://ok.example" rel="nofollow noopener" target="_blank">ok</a> #herd</p>',
      spoiler_text: "CW text",
      sensitive: true,
      visibility: "public",
      account: { acct: `poster@${remote.host}` },
      tags: [{ name: "herd" }],
    });
    expect(await homeIds(alice)).toContain(id);
    expect(await homeIds(bob)).not.toContain(id);
  });

  it("takes the language from contentMap", async () => {
    const note = noteOf(poster, { content: undefined, contentMap: { de: "<p>Hallo Welt</p>" } });
    await remote.deliverAndRun(t, poster, createOf(poster, note));
    const status = (await t.json(`/api/v1/statuses/${await statusIdOf(note.id)}`)).body;
    expect(status).toMatchObject({ language: "de", content: "<p>Hallo Welt</p>" });
  });

  it("notifies a mentioned local account, who is not following", async () => {
    const note = noteOf(poster, {
      content:
        '<p><span class="h-card"><a href="https://herd.test/@bob" class="u-url mention">@bob</a></span> hi</p>',
      cc: [`${poster.id}/followers`, localUri(bob)],
      tag: [{ type: "Mention", href: localUri(bob), name: "@bob@herd.test" }],
    });
    await remote.deliverAndRun(t, poster, createOf(poster, note));
    const id = await statusIdOf(note.id);
    const notes = (await t.json("/api/v1/notifications", { token: bob.token })).body as any[];
    expect(notes[0]).toMatchObject({ type: "mention", status: { id } });
    const status = (await t.json(`/api/v1/statuses/${id}`, { token: bob.token })).body;
    expect(status.mentions).toEqual([expect.objectContaining({ acct: "bob" })]);
  });

  it("threads a reply to a local status", async () => {
    const parent = await postStatus(t, alice, "Local parent");
    const note = noteOf(poster, { inReplyTo: parent.uri, cc: [localUri(alice)] });
    await remote.deliverAndRun(t, poster, createOf(poster, note));
    const id = await statusIdOf(note.id);
    const status = (await t.json(`/api/v1/statuses/${id}`)).body;
    expect(status).toMatchObject({
      in_reply_to_id: parent.id,
      in_reply_to_account_id: alice.account.id,
    });
    const context = (await t.json(`/api/v1/statuses/${parent.id}/context`)).body;
    expect(context.descendants.map((s: any) => s.id)).toContain(id);
    expect((await t.json(`/api/v1/statuses/${parent.id}`)).body.replies_count).toBe(1);
  });

  it("fetches unknown parents up the thread, within a limit", async () => {
    const chain: Record<string, any>[] = [];
    for (let i = 0; i < 8; i++) {
      const note = noteOf(poster, { inReplyTo: chain[i - 1]?.id ?? null });
      chain.push(note);
      remote.serve(new URL(note.id).pathname, { "@context": MASTODON_CONTEXT, ...note });
    }
    const last = chain[7]!;
    await remote.deliverAndRun(t, poster, createOf(poster, last));
    const ids = await Promise.all(chain.map((c) => statusIdOf(c.id)));
    // The delivered post and five parents; the two oldest are left unfetched.
    expect(ids.slice(2).every((id) => id !== null)).toBe(true);
    expect(ids.slice(0, 2)).toEqual([null, null]);
    const status = (await t.json(`/api/v1/statuses/${ids[7]}`)).body;
    expect(status.in_reply_to_id).toBe(ids[6]);
    const context = (await t.json(`/api/v1/statuses/${ids[7]}/context`)).body;
    expect(context.ancestors.map((s: any) => s.id)).toEqual(ids.slice(2, 7));
  });

  it("shows a followers-only post to local followers only", async () => {
    const note = noteOf(poster, { to: [`${poster.id}/followers`], cc: [] });
    await remote.deliverAndRun(t, poster, createOf(poster, note));
    const id = await statusIdOf(note.id);
    expect((await t.json(`/api/v1/statuses/${id}`, { token: alice.token })).body.visibility).toBe(
      "private",
    );
    expect(await homeIds(alice)).toContain(id);
    expect((await t.json(`/api/v1/statuses/${id}`, { token: bob.token })).status).toBe(404);
    expect((await t.json(`/api/v1/statuses/${id}`)).status).toBe(404);
    expect(await homeIds(bob)).not.toContain(id);
  });

  it("shows a direct post to the mentioned local accounts only", async () => {
    const note = noteOf(poster, {
      content: '<p><a href="https://herd.test/@bob" class="mention">@bob</a> secret</p>',
      to: [localUri(bob)],
      cc: [],
      tag: [{ type: "Mention", href: localUri(bob), name: "@bob@herd.test" }],
    });
    await remote.deliverAndRun(t, poster, createOf(poster, note), "/users/bob/inbox");
    const id = await statusIdOf(note.id);
    const seen = (await t.json(`/api/v1/statuses/${id}`, { token: bob.token })).body;
    expect(seen.visibility).toBe("direct");
    // A private mention from someone bob does not follow waits among his
    // notification requests (the notification policy's default, as Mastodon).
    const requests = (await t.json("/api/v1/notifications/requests", { token: bob.token }))
      .body as any[];
    expect(requests.map((r) => r.last_status?.id)).toContain(id);
    // alice follows the author but is not addressed.
    expect((await t.json(`/api/v1/statuses/${id}`, { token: alice.token })).status).toBe(404);
    expect(await homeIds(alice)).not.toContain(id);
    expect((await t.json(`/api/v1/statuses/${id}`)).status).toBe(404);
  });

  it("ignores a post that concerns no one here", async () => {
    const stranger = await remote.addActor("stranger");
    const note = noteOf(stranger);
    await remote.deliverAndRun(t, stranger, createOf(stranger, note));
    expect(await statusIdOf(note.id)).toBeNull();
  });

  it("stores a Question with its poll, and a quote's URI", async () => {
    const note = noteOf(poster, {
      type: "Question",
      content: "<p>Which?</p>",
      endTime: new Date(Date.now() + 86_400_000).toISOString(),
      votersCount: 3,
      oneOf: [
        { type: "Note", name: "A", replies: { type: "Collection", totalItems: 2 } },
        { type: "Note", name: "B", replies: { type: "Collection", totalItems: 1 } },
      ],
      quoteUrl: `${remote.origin}/users/poster/statuses/quoted`,
    });
    await remote.deliverAndRun(t, poster, createOf(poster, note));
    const id = await statusIdOf(note.id);
    expect((await t.json(`/api/v1/statuses/${id}`)).body.content).toBe("<p>Which?</p>");
    const extras = await t.database.db.execute<{ poll: any; quote_uri: string | null }>(
      sql`SELECT poll, quote_uri FROM remote_status_data WHERE status_id = ${id}`,
    );
    expect(extras.rows[0]).toMatchObject({
      poll: {
        multiple: false,
        voters_count: 3,
        options: [
          { title: "A", votes_count: 2 },
          { title: "B", votes_count: 1 },
        ],
      },
      quote_uri: `${remote.origin}/users/poster/statuses/quoted`,
    });
  });

  it("keeps the URI of a Misskey quote", async () => {
    const quoted = `${remote.origin}/notes/quoted`;
    const note = noteOf(poster, { _misskey_quote: quoted });
    await remote.deliverAndRun(t, poster, {
      "@context": [
        ...MASTODON_CONTEXT,
        {
          misskey: "https://misskey-hub.net/ns#",
          _misskey_quote: "misskey:_misskey_quote",
          _misskey_content: "misskey:_misskey_content",
        },
      ],
      ...createOf(poster, { ...note, _misskey_content: "Post" }),
    });
    const id = await statusIdOf(note.id);
    const extras = await t.database.db.execute<{ quote_uri: string | null }>(
      sql`SELECT quote_uri FROM remote_status_data WHERE status_id = ${id}`,
    );
    expect(extras.rows[0]?.quote_uri).toBe(quoted);
  });

  it("converts an Article to its title and link", async () => {
    const note = noteOf(poster, {
      type: "Article",
      name: "A <long> read",
      summary: "What it is about",
      content: "<p>The whole article</p>",
    });
    await remote.deliverAndRun(t, poster, createOf(poster, note));
    const status = (await t.json(`/api/v1/statuses/${await statusIdOf(note.id)}`)).body;
    expect(status.content).toBe(
      `<p><strong>A &lt;long&gt; read</strong></p><p>What it is about</p><p><a href="${note.url}" rel="nofollow noopener" target="_blank">${note.url}</a></p>`,
    );
    expect(status.spoiler_text).toBe("");
  });

  it("stores a post delivered twice once", async () => {
    const note = noteOf(poster);
    await remote.deliverAndRun(t, poster, createOf(poster, note));
    await remote.deliverAndRun(t, poster, { ...createOf(poster, note), id: remote.id() });
    const count = await t.database.db.execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM statuses WHERE uri = ${note.id}`,
    );
    expect(count.rows[0]!.n).toBe(1);
  });
});

describe("spoofed and hostile Creates", () => {
  it("drops a post on another origin or attributed to someone else", async () => {
    const other = await remote.addActor("other");
    const foreign = noteOf(poster, { id: "https://evil.example/statuses/1" });
    const misattributed = noteOf(poster, { attributedTo: other.id });
    for (const note of [foreign, misattributed]) {
      const res = await remote.deliver(t, poster, createOf(poster, note));
      expect(res.status).toBe(202);
      await t.drainJobs();
      expect(await statusIdOf(note.id)).toBeNull();
    }
  });

  it("survives missing fields, wrong types and huge documents, storing nothing", async () => {
    const before = await t.database.db.execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM statuses`,
    );
    const huge = `${poster.id}/statuses/huge`;
    remote.serve(new URL(huge).pathname, {
      status: 200,
      body: JSON.stringify({ ...noteOf(poster, { id: huge }), content: "x".repeat(2_000_000) }),
    });
    const bodies: Record<string, unknown>[] = [
      {
        id: remote.id(),
        type: "Create",
        actor: poster.id,
        object: { type: "Note", content: "no id" },
      },
      {
        id: remote.id(),
        type: "Create",
        actor: poster.id,
        object: { id: poster.id, type: "Person" },
      },
      { id: remote.id(), type: "Create", actor: poster.id, object: 42 },
      { id: remote.id(), type: "Create", actor: poster.id },
      { id: remote.id(), type: "Create", actor: poster.id, object: huge },
      {
        id: remote.id(),
        type: "Create",
        actor: poster.id,
        object: noteOf(poster, { published: "not a date" }),
      },
      {
        id: remote.id(),
        type: "Update",
        actor: poster.id,
        object: { id: poster.id, type: "Person" },
      },
      { id: remote.id(), type: "Delete", actor: poster.id, object: { type: "Tombstone" } },
      { id: remote.id(), type: "Announce", actor: poster.id, object: "not a url" },
      { id: remote.id(), type: "Like", actor: poster.id, object: `${remote.origin}/missing` },
    ];
    for (const body of bodies) {
      const res = await remote.deliver(t, poster, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBeLessThan(500);
      await t.drainJobs();
    }
    const after = await t.database.db.execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM statuses`,
    );
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
    expect(await statusIdOf(huge)).toBeNull();
    // Values of the wrong type are left out; the post keeps what is usable.
    const mixed = noteOf(poster, { content: ["<p>a</p>", 1, null, { x: 1 }] });
    await remote.deliverAndRun(t, poster, createOf(poster, mixed));
    const status = (await t.json(`/api/v1/statuses/${await statusIdOf(mixed.id)}`)).body;
    expect(status.content).toBe("<p>a</p>");
    // The account is still as it was.
    const account = await t.json(`/api/v1/accounts/lookup?acct=poster@${remote.host}`);
    expect(account.body.display_name).toBe("poster (remote)");
  });

  it("answers a body that is not JSON without a server error", async () => {
    const res = await t.request("/inbox", {
      method: "POST",
      body: "{not json",
      headers: { "content-type": "application/activity+json" },
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});

describe("incoming Update and Delete of posts", () => {
  it("edits a post with history, ignoring an older edit", async () => {
    const note = noteOf(poster, { content: "<p>First</p>" });
    await remote.deliverAndRun(t, poster, createOf(poster, note));
    const id = await statusIdOf(note.id);
    const edited = {
      ...note,
      content: "<p>Second</p>",
      updated: new Date(Date.now() + 1000).toISOString(),
    };
    await remote.deliverAndRun(t, poster, {
      id: remote.id(),
      type: "Update",
      actor: poster.id,
      object: edited,
    });
    const status = (await t.json(`/api/v1/statuses/${id}`)).body;
    expect(status.content).toBe("<p>Second</p>");
    expect(status.edited_at).not.toBeNull();
    const history = (await t.json(`/api/v1/statuses/${id}/history`)).body as any[];
    expect(history.map((h) => h.content)).toEqual(["<p>First</p>", "<p>Second</p>"]);

    await remote.deliverAndRun(t, poster, {
      id: remote.id(),
      type: "Update",
      actor: poster.id,
      object: {
        ...note,
        content: "<p>Stale</p>",
        updated: new Date(Date.now() - 60_000).toISOString(),
      },
    });
    expect((await t.json(`/api/v1/statuses/${id}`)).body.content).toBe("<p>Second</p>");
  });

  it("does not let another actor edit or delete a post", async () => {
    const mallory = await remote.addActor("mallory");
    const note = noteOf(poster, { content: "<p>Mine</p>" });
    await remote.deliverAndRun(t, poster, createOf(poster, note));
    const id = await statusIdOf(note.id);
    await remote.deliverAndRun(t, mallory, {
      id: remote.id(),
      type: "Update",
      actor: mallory.id,
      object: { ...note, content: "<p>Hijacked</p>", updated: new Date().toISOString() },
    });
    await remote.deliverAndRun(t, mallory, {
      id: remote.id(),
      type: "Delete",
      actor: mallory.id,
      object: note.id,
    });
    const status = (await t.json(`/api/v1/statuses/${id}`)).body;
    expect(status.content).toBe("<p>Mine</p>");
  });

  it("deletes a post from everywhere, and refuses it when it is created again", async () => {
    const note = noteOf(poster);
    await remote.deliverAndRun(t, poster, createOf(poster, note));
    const id = await statusIdOf(note.id);
    expect(await homeIds(alice)).toContain(id);
    await remote.deliverAndRun(t, poster, {
      id: remote.id(),
      type: "Delete",
      actor: poster.id,
      object: { id: note.id, type: "Tombstone" },
    });
    expect((await t.json(`/api/v1/statuses/${id}`)).status).toBe(404);
    expect(await homeIds(alice)).not.toContain(id);
    await remote.deliverAndRun(t, poster, { ...createOf(poster, note), id: remote.id() });
    expect(await statusIdOf(note.id)).toBeNull();
  });
});
