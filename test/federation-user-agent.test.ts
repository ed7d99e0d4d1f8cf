// Every request Herd makes to another server carries Herd's User-Agent,
// `Herd/<version> (+https://<domain>/)`, as Mastodon's Request class sends
// its own: WebFinger lookups, actor, collection and key fetches (Fedify's
// document loaders, remote-fetch.ts), signed fetches (the authenticated
// loader) and deliveries (delivery-user-agent.ts).
import { describe, expect, it } from "vitest";
import { HERD_VERSION } from "../src/domain/instance/software.ts";
import { PUBLIC, startFakeRemote } from "./kit/fake-remote.ts";
import { follow, makeUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance({ env: { ALLOW_PRIVATE_ADDRESS: "true" } });
const remote = await startFakeRemote();
const alice = await makeUser(t, { username: "alice" });

const USER_AGENT = `Herd/${HERD_VERSION} (+https://herd.test/)`;

describe("Herd's User-Agent", () => {
  it("is on every request to another server: lookups, fetches, signed fetches and deliveries", async () => {
    const actor = await remote.addActor("agent");
    // WebFinger, the actor and its collections.
    const found = await t.json(`/api/v1/accounts/lookup?acct=agent@${remote.host}`);
    expect(found.status).toBe(200);
    // A delivery (Follow), through the outbox queue.
    await follow(t, alice, found.body.id);
    await t.drainJobs();
    // A post delivered by reference: fetched with the instance actor's signature.
    const noteId = `${actor.id}/statuses/1`;
    remote.serve(new URL(noteId).pathname, {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: noteId,
      type: "Note",
      attributedTo: actor.id,
      content: "<p>By reference</p>",
      to: [PUBLIC],
    });
    await remote.deliverAndRun(t, actor, {
      id: `${noteId}/activity`,
      type: "Create",
      actor: actor.id,
      to: [PUBLIC],
      object: noteId,
    });

    const requests = remote.requests;
    expect(requests.some((r) => r.path.startsWith("/.well-known/webfinger"))).toBe(true);
    expect(requests.some((r) => r.method === "GET" && r.path === new URL(actor.id).pathname)).toBe(
      true,
    );
    expect(requests.some((r) => r.method === "GET" && r.headers.signature)).toBe(true);
    const deliveries = requests.filter((r) => r.method === "POST");
    expect(deliveries.length).toBeGreaterThan(0);
    for (const r of requests) {
      expect({ request: `${r.method} ${r.path}`, userAgent: r.headers["user-agent"] }).toEqual({
        request: `${r.method} ${r.path}`,
        userAgent: USER_AGENT,
      });
    }
  });
});
