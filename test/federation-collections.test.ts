// An actor's collections and statuses as ActivityPub (src/federation/
// collections.ts, objects.ts, note.ts): followers and following (counts only
// when hidden), the outbox, featured and featured tags, and Notes, of which
// only public and unlisted statuses are ever served.
import { describe, expect, it } from "vitest";
import { follows } from "../src/db/schema/index.ts";
import { newId } from "../src/lib/ids.ts";
import { follow, makeRemoteAccount, makeUser, postStatus, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const AP = { accept: "application/activity+json" };
const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

/** An audience (`to`/`cc`) as a list, the Public collection spelled out (Fedify compacts it to as:Public). */
const audience = (value: unknown): string[] =>
  [value ?? []].flat().map((v) => (v === "as:Public" || v === "Public" ? PUBLIC : String(v)));

async function get(path: string): Promise<{ status: number; body: any; type: string }> {
  const res = await t.request(path, { headers: AP });
  const type = res.headers.get("content-type") ?? "";
  return { status: res.status, type, body: type.includes("json") ? await res.json() : null };
}

/** The collection at `path` and its first page's items. */
async function firstPage(path: string): Promise<{ collection: any; items: any[] }> {
  const { status, body } = await get(path);
  expect(status).toBe(200);
  expect(body.first).toEqual(expect.any(String));
  const page = await get(new URL(body.first).pathname + new URL(body.first).search);
  expect(page.status).toBe(200);
  expect(page.body.type).toBe("OrderedCollectionPage");
  return { collection: body, items: [page.body.orderedItems ?? []].flat() };
}

async function updateProfile(user: TestUser, json: Record<string, unknown>) {
  const res = await t.json("/api/v1/accounts/update_credentials", {
    method: "PATCH",
    token: user.token,
    json,
  });
  expect(res.status).toBe(200);
}

async function apiAccount(user: TestUser) {
  return (await t.json(`/api/v1/accounts/${user.account.id}`)).body;
}

describe("followers and following", () => {
  it("count and list actor URIs, local and remote", async () => {
    const alice = await makeUser(t, { username: "alice" });
    const bob = await makeUser(t, { username: "bob" });
    const carol = await makeUser(t, { username: "carol" });
    const remote = await makeRemoteAccount(t, { username: "rem", domain: "far.example" });
    await follow(t, bob, alice.account.id);
    await follow(t, carol, alice.account.id);
    await follow(t, alice, bob.account.id);
    await t.database.db
      .insert(follows)
      .values({ id: newId(), accountId: remote.id, targetAccountId: alice.account.id });

    const followers = await firstPage("/users/alice/followers");
    expect(followers.collection).toMatchObject({
      id: "https://herd.test/users/alice/followers",
      type: "OrderedCollection",
      totalItems: (await apiAccount(alice)).followers_count,
    });
    expect(followers.items.sort()).toEqual(
      [
        "https://herd.test/users/bob",
        "https://herd.test/users/carol",
        "https://far.example/users/rem",
      ].sort(),
    );

    const following = await firstPage("/users/alice/following");
    expect(following.collection.totalItems).toBe((await apiAccount(alice)).following_count);
    expect(following.items).toEqual(["https://herd.test/users/bob"]);
  });

  it("show only the counts when the account hides its collections", async () => {
    const dora = await makeUser(t, { username: "dora" });
    const eve = await makeUser(t, { username: "eve" });
    await follow(t, eve, dora.account.id);
    await follow(t, dora, eve.account.id);
    await updateProfile(dora, { hide_collections: true });

    for (const name of ["followers", "following"]) {
      const { status, body } = await get(`/users/dora/${name}`);
      expect(status).toBe(200);
      expect(body.totalItems).toBe(1);
      expect(body.first).toBeUndefined();
      expect(body.orderedItems).toBeUndefined();
      expect(JSON.stringify(body)).not.toContain("/users/eve");
      // Nor may a page be asked for directly.
      const page = await get(`/users/dora/${name}?cursor=first`);
      expect(page.status).toBe(404);
      expect(page.type).not.toContain("activity+json");
    }
  });

  it("are not found for unknown accounts", async () => {
    expect((await get("/users/nobody/followers")).status).toBe(404);
    expect((await get("/users/nobody/outbox")).status).toBe(404);
  });
});

describe("statuses as Notes", () => {
  it("serves a public status with Mastodon's properties", async () => {
    const fay = await makeUser(t, { username: "fay" });
    const gus = await makeUser(t, { username: "gus" });
    const parent = await postStatus(t, gus, { status: "Parent" });
    const status = await postStatus(t, fay, {
      status: "Hello @gus, see #Cats",
      in_reply_to_id: parent.id,
      spoiler_text: "cats",
      language: "en",
    });

    const { status: code, type, body } = await get(`/users/fay/statuses/${status.id}`);
    expect(code).toBe(200);
    expect(type).toContain("application/activity+json");
    expect(body).toMatchObject({
      id: status.uri,
      type: "Note",
      attributedTo: "https://herd.test/users/fay",
      url: status.url,
      content: status.content,
      contentMap: { en: status.content },
      summary: "cats",
      sensitive: true,
      inReplyTo: parent.uri,
      published: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    expect(audience(body.to)).toEqual([PUBLIC]);
    expect(audience(body.cc).sort()).toEqual(
      ["https://herd.test/users/fay/followers", "https://herd.test/users/gus"].sort(),
    );
    expect([body.tag].flat()).toEqual(
      expect.arrayContaining([
        { type: "Mention", href: "https://herd.test/users/gus", name: "@gus" },
        { type: "Hashtag", href: "https://herd.test/tags/cats", name: "#cats" },
      ]),
    );
    expect(body.context).toMatch(
      /^tag:herd\.test,\d{4}-\d{2}-\d{2}:objectId=\d+:objectType=Conversation$/,
    );
    expect(body.updated).toBeUndefined();

    // The same Note at the status's web URL.
    const short = await get(`/@fay/${status.id}`);
    expect(short.status).toBe(200);
    expect(short.body.id).toBe(status.uri);
  });

  it("addresses an unlisted status to the followers, with Public in cc", async () => {
    const hal = await makeUser(t, { username: "hal" });
    const status = await postStatus(t, hal, { status: "quiet", visibility: "unlisted" });
    const { body } = await get(`/users/hal/statuses/${status.id}`);
    expect(audience(body.to)).toEqual(["https://herd.test/users/hal/followers"]);
    expect(audience(body.cc)).toEqual([PUBLIC]);
  });

  it("never serves private or direct statuses, boosts, or a status under another account", async () => {
    const ian = await makeUser(t, { username: "ian" });
    const jo = await makeUser(t, { username: "jo" });
    const secret = await postStatus(t, ian, { status: "followers only", visibility: "private" });
    const direct = await postStatus(t, ian, { status: "@jo psst", visibility: "direct" });
    const open = await postStatus(t, jo, { status: "open" });
    const boost = await t.json(`/api/v1/statuses/${open.id}/reblog`, {
      method: "POST",
      token: ian.token,
    });
    expect(boost.status).toBe(200);

    for (const path of [
      `/users/ian/statuses/${secret.id}`,
      `/users/ian/statuses/${direct.id}`,
      `/@ian/${secret.id}`,
      `/users/ian/statuses/${boost.body.id}`,
      `/users/ian/statuses/${open.id}`,
      "/users/ian/statuses/12345",
      "/users/ian/statuses/not-an-id",
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.type, path).not.toContain("activity+json");
    }
  });

  it("leaves browsers to Herd's own routes", async () => {
    const kim = await makeUser(t, { username: "kim" });
    const status = await postStatus(t, kim, { status: "hi" });
    const res = await t.request(`/users/kim/statuses/${status.id}`, {
      headers: { accept: "text/html" },
    });
    expect(res.headers.get("content-type") ?? "").not.toContain("activity+json");
  });
});

describe("outbox", () => {
  it("pages Creates of public and unlisted statuses and Announces of boosts, never private or direct", async () => {
    const lea = await makeUser(t, { username: "lea" });
    const max = await makeUser(t, { username: "max" });
    const pub = await postStatus(t, lea, { status: "public post" });
    const unlisted = await postStatus(t, lea, { status: "unlisted post", visibility: "unlisted" });
    const secret = await postStatus(t, lea, { status: "private post", visibility: "private" });
    const direct = await postStatus(t, lea, { status: "@max direct post", visibility: "direct" });
    const theirs = await postStatus(t, max, { status: "boost me" });
    const boost = await t.json(`/api/v1/statuses/${theirs.id}/reblog`, {
      method: "POST",
      token: lea.token,
    });

    const { collection, items } = await firstPage("/users/lea/outbox");
    expect(collection).toMatchObject({
      id: "https://herd.test/users/lea/outbox",
      type: "OrderedCollection",
      totalItems: (await apiAccount(lea)).statuses_count,
    });
    const text = JSON.stringify(items);
    expect(text).not.toContain(secret.id);
    expect(text).not.toContain(direct.id);
    expect(text).not.toContain("private post");

    // Newest first: the boost, then the unlisted and the public status.
    expect(items.map((i) => i.type)).toEqual(["Announce", "Create", "Create"]);
    expect(items[0]).toMatchObject({
      id: `https://herd.test/users/lea/statuses/${boost.body.id}/activity`,
      actor: "https://herd.test/users/lea",
      object: theirs.uri,
    });
    expect(audience(items[0].to)).toEqual([PUBLIC]);
    expect(audience(items[0].cc)).toEqual(
      expect.arrayContaining([
        "https://herd.test/users/max",
        "https://herd.test/users/lea/followers",
      ]),
    );
    expect(items[1]).toMatchObject({
      id: `${unlisted.uri}/activity`,
      actor: "https://herd.test/users/lea",
      object: { type: "Note", id: unlisted.uri, content: unlisted.content },
    });
    expect(items[2].object.id).toBe(pub.uri);
  });

  it("pages with a next link when there is more", async () => {
    const ned = await makeUser(t, { username: "ned" });
    for (let i = 0; i < 21; i++) await postStatus(t, ned, { status: `post ${i}` });
    const first = await get("/users/ned/outbox?cursor=first");
    expect([first.body.orderedItems].flat()).toHaveLength(20);
    expect(first.body.next).toEqual(expect.any(String));
    const next = new URL(first.body.next);
    const second = await get(next.pathname + next.search);
    const items = [second.body.orderedItems].flat();
    expect(items).toHaveLength(1);
    expect(items[0].object.content).toContain("post 0");
    expect(second.body.next).toBeUndefined();
  });
});

describe("featured and featured tags", () => {
  it("lists pinned public statuses as Notes and featured hashtags", async () => {
    const ola = await makeUser(t, { username: "ola" });
    const pinned = await postStatus(t, ola, { status: "pinned #dogs" });
    const hidden = await postStatus(t, ola, { status: "pinned secret", visibility: "private" });
    for (const s of [pinned, hidden]) {
      const res = await t.json(`/api/v1/statuses/${s.id}/pin`, {
        method: "POST",
        token: ola.token,
      });
      expect(res.status).toBe(200);
    }
    const tag = await t.json("/api/v1/featured_tags", {
      method: "POST",
      token: ola.token,
      json: { name: "Dogs" },
    });
    expect(tag.status).toBe(200);

    const featured = await get("/users/ola/collections/featured");
    expect(featured.status).toBe(200);
    const notes = [featured.body.orderedItems].flat();
    expect(notes).toEqual([expect.objectContaining({ type: "Note", id: pinned.uri })]);
    expect(JSON.stringify(featured.body)).not.toContain("pinned secret");

    const tags = await get("/users/ola/collections/tags");
    expect(tags.status).toBe(200);
    expect([tags.body.orderedItems].flat()).toEqual([
      expect.objectContaining({
        type: "Hashtag",
        href: "https://herd.test/tags/dogs",
        name: "#Dogs",
      }),
    ]);
  });
});
