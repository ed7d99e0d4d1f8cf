// The streams go before the fan-out (src/streaming/dispatcher.ts, delivered;
// src/domain/timelines/jobs.ts): the fan-out job of a local status waits
// until this process's home streams have been sent it, waiting for its event
// if need be, at most a bounded time, and not at all when no home stream is
// open or the status came from elsewhere.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { statuses } from "../src/db/schema/index.ts";
import { emit } from "../src/domain/events/emit.ts";
import { homeStatusOf } from "../src/domain/timelines/home-status.ts";
import { feedJobHandlers, FEED_JOBS } from "../src/domain/timelines/jobs.ts";
import { newId } from "../src/lib/ids.ts";
import { homeFeedIds, insertStatus } from "./kit/direct-statuses.ts";
import { follow, makeUser, postStatus } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import { listen, socket, type TestSocket } from "./kit/streaming.ts";

const t = await createTestInstance();
const server = await listen(t);

async function homeStream(token: string): Promise<TestSocket> {
  const ws = await socket(server.ws, { token });
  ws.send({ type: "subscribe", stream: "user" });
  await server.idle();
  // The subscription is in place once an unknown stream's error comes back after it.
  ws.send({ type: "subscribe", stream: "barrier" });
  expect(await ws.next()).toEqual({ error: "Unknown stream type", status: 400 });
  return ws;
}

const elapsed = async (p: Promise<unknown>) => {
  const started = performance.now();
  await p;
  return performance.now() - started;
};

describe("the streams before the fan-out", () => {
  it("does not wait while no home stream is open here", async () => {
    expect(await elapsed(server.streaming.delivered("123", 5_000))).toBeLessThan(1_000);
  });

  it("waits for the status to be sent, heard after the wait began", async () => {
    const author = await makeUser(t);
    const reader = await makeUser(t);
    await follow(t, reader, author.account.id);
    const ws = await homeStream(reader.token);
    const posted = await postStatus(t, author, { status: "live first" });
    expect(await ws.next()).toMatchObject({ event: "update", body: { id: posted.id } });
    // Asked after it was sent: at once.
    expect(await elapsed(server.streaming.delivered(posted.id, 5_000))).toBeLessThan(1_000);

    // Asked before its event exists (sent on commit), as a job that ran first would.
    const [row] = await t.database.db.select().from(statuses).where(eq(statuses.id, posted.id));
    let waiting: Promise<number> | null = null;
    // Through the handle that publishes events (t.deps'), as the domain's writes are.
    await t.deps.database.db.transaction(async (tx) => {
      await emit(tx, { type: "feed.fan-out", status: homeStatusOf(row!) });
      waiting = server.streaming.delivered(posted.id, 5_000).then(() => performance.now());
    });
    const committedAt = performance.now();
    expect(await ws.next()).toMatchObject({ event: "update", body: { id: posted.id } });
    const readAt = performance.now();
    // Resolved once the send was done: after the commit that told of it,
    // about when the socket read it, long before 5 s.
    const resolvedAt = await waiting!;
    expect(resolvedAt).toBeGreaterThan(committedAt);
    expect(resolvedAt - readAt).toBeLessThan(1_000);
    ws.close();
  });

  it("waits no longer than asked for an event that never comes", async () => {
    const reader = await makeUser(t);
    const ws = await homeStream(reader.token);
    const took = await elapsed(server.streaming.delivered(newId(), 300));
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(2_000);
    // A status older than the wait (a job retried, or run after a restart): none.
    expect(await elapsed(server.streaming.delivered(newId(Date.now() - 1_000), 300))).toBeLessThan(
      250,
    );
    ws.close();
  });

  it("the fan-out job waits only for local statuses the streams were told of", async () => {
    const author = await makeUser(t);
    const reader = await makeUser(t);
    await follow(t, reader, author.account.id);
    await t.drainJobs();
    const asked: string[] = [];
    const handlers = feedJobHandlers(t.database.db, {
      beforeLiveFanOut: async (id) => void asked.push(id),
    });
    const local = await insertStatus(t, author.account, { text: "local" });
    await handlers[FEED_JOBS.fanOut]!({ statusId: local.id, live: true });
    await handlers[FEED_JOBS.fanOut]!({ statusId: local.id });
    expect(asked).toEqual([local.id]);
    expect(await homeFeedIds(t, reader.account.id)).toContain(local.id);
    // The job a post queues says whether its streams were told first.
    const { rows } = await t.database.pool.query<{ data: { statusId: string; live?: boolean } }>(
      "SELECT data FROM pgboss.job WHERE name = $1 AND data->>'statusId' = $2",
      [FEED_JOBS.fanOut, local.id],
    );
    expect(rows.map((r) => r.data.live)).toContain(true);
  });
});
