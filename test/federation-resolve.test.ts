// Resolving other servers' accounts and posts from the client API
// (GET /api/v1/accounts/lookup, GET /api/v2/search?resolve=true) through the
// Resolver (src/federation/resolver.ts, remote-actor.ts, remote-webfinger.ts),
// and the limits of remote fetches (remote-fetch.ts): size, redirects,
// private addresses.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { fetchLimited, MAX_BODY_BYTES } from "../src/federation/remote-fetch.ts";
import { MASTODON_CONTEXT, PUBLIC, startFakeRemote } from "./kit/fake-remote.ts";
import { makeUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance({ env: { ALLOW_PRIVATE_ADDRESS: "true" } });
const remote = await startFakeRemote();
const viewer = await makeUser(t);

const search = (q: string, extra = "") =>
  t.json(`/api/v2/search?q=${encodeURIComponent(q)}&resolve=true${extra}`, {
    token: viewer.token,
  });

describe("GET /api/v1/accounts/lookup of another server's account", () => {
  it("finds it by WebFinger and stores its profile, counts and images", async () => {
    const actor = await remote.addActor("zoe", {
      name: "Zoë",
      summary: '<p>Bio <img src=x onerror="alert(1)"></p>',
      attachment: [{ type: "PropertyValue", name: "Web", value: "<p>https://zoe.example</p>" }],
      icon: { type: "Image", mediaType: "image/png", url: `${remote.origin}/zoe.png` },
      image: { type: "Image", mediaType: "image/jpeg", url: `${remote.origin}/zoe-header.jpg` },
      manuallyApprovesFollowers: true,
      type: "Service",
    });
    for (const [path, total] of [
      ["followers", 42],
      ["following", 7],
      ["outbox", 1234],
    ] as const) {
      remote.serve(`/users/zoe/${path}`, {
        "@context": MASTODON_CONTEXT,
        id: `${actor.id}/${path}`,
        type: "OrderedCollection",
        totalItems: total,
      });
    }
    const res = await t.json(`/api/v1/accounts/lookup?acct=zoe@${remote.host}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      username: "zoe",
      acct: `zoe@${remote.host}`,
      display_name: "Zoë",
      note: "<p>Bio </p>",
      url: `${remote.origin}/@zoe`,
      avatar: `${remote.origin}/zoe.png`,
      header: `${remote.origin}/zoe-header.jpg`,
      locked: true,
      bot: true,
      followers_count: 42,
      following_count: 7,
      statuses_count: 1234,
      fields: [{ name: "Web", value: "<p>https://zoe.example</p>" }],
    });
    expect(remote.hits.some((h) => h.startsWith("/.well-known/webfinger"))).toBe(true);
    // Asked again, it is the stored account (one row).
    const again = await t.json(`/api/v1/accounts/lookup?acct=@zoe@${remote.host}`);
    expect(again.body.id).toBe(res.body.id);
    const rows = await t.database.db.execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM accounts WHERE uri = ${actor.id}`,
    );
    expect(rows.rows[0]!.n).toBe(1);
  });

  it("answers 404 for an account its server does not know, or a server that cannot be reached", async () => {
    expect((await t.json(`/api/v1/accounts/lookup?acct=nobody@${remote.host}`)).status).toBe(404);
    expect((await t.json("/api/v1/accounts/lookup?acct=someone@127.0.0.1:1")).status).toBe(404);
    expect((await t.json("/api/v1/accounts/lookup?acct=a@b@c")).status).toBe(404);
  });

  it("refuses an actor whose document is not what WebFinger pointed at", async () => {
    await remote.addActor("liar");
    remote.actors.get("liar")!.document.id = `${remote.origin}/users/someone-else`;
    expect((await t.json(`/api/v1/accounts/lookup?acct=liar@${remote.host}`)).status).toBe(404);
  });
});

describe("GET /api/v2/search with resolve", () => {
  it("finds another server's account by its handle", async () => {
    await remote.addActor("yann");
    const unresolved = await t.json(`/api/v2/search?q=@yann@${remote.host}`, {
      token: viewer.token,
    });
    expect(unresolved.body.accounts).toEqual([]);
    const res = await search(`@yann@${remote.host}`);
    expect(res.body.accounts.map((a: any) => a.acct)).toEqual([`yann@${remote.host}`]);
  });

  it("refreshes a stale account", async () => {
    const actor = await remote.addActor("xena");
    const first = await search(`xena@${remote.host}`);
    expect(first.body.accounts[0].display_name).toBe("xena (remote)");
    actor.document.name = "Xena, renamed";
    await t.database.db.execute(
      sql`UPDATE accounts SET fetched_at = now() - interval '2 days', last_webfinger_at = NULL
        WHERE uri = ${actor.id}`,
    );
    const second = await search(`xena@${remote.host}`);
    expect(second.body.accounts[0].display_name).toBe("Xena, renamed");
  });

  it("finds an actor and a public post by URL, fetching them", async () => {
    const actor = await remote.addActor("will");
    const account = await search(actor.id);
    expect(account.body.accounts.map((a: any) => a.acct)).toEqual([`will@${remote.host}`]);

    const note = {
      "@context": MASTODON_CONTEXT,
      id: `${actor.id}/statuses/1`,
      type: "Note",
      attributedTo: actor.id,
      content: "<p>Findable</p>",
      published: new Date().toISOString(),
      to: [PUBLIC],
      cc: [`${actor.id}/followers`],
    };
    remote.serve("/users/will/statuses/1", note);
    const found = await search(note.id);
    expect(found.body.statuses).toHaveLength(1);
    expect(found.body.statuses[0]).toMatchObject({
      uri: note.id,
      content: "<p>Findable</p>",
      account: { acct: `will@${remote.host}` },
    });
  });

  it("does not show a followers-only post it fetched to a viewer who does not follow", async () => {
    const actor = await remote.addActor("vera");
    const note = {
      "@context": MASTODON_CONTEXT,
      id: `${actor.id}/statuses/secret`,
      type: "Note",
      attributedTo: actor.id,
      content: "<p>Secret</p>",
      published: new Date().toISOString(),
      to: [`${actor.id}/followers`],
    };
    remote.serve("/users/vera/statuses/secret", note);
    const res = await search(note.id);
    expect(res.body.statuses).toEqual([]);
  });

  it("refuses a post attributed to an actor of another server", async () => {
    const note = {
      "@context": MASTODON_CONTEXT,
      id: `${remote.origin}/notes/forged`,
      type: "Note",
      attributedTo: "https://victim.example/users/someone",
      content: "<p>Forged</p>",
      to: [PUBLIC],
    };
    remote.serve("/notes/forged", note);
    expect((await search(note.id)).body.statuses).toEqual([]);
  });
});

describe("remote fetch limits", () => {
  it("refuses bodies that are too large and too many redirects, storing nothing", async () => {
    const huge = await remote.addActor("huge");
    huge.document.summary = "x".repeat(MAX_BODY_BYTES + 10);
    expect((await t.json(`/api/v1/accounts/lookup?acct=huge@${remote.host}`)).status).toBe(404);

    for (let i = 0; i < 6; i++) {
      remote.serve(`/hop/${i}`, { status: 302, headers: { location: `/hop/${i + 1}` } });
    }
    remote.serve("/hop/6", {
      "@context": MASTODON_CONTEXT,
      id: `${remote.origin}/hop/6`,
      type: "Note",
    });
    expect((await search(`${remote.origin}/hop/0`)).body).toMatchObject({
      accounts: [],
      statuses: [],
    });
    expect(remote.hits).not.toContain("/hop/6");
  });

  it("refuses loopback and private addresses unless ALLOW_PRIVATE_ADDRESS", async () => {
    const policy = { allowPrivateAddress: false, userAgent: "test" };
    for (const url of [`${remote.origin}/users/zoe`, "http://10.0.0.1/x", "http://[::1]/x"]) {
      await expect(fetchLimited(url, policy, (u) => new Request(u))).rejects.toThrow();
    }
    await expect(
      fetchLimited(
        "file:///etc/passwd",
        { ...policy, allowPrivateAddress: true },
        (u) => new Request(u),
      ),
    ).rejects.toThrow();
  });

  it("does not fetch private addresses for the client API by default", async () => {
    const strict = await createTestInstance();
    const user = await makeUser(strict);
    await remote.addActor("ursula");
    const before = remote.hits.length;
    expect((await strict.json(`/api/v1/accounts/lookup?acct=ursula@${remote.host}`)).status).toBe(
      404,
    );
    const res = await strict.json(
      `/api/v2/search?q=${encodeURIComponent(`${remote.origin}/users/ursula`)}&resolve=true`,
      { token: user.token },
    );
    expect(res.body.accounts).toEqual([]);
    expect(remote.hits.length).toBe(before);
  });
});
