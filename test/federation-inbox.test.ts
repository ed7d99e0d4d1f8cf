// The inboxes (src/federation/inbox.ts): Fedify verifies every POST's HTTP
// Signature against the sender's key, fetched from its actor document (here
// served by a real HTTP listener on loopback, which ALLOW_PRIVATE_ADDRESS lets
// Herd fetch). Unsigned, badly signed or spoofed deliveries are refused with
// 401 and leave nothing behind; a verified one is queued as a job and 202.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { signedHeaders as sign, startFakeRemote, type KeyPair } from "./kit/fake-remote.ts";
import { makeUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance({ env: { ALLOW_PRIVATE_ADDRESS: "true" } });
await makeUser(t, { username: "alice" });

/** A remote server on loopback: actors with their public keys. */
const remote = await startFakeRemote();
const sender = await remote.addActor("actor");
const other = await remote.addActor("other");
const remoteKeys = sender.keys;
const otherKeys = other.keys;

/** A Follow of alice by `actorPath` (on the loopback server). */
function followActivity(actorPath = "/actor") {
  return {
    "@context": "https://www.w3.org/ns/activitystreams",
    id: remote.id(),
    type: "Follow",
    actor: `${remote.origin}/users${actorPath}`,
    object: "https://herd.test/users/alice",
  };
}

/** The headers of a POST of `body` to `path`, signed with `keys` as `keyOwner`'s main key. */
function signedHeaders(
  path: string,
  body: string,
  keys: KeyPair,
  keyOwner = "/actor",
): Promise<Record<string, string>> {
  return sign(path, body, keys, `${remote.origin}/users${keyOwner}#main-key`);
}

async function inboxJobs(): Promise<number> {
  const result = await t.database.db.execute<{ n: number }>(
    sql`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'federation.inbox'`,
  );
  return result.rows[0]!.n;
}

async function storedTraces(): Promise<{ kv: number; follows: number; accounts: number }> {
  const result = await t.database.db.execute<{ kv: number; follows: number; accounts: number }>(
    sql`SELECT (SELECT count(*)::int FROM federation_kv WHERE key[2] = 'activityIdempotence') AS kv,
      (SELECT count(*)::int FROM follows) AS follows,
      (SELECT count(*)::int FROM follow_requests) + (SELECT count(*)::int FROM accounts) AS accounts`,
  );
  return result.rows[0]!;
}

/** POSTs a delivery and checks that it was refused with 401 and left nothing behind. */
async function expectRefused(path: string, body: string, headers: Record<string, string>) {
  const jobsBefore = await inboxJobs();
  const before = await storedTraces();
  const res = await t.request(path, { method: "POST", body, headers });
  expect(res.status).toBe(401);
  expect(res.headers.get("content-type")).toContain("application/json");
  expect(await res.json()).toEqual({ error: expect.any(String) });
  expect(await inboxJobs()).toBe(jobsBefore);
  expect(await storedTraces()).toEqual(before);
  expect(await t.drainJobs()).toBe(0);
}

describe("POST /users/:username/inbox and /inbox", () => {
  it("refuses an unsigned delivery with 401 and no side effects", async () => {
    const body = JSON.stringify(followActivity());
    await expectRefused("/users/alice/inbox", body, {
      "content-type": "application/activity+json",
    });
    await expectRefused("/inbox", body, { "content-type": "application/activity+json" });
  });

  it("refuses a delivery signed with a key that is not the sender's", async () => {
    const body = JSON.stringify(followActivity());
    // Signed with another key, claiming the remote actor's key id.
    const headers = await signedHeaders("/users/alice/inbox", body, otherKeys, "/actor");
    await expectRefused("/users/alice/inbox", body, headers);
  });

  it("refuses a delivery whose body was changed after signing", async () => {
    const body = JSON.stringify(followActivity());
    const headers = await signedHeaders("/users/alice/inbox", body, remoteKeys);
    const tampered = body.replace("Follow", "Block");
    await expectRefused("/users/alice/inbox", tampered, headers);
  });

  it("refuses an activity whose actor is not the signer", async () => {
    // Signed correctly by /other, but claiming to come from /actor.
    const body = JSON.stringify(followActivity("/actor"));
    const headers = await signedHeaders("/users/alice/inbox", body, otherKeys, "/other");
    await expectRefused("/users/alice/inbox", body, headers);
  });

  it("accepts a correctly signed delivery, queues it and runs it as a job", async () => {
    for (const path of ["/users/alice/inbox", "/inbox"]) {
      const body = JSON.stringify(followActivity());
      const headers = await signedHeaders(path, body, remoteKeys);
      const before = await inboxJobs();
      const traces = await storedTraces();
      const res = await t.request(path, { method: "POST", body, headers });
      expect(res.status, path).toBe(202);
      expect(await inboxJobs()).toBe(before + 1);
      expect(await t.drainJobs()).toBeGreaterThanOrEqual(1);
      // Processed once (Fedify records it against redelivery): alice, not
      // locked, is followed (the second Follow finds the follow made).
      const after = await storedTraces();
      expect(after.kv).toBe(traces.kv + 1);
      expect(after.follows).toBe(1);
    }
  });

  it("answers 404 for the inbox of an unknown account", async () => {
    const body = JSON.stringify(followActivity());
    const headers = await signedHeaders("/users/nobody/inbox", body, remoteKeys);
    const before = await inboxJobs();
    const res = await t.request("/users/nobody/inbox", { method: "POST", body, headers });
    expect(res.status).toBe(404);
    expect(await inboxJobs()).toBe(before);
  });
});
