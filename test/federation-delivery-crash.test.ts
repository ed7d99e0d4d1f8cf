// The delivery queue loses nothing when the process is killed mid-delivery
// (issue P3, Federation): a real Herd server (`node bin/start.js`,
// test/kit/herd-process.ts) delivers to a fake remote server whose inbox
// holds the POSTs without answering; once one has arrived, the server is
// SIGKILLed and started again on the same database and data. The jobs that
// were running are failed by pg-boss's supervisor when their heartbeat stops
// (src/jobs/pg-boss-queue.ts) and run again; the ones still queued simply
// run. Everything is polled for with a deadline, never waited for.
import { signRequest } from "@fedify/fedify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import {
  MASTODON_CONTEXT,
  startFakeRemote,
  type FakeActor,
  type Received,
} from "./kit/fake-remote.ts";
import {
  account,
  killServer,
  ok,
  restartServer,
  startServer,
  stopHerdProcesses,
  until,
  type HerdAccount,
  type HerdServer,
} from "./kit/herd-process.ts";

afterAll(stopHerdProcesses);

/**
 * How long a job killed mid-run may take to run again: its heartbeat lost
 * (20 s), the supervisor's next pass (10 s), the retry's delay (up to 5 s) and
 * a poll (2 s), with room for a loaded machine.
 */
const RECOVERY_MS = 90_000;

/** Signs `activity` as `actor` and POSTs it to `server`'s shared inbox; expects 202. */
async function deliver(
  server: HerdServer,
  actor: FakeActor,
  activity: Record<string, unknown>,
): Promise<void> {
  const request = new Request(`${server.base}/inbox`, {
    method: "POST",
    headers: { "content-type": "application/activity+json" },
    body: JSON.stringify({ "@context": MASTODON_CONTEXT, ...activity }),
  });
  const signed = await signRequest(request, actor.keys.privateKey, new URL(`${actor.id}#main-key`));
  const res = await fetch(signed);
  if (res.status !== 202) throw new Error(`delivery answered ${res.status}: ${await res.text()}`);
}

/** Whether `post` is the Create of the status `uri`. */
function createOf(post: Received, uri: string): boolean {
  const object = post.body.object as { id?: string } | undefined;
  return post.body.type === "Create" && object?.id === uri;
}

describe("a delivery in flight when the server is killed", { timeout: 180_000 }, () => {
  let server: HerdServer;
  let alice: HerdAccount;
  let remote: Awaited<ReturnType<typeof startFakeRemote>>;
  let bob: FakeActor;

  beforeAll(async () => {
    remote = await startFakeRemote();
    bob = await remote.addActor("bob");
    server = await startServer("A");
    alice = await account(server, "alice");
    // bob follows alice: Herd accepts at once (alice is not locked) and delivers the Accept.
    const follow = remote.id();
    await deliver(server, bob, {
      id: follow,
      type: "Follow",
      actor: bob.id,
      object: `${server.base}/users/alice`,
    });
    await until("the Accept of bob's follow", async () =>
      remote.received.some(
        (r) => r.body.type === "Accept" && (r.body.object as { id?: string })?.id === follow,
      ),
    );
  }, 90_000);

  it("is delivered again after a restart, and so is what was still queued", async () => {
    // Until the restart, no Create is answered: the first stays in flight.
    let restarted = false;
    const held: (() => void)[] = [];
    const arrivals: { post: Received; at: number; afterRestart: boolean }[] = [];
    remote.beforeAnswer = (post) => {
      arrivals.push({ post, at: Date.now(), afterRestart: restarted });
      if (restarted || post.body.type !== "Create") return;
      return new Promise<void>((resolve) => held.push(resolve));
    };

    const db = new pg.Client({ connectionString: server.url });
    await db.connect();
    onTestFinished(() => db.end());
    const publish = (status: string) =>
      ok(server, "/api/v1/statuses", { token: alice.token, json: { status } });
    /** The Create of `status` as it first reached bob's inbox. */
    const arrived = (status: { uri: string }, what: string) =>
      until(what, async () => arrivals.find((a) => createOf(a.post, status.uri)));

    // Two deliveries in flight: the server's two outbox workers are both waiting for bob's
    // inbox to answer, so a third delivery waits for a worker: still queued at the kill.
    const first = await publish("First: in flight when the server dies");
    const firstSent = await arrived(first, "the first post's Create at bob's inbox");
    const second = await publish("Second: in flight too");
    const secondSent = await arrived(second, "the second post's Create at bob's inbox");
    const third = await publish("Third: queued when the server dies");
    await until("the third post's delivery queued", async () => {
      const { rows } = await db.query(
        `SELECT 1 FROM pgboss.job
         WHERE name = 'federation.outbox' AND state = 'created' AND strpos(data::text, $1) > 0`,
        [third.uri],
      );
      return rows.length > 0;
    });

    await killServer(server, "SIGKILL");
    const killedAt = Date.now();
    restarted = true;
    for (const release of held) release();
    server = await restartServer(server);

    /** The Create of `status` as it reached bob's inbox after the restart. */
    const redelivered = (status: { uri: string }, what: string) =>
      until(
        what,
        async () => arrivals.find((a) => a.afterRestart && createOf(a.post, status.uri)),
        RECOVERY_MS,
      );
    const firstAgain = await redelivered(first, "the first post's Create delivered again");
    const secondAgain = await redelivered(second, "the second post's Create delivered again");
    await redelivered(third, "the third post's Create");
    // The same activities, not new ones: same ids, same objects, same sender.
    expect(firstAgain.post.body).toEqual(firstSent.post.body);
    expect(secondAgain.post.body).toEqual(secondSent.post.body);
    // Well before pg-boss's expireInSeconds (15 minutes) would have retried them.
    expect(firstAgain.at - killedAt).toBeLessThan(RECOVERY_MS);

    // And the queue settles: every federation job completed, none failed or left behind.
    const states = await until("the federation jobs to settle", async () => {
      const { rows } = await db.query<{ state: string; count: number }>(
        `SELECT state, count(*)::int AS count FROM pgboss.job
         WHERE name LIKE 'federation.%' GROUP BY state`,
      );
      const counts = Object.fromEntries(rows.map((r) => [r.state, r.count]));
      const pending = (counts.created ?? 0) + (counts.retry ?? 0) + (counts.active ?? 0);
      return pending === 0 && counts;
    });
    expect(states).not.toHaveProperty("failed");
    expect(states.completed).toBeGreaterThan(0);
  });
});
