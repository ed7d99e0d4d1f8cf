// Backfill (src/federation/backfill.ts): a remote account first stored has
// its pinned posts (featured) and its newest public posts and boosts (outbox)
// fetched by a job, checked as delivered posts are, without notifying anyone
// late and without backfilling the accounts it discovers in turn.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { MASTODON_CONTEXT, PUBLIC, startFakeRemote, type FakeActor } from "./kit/fake-remote.ts";
import { makeUser, postStatus } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance({ env: { ALLOW_PRIVATE_ADDRESS: "true" } });
const remote = await startFakeRemote();
const other = await startFakeRemote();
const alice = await makeUser(t, { username: "alice" });

let n = 0;

function noteOf(actor: FakeActor, extra: Record<string, unknown> = {}): Record<string, any> {
  n++;
  return {
    id: `${actor.id}/statuses/${n}`,
    type: "Note",
    attributedTo: actor.id,
    content: `<p>Post ${n} of ${actor.username}</p>`,
    published: new Date(Date.now() - 3_600_000 + n * 1000).toISOString(),
    url: `${new URL(actor.id).origin}/@${actor.username}/${n}`,
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

function announceOf(actor: FakeActor, objectId: string, extra: Record<string, unknown> = {}) {
  n++;
  return {
    id: `${actor.id}/statuses/${n}/activity`,
    type: "Announce",
    actor: actor.id,
    published: new Date().toISOString(),
    to: [PUBLIC],
    cc: [`${actor.id}/followers`],
    object: objectId,
    ...extra,
  };
}

/**
 * Serves `actor`'s outbox (pages of `perPage` items, newest first) and
 * featured collection, as Mastodon shapes them.
 */
function serveCollections(
  actor: FakeActor,
  items: Record<string, unknown>[],
  pinned: Record<string, unknown>[] = [],
  perPage = 10,
) {
  const path = new URL(actor.id).pathname;
  const pages = Math.max(1, Math.ceil(items.length / perPage));
  remote.serve(`${path}/outbox`, {
    "@context": MASTODON_CONTEXT,
    id: `${actor.id}/outbox`,
    type: "OrderedCollection",
    totalItems: items.length + 100,
    first: `${actor.id}/outbox/page/1`,
  });
  for (let p = 1; p <= pages; p++) {
    remote.serve(`${path}/outbox/page/${p}`, {
      "@context": MASTODON_CONTEXT,
      id: `${actor.id}/outbox/page/${p}`,
      type: "OrderedCollectionPage",
      partOf: `${actor.id}/outbox`,
      ...(p < pages ? { next: `${actor.id}/outbox/page/${p + 1}` } : {}),
      orderedItems: items.slice((p - 1) * perPage, p * perPage),
    });
  }
  remote.serve(`${path}/collections/featured`, {
    "@context": MASTODON_CONTEXT,
    id: `${actor.id}/collections/featured`,
    type: "OrderedCollection",
    totalItems: pinned.length,
    orderedItems: pinned,
  });
}

/** Looks `actor` up through the client API (its first sight), then runs the jobs. */
async function discover(actor: FakeActor): Promise<any> {
  const res = await t.json(
    `/api/v1/accounts/lookup?acct=${actor.username}@${new URL(actor.id).host}`,
  );
  expect(res.status).toBe(200);
  await t.drainJobs();
  return res.body;
}

async function statusesOf(accountId: string, query = ""): Promise<any[]> {
  const res = await t.json(`/api/v1/accounts/${accountId}/statuses?limit=40${query}`, {
    token: alice.token,
  });
  expect(res.status).toBe(200);
  return res.body;
}

async function storedUris(accountId: string): Promise<string[]> {
  const result = await t.database.db.execute<{ uri: string }>(
    sql`SELECT uri FROM statuses WHERE account_id = ${accountId} AND deleted_at IS NULL`,
  );
  return result.rows.map((r) => r.uri).sort();
}

/** How many pages of `actor`'s outbox Herd read (the collection itself is read for its count). */
const pageHits = (actor: FakeActor) =>
  remote.hits.filter((h) => h.startsWith(`${new URL(actor.id).pathname}/outbox/page/`)).length;

describe("backfill of a remote account first seen", () => {
  it("stores its newest public posts, boosts and pins, and counts them as its server does", async () => {
    const pat = await remote.addActor("pat");
    const quinn = await remote.addActor("quinn");
    const boosted = noteOf(quinn, { content: "<p>Boosted by pat</p>" });
    remote.serve(new URL(boosted.id).pathname, { "@context": MASTODON_CONTEXT, ...boosted });
    const parent = noteOf(quinn, { content: "<p>Pat answers this</p>" });
    remote.serve(new URL(parent.id).pathname, { "@context": MASTODON_CONTEXT, ...parent });
    // quinn has posts too, which pat's backfill must not fetch.
    serveCollections(quinn, [createOf(quinn, noteOf(quinn))]);

    const pinnedNote = noteOf(pat, { content: "<p>Pinned by pat</p>" });
    const publicNote = noteOf(pat, { content: "<p>Public by pat</p>" });
    const unlisted = noteOf(pat, { to: [`${pat.id}/followers`], cc: [PUBLIC] });
    const privateNote = noteOf(pat, { to: [`${pat.id}/followers`], cc: [] });
    const direct = noteOf(pat, { to: [quinn.id], cc: [] });
    const reply = noteOf(pat, { inReplyTo: parent.id, content: "<p>A reply</p>" });
    const mentioning = noteOf(pat, {
      tag: [{ type: "Mention", href: "https://herd.test/users/alice", name: "@alice@herd.test" }],
    });
    const boost = announceOf(pat, boosted.id);
    serveCollections(
      pat,
      [
        createOf(pat, publicNote),
        createOf(pat, unlisted),
        createOf(pat, privateNote),
        createOf(pat, direct),
        createOf(pat, reply),
        createOf(pat, mentioning),
        boost,
      ],
      [pinnedNote],
    );

    const account = await discover(pat);
    const shown = await statusesOf(account.id);
    const byUri = new Map(shown.map((s) => [s.uri, s]));
    expect(byUri.get(publicNote.id)).toMatchObject({
      visibility: "public",
      account: { id: account.id },
    });
    expect(byUri.get(publicNote.id).content).toContain("Public by pat");
    expect(byUri.get(unlisted.id)).toMatchObject({ visibility: "unlisted" });
    expect(byUri.get(reply.id)).toMatchObject({ in_reply_to_account_id: expect.any(String) });
    expect(byUri.get(reply.id).in_reply_to_id).not.toBeNull();
    expect(byUri.get(boost.id)).toMatchObject({
      reblog: { uri: boosted.id, account: { acct: `quinn@${remote.host}` } },
    });

    // Neither followers-only nor direct posts, nor a post that mentions a local account.
    expect(await storedUris(account.id)).toEqual(
      [pinnedNote.id, publicNote.id, unlisted.id, reply.id, boost.id].sort(),
    );
    const pins = await statusesOf(account.id, "&pinned=true");
    expect(pins.map((s) => s.uri)).toEqual([pinnedNote.id]);

    // statuses_count is the actor's (its outbox's totalItems), not that plus what was stored.
    const again = await t.json(`/api/v1/accounts/${account.id}`);
    expect(again.body.statuses_count).toBe(107);

    // quinn, first stored by pat's backfill, is not backfilled in turn.
    expect(pageHits(quinn)).toBe(0);
    const quinnId = byUri.get(boost.id).reblog.account.id;
    expect(await storedUris(quinnId)).toEqual([boosted.id, parent.id].sort());

    // Nobody was notified of what happened before.
    const notifications = await t.json("/api/v1/notifications?types[]=mention&types[]=reblog", {
      token: alice.token,
    });
    expect(notifications.body).toEqual([]);
  });

  it("also backfills an account first seen in the inbox", async () => {
    const yan = await remote.addActor("yan");
    const note = noteOf(yan);
    serveCollections(yan, [createOf(yan, note)]);
    await remote.deliverAndRun(
      t,
      yan,
      {
        id: remote.id(),
        type: "Follow",
        actor: yan.id,
        object: "https://herd.test/users/alice",
      },
      "/users/alice/inbox",
    );
    const account = (await t.json(`/api/v1/accounts/lookup?acct=yan@${remote.host}`)).body;
    expect(await storedUris(account.id)).toEqual([note.id]);
  });

  it("runs once: a known account's outbox is not read again", async () => {
    const rae = await remote.addActor("rae");
    serveCollections(rae, [createOf(rae, noteOf(rae))]);
    const account = await discover(rae);
    expect(pageHits(rae)).toBe(1);
    expect(await statusesOf(account.id)).toHaveLength(1);
    await discover(rae);
    const res = await t.json(`/api/v2/search?q=${encodeURIComponent(rae.id)}&resolve=true`, {
      token: alice.token,
    });
    expect(res.body.accounts.map((a: { id: string }) => a.id)).toEqual([account.id]);
    await t.drainJobs();
    expect(pageHits(rae)).toBe(1);
  });

  it("looks at the newest items only, across pages", async () => {
    const sam = await remote.addActor("sam");
    const notes = Array.from({ length: 30 }, () => noteOf(sam));
    serveCollections(
      sam,
      notes.map((note) => createOf(sam, note)),
      [],
      8,
    );
    const account = await discover(sam);
    const uris = await storedUris(account.id);
    // 20 items, from at most 3 pages of 8.
    expect(uris).toEqual(
      notes
        .slice(0, 20)
        .map((x) => x.id)
        .sort(),
    );
    expect(remote.hits).not.toContain(`${new URL(sam.id).pathname}/outbox/page/4`);
  });

  it("stores nothing that is not the account's own", async () => {
    const tess = await remote.addActor("tess");
    const stranger = await other.addActor("stranger");
    const theirs = noteOf(stranger, { content: "<p>Not tess's</p>" });
    other.serve(new URL(theirs.id).pathname, { "@context": MASTODON_CONTEXT, ...theirs });
    const forged = noteOf(tess, { attributedTo: `${remote.origin}/users/pat` });
    const own = noteOf(tess);
    serveCollections(tess, [
      // Embedded under tess's Create, a post of another server (fetched from there: its author's).
      createOf(tess, theirs),
      // A post attributed to someone else.
      createOf(tess, forged),
      // A Create by another actor.
      { ...createOf(tess, noteOf(tess)), actor: `${remote.origin}/users/pat` },
      // An Announce whose id is on another server.
      announceOf(tess, theirs.id, { id: `${other.origin}/announces/1` }),
      createOf(tess, own),
    ]);
    const account = await discover(tess);
    expect(await storedUris(account.id)).toEqual([own.id]);
    const result = await t.database.db.execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM statuses WHERE uri = ${forged.id}`,
    );
    expect(result.rows[0]!.n).toBe(0);
  });

  it("reads no collection on another origin, and survives missing or broken ones", async () => {
    const uma = await remote.addActor("uma", {
      outbox: `${other.origin}/users/uma/outbox`,
      featured: `${remote.origin}/users/uma/collections/broken`,
    });
    // A collection on another server, with a page of uma's posts: not read.
    other.serve("/users/uma/outbox", {
      "@context": MASTODON_CONTEXT,
      id: `${other.origin}/users/uma/outbox`,
      type: "OrderedCollection",
      totalItems: 1,
      first: `${other.origin}/users/uma/outbox/page`,
    });
    other.serve("/users/uma/outbox/page", {
      "@context": MASTODON_CONTEXT,
      id: `${other.origin}/users/uma/outbox/page`,
      type: "OrderedCollectionPage",
      orderedItems: [createOf(uma, noteOf(uma))],
    });
    remote.serve("/users/uma/collections/broken", { status: 500, body: "oops" });
    const account = await discover(uma);
    expect(other.hits).not.toContain("/users/uma/outbox/page");
    expect(await storedUris(account.id)).toEqual([]);

    const vic = await remote.addActor("vic");
    remote.serve("/users/vic/outbox", { status: 200, body: "not json" });
    const vicAccount = await discover(vic);
    expect(await storedUris(vicAccount.id)).toEqual([]);
  });

  it("does not re-tell local authors of old boosts of their posts", async () => {
    const local = await postStatus(t, alice, "Alice's post");
    const wes = await remote.addActor("wes");
    serveCollections(wes, [announceOf(wes, local.uri)]);
    const account = await discover(wes);
    expect(await storedUris(account.id)).toEqual([]);
    const notifications = await t.json("/api/v1/notifications?types[]=mention&types[]=reblog", {
      token: alice.token,
    });
    expect(notifications.body).toEqual([]);
  });
});
