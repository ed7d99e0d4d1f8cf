// WebFinger (https://docs.joinmastodon.org/spec/webfinger/), served by Fedify
// from Herd's actors: acct: and URL resources, the links Mastodon gives, and
// a LOCAL_DOMAIN that differs from WEB_DOMAIN.
import { describe, expect, it } from "vitest";
import { makeUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const split = await createTestInstance({
  env: { LOCAL_DOMAIN: "herd.test", WEB_DOMAIN: "social.herd.test" },
});
const ported = await createTestInstance({ env: { LOCAL_DOMAIN: "herd.test:8443" } });

await makeUser(t, { username: "alice" });
await makeUser(split, { username: "alice" });

const finger = (instance: typeof t, resource: string) =>
  instance.request(`/.well-known/webfinger?resource=${encodeURIComponent(resource)}`);

async function fingerJson(instance: typeof t, resource: string) {
  const res = await finger(instance, resource);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("application/jrd+json");
  return (await res.json()) as any;
}

describe("GET /.well-known/webfinger", () => {
  it("finds acct:user@LOCAL_DOMAIN with the self, profile page and subscribe links", async () => {
    const body = await fingerJson(t, "acct:alice@herd.test");
    expect(body.subject).toBe("acct:alice@herd.test");
    expect(body.aliases).toContain("https://herd.test/users/alice");
    expect(body.links).toEqual(
      expect.arrayContaining([
        {
          rel: "self",
          type: "application/activity+json",
          href: "https://herd.test/users/alice",
        },
        { rel: "http://webfinger.net/rel/profile-page", href: "https://herd.test/@alice" },
        {
          rel: "http://ostatus.org/schema/1.0/subscribe",
          template: "https://herd.test/authorize_interaction?uri={uri}",
        },
      ]),
    );
  });

  it("is readable from any origin", async () => {
    const res = await t.request("/.well-known/webfinger?resource=acct:alice@herd.test", {
      headers: { origin: "https://app.example" },
    });
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("finds the actor URI and the profile URL, naming the acct: handle", async () => {
    for (const resource of ["https://herd.test/users/alice", "https://herd.test/@alice"]) {
      const body = await fingerJson(t, resource);
      expect(body.subject).toBe(resource);
      expect(body.aliases).toContain("acct:alice@herd.test");
      expect(body.links).toContainEqual({
        rel: "self",
        type: "application/activity+json",
        href: "https://herd.test/users/alice",
      });
    }
  });

  it("finds a username in any case, linking to the account as it is", async () => {
    const body = await fingerJson(t, "acct:ALICE@herd.test");
    expect(body.links).toContainEqual(
      expect.objectContaining({ rel: "self", href: "https://herd.test/users/alice" }),
    );
  });

  it("finds the instance actor by its domain", async () => {
    const body = await fingerJson(t, "acct:herd.test@herd.test");
    expect(body.links).toContainEqual({
      rel: "self",
      type: "application/activity+json",
      href: "https://herd.test/actor",
    });
  });

  it("answers 404 for unknown, hidden and foreign resources", async () => {
    await makeUser(t, { username: "unconfirmed", confirmed: false });
    for (const resource of [
      "acct:nobody@herd.test",
      "acct:unconfirmed@herd.test",
      "acct:alice@elsewhere.example",
      "https://herd.test/users/nobody",
      "https://elsewhere.example/@alice",
    ]) {
      const res = await finger(t, resource);
      expect(res.status, resource).toBe(404);
    }
  });

  it("answers 400 without a resource", async () => {
    const res = await t.request("/.well-known/webfinger");
    expect(res.status).toBe(400);
  });

  it("keeps host-meta pointing at it", async () => {
    const res = await t.request("/.well-known/host-meta");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("https://herd.test/.well-known/webfinger?resource={uri}");
  });
});

describe("LOCAL_DOMAIN ≠ WEB_DOMAIN", () => {
  it("takes handles on LOCAL_DOMAIN and links to URLs on WEB_DOMAIN", async () => {
    const body = await fingerJson(split, "acct:alice@herd.test");
    expect(body.subject).toBe("acct:alice@herd.test");
    expect(body.links).toContainEqual({
      rel: "self",
      type: "application/activity+json",
      href: "https://social.herd.test/users/alice",
    });
    expect(body.links).toContainEqual({
      rel: "http://webfinger.net/rel/profile-page",
      href: "https://social.herd.test/@alice",
    });
  });

  it("also takes handles on WEB_DOMAIN, answering with the LOCAL_DOMAIN one", async () => {
    const body = await fingerJson(split, "acct:alice@social.herd.test");
    expect(body.subject).toBe("acct:alice@herd.test");
    expect(body.aliases).toContain("acct:alice@social.herd.test");
  });

  it("serves actor documents with WEB_DOMAIN ids and the LOCAL_DOMAIN instance actor", async () => {
    const res = await split.request("/users/alice", {
      headers: { accept: "application/activity+json" },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.id).toBe("https://social.herd.test/users/alice");
    expect(body.inbox).toBe("https://social.herd.test/users/alice/inbox");
    const instance = await fingerJson(split, "acct:herd.test@herd.test");
    expect(instance.links).toContainEqual(
      expect.objectContaining({ rel: "self", href: "https://social.herd.test/actor" }),
    );
  });
});

describe("an instance actor on a domain with a port", () => {
  it("is mastodon.internal, found by that name and by its domain", async () => {
    // Another server takes no colon in a username (Mastodon's Account.representative).
    const res = await ported.request("/actor", {
      headers: { accept: "application/activity+json" },
    });
    expect(res.status).toBe(200);
    const actor = (await res.json()) as any;
    expect(actor).toMatchObject({
      id: "https://herd.test:8443/actor",
      preferredUsername: "mastodon.internal",
      name: "herd.test:8443",
    });
    for (const resource of [
      "acct:mastodon.internal@herd.test:8443",
      "acct:herd.test:8443@herd.test:8443",
    ]) {
      const body = await fingerJson(ported, resource);
      expect(body.links).toContainEqual({
        rel: "self",
        type: "application/activity+json",
        href: "https://herd.test:8443/actor",
      });
      expect(body.links.map((l: { rel: string }) => l.rel)).not.toContain(
        "http://ostatus.org/schema/1.0/subscribe",
      );
    }
  });
});
