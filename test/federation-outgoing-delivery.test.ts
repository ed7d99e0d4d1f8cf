// Delivery itself (src/federation/outbox/send.ts, delivery-queue.ts,
// delivery-failures.ts): one delivery per shared inbox, retries of a failing
// inbox queued with back-off, hosts failing for a week skipped until they
// answer again; and the activity of a status at `<status uri>/activity`.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { receiveFollow } from "../src/domain/graph/remote-follows.ts";
import { createDeliveryFailures, FAILURE_DAYS } from "../src/federation/delivery-failures.ts";
import { ofType, remoteAccountAt, startFakeInbox } from "./kit/fake-inbox.ts";
import { startFakeRemote } from "./kit/fake-remote.ts";
import { makeUser, postStatus } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance({ env: { ALLOW_PRIVATE_ADDRESS: "true" } });
const alice = await makeUser(t, { username: "alice" });
const ALICE = "https://herd.test/users/alice";
const failures = createDeliveryFailures(t.database.db);

/** A remote account on `inbox`'s server following alice. */
async function followerAt(inbox: { origin: string }, username: string, shared = true) {
  const row = await remoteAccountAt(t, inbox, username, `${username}.example`, { shared });
  const outcome = await receiveFollow(t.deps.database.db, row.id, alice.account.id, null);
  expect(outcome.kind).toBe("accepted");
  return row;
}

async function post(status: string) {
  const posted = await postStatus(t, alice, { status, visibility: "public" });
  await t.drainJobs();
  return posted;
}

async function failureDays(host: string): Promise<string[] | null> {
  const result = await t.database.db.execute<{ days: string[] }>(
    sql`SELECT failure_days::text[] AS days FROM delivery_failures WHERE host = ${host}`,
  );
  return result.rows[0]?.days ?? null;
}

describe("shared inboxes", () => {
  it("delivers once to a server whatever the number of its followers", async () => {
    const server = await startFakeInbox();
    await followerAt(server, "one");
    await followerAt(server, "two");
    await post("To everyone on one server");
    const creates = ofType(server.received, "Create");
    expect(creates).toHaveLength(1);
    expect(creates[0]!.path).toBe("/inbox");
  });

  it("delivers to each personal inbox when the server has no shared one", async () => {
    const server = await startFakeInbox();
    await followerAt(server, "three", false);
    await followerAt(server, "four", false);
    await post("To each inbox");
    expect(
      ofType(server.received, "Create")
        .map((r) => r.path)
        .sort(),
    ).toEqual(["/users/four/inbox", "/users/three/inbox"]);
  });
});

describe("a failing inbox", () => {
  it("queues a retry with back-off, counts the failure, and delivers when the retry runs", async () => {
    const server = await startFakeInbox(500);
    await followerAt(server, "flaky");
    const status = await post("Will this arrive?");
    // (Fedify knocks twice, RFC 9421 then draft-cavage signatures, on a refusal.)
    expect(ofType(server.received, "Create").length).toBeGreaterThan(0);
    server.received.length = 0;

    // Fedify queued the delivery again, for later: not lost.
    const retries = await t.database.db.execute<{ attempt: number; later: boolean }>(sql`
      SELECT (data -> 'message' ->> 'attempt')::int AS attempt, start_after > now() AS later
      FROM pgboss.job WHERE name = 'federation.outbox' AND state = 'created'
        AND data -> 'message' ->> 'inbox' = ${`${server.origin}/inbox`}`);
    expect(retries.rows).toEqual([{ attempt: 1, later: true }]);
    expect(await failureDays(server.host)).toHaveLength(1);

    // The server recovers and the retry comes due: delivered, the failure forgotten.
    server.status = 202;
    await t.database.db.execute(sql`UPDATE pgboss.job SET start_after = now()
      WHERE name = 'federation.outbox' AND state = 'created'
        AND data -> 'message' ->> 'inbox' = ${`${server.origin}/inbox`}`);
    await t.drainJobs();
    const creates = ofType(server.received, "Create");
    expect(creates).toHaveLength(1);
    expect(creates[0]!.body.id).toBe(`${ALICE}/statuses/${status.id}/activity`);
    expect(await failureDays(server.host)).toBeNull();
  });

  it("does not retry a refusal Mastodon treats as final, and counts the host as up", async () => {
    const server = await startFakeInbox(403);
    await followerAt(server, "refuser");
    await failures.recordFailure(server.host, "2020-01-01");
    await post("Refused");
    expect(ofType(server.received, "Create").length).toBeGreaterThan(0);
    const retries = await t.database.db.execute(sql`SELECT 1 FROM pgboss.job
      WHERE name = 'federation.outbox' AND state = 'created'
        AND data -> 'message' ->> 'inbox' = ${`${server.origin}/inbox`}`);
    expect(retries.rows).toEqual([]);
    expect(await failureDays(server.host)).toBeNull();
  });
});

describe("unavailable hosts", () => {
  it("become unavailable after failures on seven distinct days", async () => {
    const host = "nowhere.example";
    for (let day = 1; day < FAILURE_DAYS; day++) {
      expect(await failures.recordFailure(host, `2024-01-0${day}`)).toBe(false);
    }
    // The same day again counts once.
    expect(await failures.recordFailure(host, "2024-01-01")).toBe(false);
    expect(await failures.isUnavailable(host)).toBe(false);
    expect(await failures.recordFailure(host, "2024-01-07")).toBe(true);
    expect(await failures.isUnavailable(host)).toBe(true);
    await failures.recordSuccess(host);
    expect(await failures.isUnavailable(host)).toBe(false);
  });

  it("are skipped until they send an activity again", async () => {
    const remote = await startFakeRemote();
    const olga = await remote.addActor("olga");
    await remote.deliverAndRun(t, olga, {
      id: remote.id(),
      type: "Follow",
      actor: olga.id,
      object: ALICE,
    });
    for (let day = 1; day <= FAILURE_DAYS; day++) {
      await failures.recordFailure(remote.host, `2024-02-0${day}`);
    }
    remote.received.length = 0;
    await post("Nobody home");
    expect(remote.received).toEqual([]);
    // Skipped, not queued again.
    const pending = await t.database.db.execute(sql`SELECT 1 FROM pgboss.job
      WHERE name = 'federation.outbox' AND state = 'created'
        AND data -> 'message' ->> 'inbox' = ${`${remote.origin}/inbox`}`);
    expect(pending.rows).toEqual([]);

    // An activity from the host shows it is back.
    await remote.deliverAndRun(t, olga, {
      id: remote.id(),
      type: "Follow",
      actor: olga.id,
      object: ALICE,
    });
    expect(await failures.isUnavailable(remote.host)).toBe(false);
    remote.received.length = 0;
    await post("Welcome back");
    expect(ofType(remote.received, "Create")).toHaveLength(1);
  });
});

describe("a status's activity", () => {
  const as = { headers: { accept: "application/activity+json" } };

  it("serves the Create of a public status and the Announce of a boost, not a private one", async () => {
    const status = await postStatus(t, alice, { status: "Activity", visibility: "public" });
    const create = await t.json(`/users/alice/statuses/${status.id}/activity`, as);
    expect(create.status).toBe(200);
    expect(create.body).toMatchObject({
      id: `${ALICE}/statuses/${status.id}/activity`,
      type: "Create",
      actor: ALICE,
      object: { id: `${ALICE}/statuses/${status.id}`, type: "Note" },
    });

    const bob = await makeUser(t, { username: "bob" });
    const boost = await t.json(`/api/v1/statuses/${status.id}/reblog`, {
      method: "POST",
      token: bob.token,
    });
    const announce = await t.json(`/users/bob/statuses/${boost.body.id}/activity`, as);
    expect(announce.body).toMatchObject({
      id: `https://herd.test/users/bob/statuses/${boost.body.id}/activity`,
      type: "Announce",
      object: `${ALICE}/statuses/${status.id}`,
    });

    const secret = await postStatus(t, alice, { status: "Secret", visibility: "private" });
    const hidden = await t.request(`/users/alice/statuses/${secret.id}/activity`, as);
    expect(hidden.status).toBe(404);
    // Another account's path does not serve it either.
    expect((await t.request(`/users/bob/statuses/${status.id}/activity`, as)).status).toBe(404);
  });
});
