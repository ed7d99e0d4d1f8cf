// Actor documents (src/federation/actor.ts): the shape Mastodon's
// ActivityPub::ActorSerializer gives, both keys, content negotiation on
// /users/:username and /@:username, and the instance actor at /actor.
import { createPublicKey } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.ts";
import { accounts } from "../src/db/schema/index.ts";
import { makeRemoteAccount, makeUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();

const AP = { accept: "application/activity+json" };
const LD = { accept: 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"' };

async function actor(path: string, headers: Record<string, string> = AP) {
  const res = await t.request(path, { headers });
  const type = res.headers.get("content-type") ?? "";
  const body = type.includes("json") ? await res.json() : await res.text();
  return { status: res.status, type, body: body as any };
}

async function keyRows(accountId: string | null): Promise<number> {
  const result = await t.database.db.execute<{ n: number }>(
    sql`SELECT count(*)::int AS n FROM actor_keys WHERE account_id IS NOT DISTINCT FROM ${accountId}::bigint`,
  );
  return result.rows[0]!.n;
}

describe("GET /users/:username as ActivityPub", () => {
  it("is the account's Person with its profile and collections", async () => {
    const alice = await makeUser(t, { username: "alice" });
    const updated = await t.json("/api/v1/accounts/update_credentials", {
      method: "PATCH",
      token: alice.token,
      json: {
        display_name: "Alice Liddell",
        note: "Down the #rabbit hole",
        locked: true,
        discoverable: true,
        indexable: true,
        fields_attributes: [{ name: "Home", value: "https://example.com" }],
      },
    });
    expect(updated.status).toBe(200);

    const { status, type, body } = await actor("/users/alice");
    expect(status).toBe(200);
    expect(type).toContain("application/activity+json");
    expect(body["@context"]).toContain("https://www.w3.org/ns/activitystreams");
    expect(body).toMatchObject({
      id: "https://herd.test/users/alice",
      type: "Person",
      preferredUsername: "alice",
      name: "Alice Liddell",
      summary: updated.body.note,
      url: "https://herd.test/@alice",
      manuallyApprovesFollowers: true,
      discoverable: true,
      indexable: true,
      memorial: false,
      inbox: "https://herd.test/users/alice/inbox",
      outbox: "https://herd.test/users/alice/outbox",
      followers: "https://herd.test/users/alice/followers",
      following: "https://herd.test/users/alice/following",
      featured: "https://herd.test/users/alice/collections/featured",
      featuredTags: "https://herd.test/users/alice/collections/tags",
      endpoints: { sharedInbox: "https://herd.test/inbox" },
    });
    expect(body.summary).toContain("rabbit");
    // Mastodon publishes the day the account was made, at midnight UTC.
    expect(body.published).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00Z$/);
    const fields = [body.attachment].flat();
    expect(fields).toEqual([expect.objectContaining({ type: "PropertyValue", name: "Home" })]);
    expect(fields[0].value).toContain("https://example.com");
    expect(body.suspended).toBeUndefined();
    expect(body.movedTo).toBeUndefined();
  });

  it("sends an empty display name as it is, and the accounts it is also known as", async () => {
    const fay = await makeUser(t, { username: "fay" });
    await t.database.db
      .update(accounts)
      .set({ displayName: "", alsoKnownAs: ["https://old.example/users/fay"] })
      .where(eq(accounts.id, fay.account.id));
    const body = (await actor("/users/fay")).body;
    expect(body.name).toBe("");
    expect([body.alsoKnownAs].flat()).toEqual(["https://old.example/users/fay"]);
  });

  it("tags the local custom emojis its name, bio and fields use", async () => {
    const image = (code: string) => `custom_emojis/images/000/000/001/original/${code}.png`;
    await t.database.db.execute(sql`INSERT INTO custom_emojis
        (id, shortcode, domain, image_url, static_image_url, disabled)
      VALUES (101, 'blob', NULL, ${image("blob")}, ${image("blob")}, false),
        (102, 'wave', NULL, ${image("wave")}, ${image("wave")}, false),
        (103, 'star', NULL, ${image("star")}, ${image("star")}, false),
        (104, 'unused', NULL, ${image("unused")}, ${image("unused")}, false),
        (105, 'off', NULL, ${image("off")}, ${image("off")}, true),
        (106, 'theirs', 'remote.example', 'https://remote.example/e.png',
          'https://remote.example/e.png', false)`);
    const gil = await makeUser(t, { username: "gil" });
    await t.database.db
      .update(accounts)
      .set({
        displayName: "Gil :blob: :off: :theirs:",
        note: "<p>Hi :wave: :blob:</p>",
        fields: [{ name: "Site :star:", value: "x", verified_at: null }],
      })
      .where(eq(accounts.id, gil.account.id));
    const body = (await actor("/users/gil")).body;
    const tags = [body.tag].flat();
    expect(tags.map((e: { name: string }) => e.name)).toEqual([":wave:", ":blob:", ":star:"]);
    expect(tags[1]).toMatchObject({
      id: "https://herd.test/emojis/101",
      type: "Emoji",
      icon: {
        type: "Image",
        mediaType: "image/png",
        url: `https://herd.test/system/${image("blob")}`,
      },
    });
    expect(tags[1].updated).toMatch(/Z$/);
  });

  it("has an RSA-2048 publicKey and both keys as Multikeys, the same on every request", async () => {
    const bob = await makeUser(t, { username: "bob" });
    const first = (await actor("/users/bob")).body;
    const second = (await actor("/users/bob")).body;

    expect(first.publicKey).toMatchObject({
      id: "https://herd.test/users/bob#main-key",
      type: "CryptographicKey",
      owner: "https://herd.test/users/bob",
    });
    const rsa = createPublicKey(first.publicKey.publicKeyPem);
    expect(rsa.asymmetricKeyType).toBe("rsa");
    expect(rsa.asymmetricKeyDetails?.modulusLength).toBe(2048);

    const multikeys = [first.assertionMethod].flat();
    expect(multikeys).toHaveLength(2);
    for (const key of multikeys) {
      expect(key).toMatchObject({ type: "Multikey", controller: "https://herd.test/users/bob" });
    }
    // Multibase prefixes: z4MX… an RSA key, z6Mk… an Ed25519 key.
    expect(multikeys.map((k: any) => k.publicKeyMultibase.slice(0, 4)).sort()).toEqual([
      "z4MX",
      "z6Mk",
    ]);

    expect(second.publicKey).toEqual(first.publicKey);
    expect(second.assertionMethod).toEqual(first.assertionMethod);
    expect(await keyRows(bob.account.id)).toBe(1);
  });

  it("makes an actor's keys once, even when first asked for by several requests at once", async () => {
    const carol = await makeUser(t, { username: "carol" });
    const bodies = await Promise.all(
      Array.from({ length: 4 }, () => actor("/users/carol").then((r) => r.body)),
    );
    const pems = new Set(bodies.map((b) => b.publicKey.publicKeyPem));
    expect(pems.size).toBe(1);
    expect(await keyRows(carol.account.id)).toBe(1);
  });

  it("answers the ActivityStreams JSON-LD media type and /@username too", async () => {
    await makeUser(t, { username: "dinah" });
    const ld = await actor("/users/dinah", LD);
    expect(ld.status).toBe(200);
    expect(ld.body.id).toBe("https://herd.test/users/dinah");
    const short = await actor("/@dinah", AP);
    expect(short.status).toBe(200);
    expect(short.body.id).toBe("https://herd.test/users/dinah");
    // Any case finds the account; the document names it as it is.
    const upper = await actor("/users/DINAH", AP);
    expect(upper.status).toBe(200);
    expect(upper.body.id).toBe("https://herd.test/users/dinah");
  });

  it("leaves other requests to Herd's own routes (no ActivityPub JSON for a browser)", async () => {
    await makeUser(t, { username: "edith" });
    const asked: Record<string, string>[] = [{}, { accept: "text/html" }];
    for (const headers of asked) {
      const res = await t.request("/users/edith", { headers });
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).not.toContain("activity+json");
    }
    const profile = await t.request("/@edith", { headers: { accept: "text/html" } });
    expect(profile.headers.get("content-type") ?? "").not.toContain("activity+json");
  });

  it("is a Service for a bot", async () => {
    const bot = await makeUser(t, { username: "robot" });
    await t.json("/api/v1/accounts/update_credentials", {
      method: "PATCH",
      token: bot.token,
      json: { bot: true },
    });
    const { body } = await actor("/users/robot");
    expect(body.type).toBe("Service");
    expect(body.preferredUsername).toBe("robot");
  });

  it("names the account it moved to", async () => {
    const mover = await makeUser(t, { username: "mover" });
    const target = await makeRemoteAccount(t, { username: "newhome", domain: "new.example" });
    await t.database.db.execute(
      sql`UPDATE accounts SET moved_to_account_id = ${target.id} WHERE id = ${mover.account.id}`,
    );
    const { body } = await actor("/users/mover");
    expect(body.movedTo).toBe("https://new.example/users/newhome");
  });

  it("shows a suspended account as suspended, without its profile", async () => {
    const frank = await makeUser(t, { username: "frank" });
    await t.json("/api/v1/accounts/update_credentials", {
      method: "PATCH",
      token: frank.token,
      json: {
        display_name: "Frank",
        note: "secret bio",
        fields_attributes: [{ name: "a", value: "b" }],
      },
    });
    await t.database.db.execute(
      sql`UPDATE accounts SET suspended_at = now() WHERE id = ${frank.account.id}`,
    );
    const { status, body } = await actor("/users/frank");
    expect(status).toBe(200);
    expect(body).toMatchObject({ suspended: true, name: "frank", summary: "" });
    expect(body.attachment).toBeUndefined();
    expect(JSON.stringify(body)).not.toContain("secret bio");
  });

  it("does not know unknown accounts, unconfirmed users or remote accounts", async () => {
    await makeUser(t, { username: "pending", confirmed: false });
    const remote = await makeRemoteAccount(t, { username: "faraway" });
    for (const path of ["/users/nobody", "/users/pending", `/users/${remote.username}`]) {
      const res = await t.request(path, { headers: AP });
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type") ?? "").not.toContain("activity+json");
    }
  });
});

describe("GET /actor", () => {
  it("is the instance actor, an Application named after the domain, with its own keys", async () => {
    const { status, body } = await actor("/actor");
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: "https://herd.test/actor",
      type: "Application",
      preferredUsername: "herd.test",
      manuallyApprovesFollowers: true,
      url: "https://herd.test/about/more?instance_actor=true",
      endpoints: { sharedInbox: "https://herd.test/inbox" },
      publicKey: { id: "https://herd.test/actor#main-key", owner: "https://herd.test/actor" },
    });
    expect([body.assertionMethod].flat()).toHaveLength(2);
    const again = (await actor("/actor")).body;
    expect(again.publicKey.publicKeyPem).toBe(body.publicKey.publicKeyPem);
    expect(await keyRows(null)).toBe(1);
  });
});

describe("LOCAL_HTTPS", () => {
  it("defaults to http only for localhost names", () => {
    const base = { DATA_DIR: "/tmp/unused" };
    expect(parseConfig({ ...base, LOCAL_DOMAIN: "localhost:3001" }).protocol).toBe("http:");
    expect(parseConfig({ ...base, LOCAL_DOMAIN: "a.localhost" }).protocol).toBe("http:");
    expect(parseConfig({ ...base, LOCAL_DOMAIN: "social.example" }).protocol).toBe("https:");
    expect(
      parseConfig({ ...base, LOCAL_DOMAIN: "localhost:3001", LOCAL_HTTPS: "true" }).protocol,
    ).toBe("https:");
    expect(
      parseConfig({ ...base, LOCAL_DOMAIN: "social.example", LOCAL_HTTPS: "false" }).protocol,
    ).toBe("http:");
    expect(parseConfig(base).allowPrivateAddress).toBe(false);
    expect(parseConfig({ ...base, ALLOW_PRIVATE_ADDRESS: "true" }).allowPrivateAddress).toBe(true);
  });
});
