// What the streaming API stands on: domain events emitted inside
// transactions (src/domain/events/: in-transaction and after-commit
// subscribers, savepoints, rollbacks), their packing into messages, and the
// PostgreSQL pub/sub adapter (delivery at commit, nothing on rollback, order,
// and its listening connection coming back after it is cut).
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { connect } from "../src/db/database.ts";
import { createEventBus } from "../src/domain/events/bus.ts";
import { emit, withEvents } from "../src/domain/events/emit.ts";
import { feedInserted, MAX_IDS_PER_EVENT, type DomainEvent } from "../src/domain/events/types.ts";
import { silentLogger } from "../src/logger.ts";
import { decodeEvents, encodeEvents } from "../src/pubsub/domain-events.ts";
import { createPostgresPubSub } from "../src/pubsub/postgres.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();

const event = (n: number): DomainEvent => ({
  type: "notification.created",
  notificationId: String(n),
  accountId: "1",
});

/** A bus over this file's database, recording what each kind of subscriber saw. */
function recorded() {
  const inTx: DomainEvent[][] = [];
  const after: DomainEvent[][] = [];
  const bus = createEventBus((err) => {
    throw err;
  });
  bus.inTransaction(async (_tx, events) => void inTx.push([...events]));
  bus.afterCommit((events) => void after.push([...events]));
  const { db } = withEvents(t.database, bus);
  return { db, inTx, after };
}

describe("emit", () => {
  it("hands a transaction's events to both kinds of subscriber, after its callback", async () => {
    const { db, inTx, after } = recorded();
    await db.transaction(async (tx) => {
      await emit(tx, event(1));
      await emit(tx, event(2), event(3));
      expect(inTx).toEqual([]);
    });
    expect(inTx).toEqual([[event(1), event(2), event(3)]]);
    expect(after).toEqual([[event(1), event(2), event(3)]]);
  });

  it("drops the events of a transaction that rolls back", async () => {
    const { db, inTx, after } = recorded();
    await expect(
      db.transaction(async (tx) => {
        await emit(tx, event(1));
        throw new Error("no");
      }),
    ).rejects.toThrow("no");
    expect(inTx).toEqual([]);
    expect(after).toEqual([]);
  });

  it("keeps a released savepoint's events and drops a rolled-back one's", async () => {
    const { db, after } = recorded();
    await db.transaction(async (tx) => {
      await emit(tx, event(1));
      await tx.transaction(async (sp) => emit(sp, event(2)));
      await tx
        .transaction(async (sp) => {
          await emit(sp, event(3));
          throw new Error("undo");
        })
        .catch(() => undefined);
      await emit(tx, event(4));
    });
    expect(after).toEqual([[event(1), event(2), event(4)]]);
  });

  it("delivers at once outside a transaction, and not at all on a bare handle", async () => {
    const { db, inTx, after } = recorded();
    await emit(db, event(7));
    expect(inTx).toEqual([[event(7)]]);
    expect(after).toEqual([[event(7)]]);
    await emit(t.database.db, event(8));
    expect(after).toHaveLength(1);
  });

  it("rolls the change back when an in-transaction subscriber fails", async () => {
    const bus = createEventBus(() => undefined);
    bus.inTransaction(async () => {
      throw new Error("durable work failed");
    });
    const { db } = withEvents(t.database, bus);
    await db.execute(sql`CREATE TABLE IF NOT EXISTS bus_probe (n int)`);
    await expect(
      db.transaction(async (tx) => {
        await tx.execute(sql`INSERT INTO bus_probe VALUES (1)`);
        await emit(tx, event(1));
      }),
    ).rejects.toThrow("durable work failed");
    const { rows } = await db.execute(sql`SELECT count(*)::int AS n FROM bus_probe`);
    expect(rows[0]).toEqual({ n: 0 });
  });
});

describe("events as messages", () => {
  it("cuts lists of ids into events that stay far below NOTIFY's limit", () => {
    const ids = Array.from({ length: 450 }, (_, i) =>
      String(9_000_000_000_000_000_000n + BigInt(i)),
    );
    const events = feedInserted("home", "123", ids);
    expect(events.map((e) => (e.type === "feed.inserted" ? e.ownerIds.length : 0))).toEqual([
      MAX_IDS_PER_EVENT,
      MAX_IDS_PER_EVENT,
      50,
    ]);
    const messages = encodeEvents(events, 7_999, silentLogger);
    for (const m of messages) expect(Buffer.byteLength(m)).toBeLessThan(7_999);
    expect(messages.flatMap(decodeEvents)).toEqual(events);
  });

  it("packs small events together, in order", () => {
    const events = Array.from({ length: 100 }, (_, i) => event(i));
    const messages = encodeEvents(events, 2_000, silentLogger);
    expect(messages.length).toBeGreaterThan(1);
    expect(messages.flatMap(decodeEvents)).toEqual(events);
    expect(decodeEvents("not json")).toEqual([]);
    // Another version's messages are ignored, not misread (a rolling restart).
    const [message] = encodeEvents([event(1)], 2_000, silentLogger);
    expect(decodeEvents(message!)).toEqual([event(1)]);
    expect(decodeEvents(message!.replace(/^\{"v":\d+/, '{"v":1'))).toEqual([]);
    expect(decodeEvents(message!.replace(/^\{"v":\d+/, '{"v":99'))).toEqual([]);
  });
});

describe("the PostgreSQL adapter", () => {
  async function adapter() {
    const database = connect(t.url, 2);
    const pubsub = createPostgresPubSub({
      url: t.url,
      db: database.db,
      channel: "herd_bus_test",
      logger: silentLogger,
    });
    const heard: string[] = [];
    pubsub.subscribe((m) => heard.push(m));
    await pubsub.start();
    const until = async (n: number) => {
      for (let i = 0; i < 500 && heard.length < n; i++) await new Promise((r) => setTimeout(r, 10));
      expect(heard.length).toBeGreaterThanOrEqual(n);
    };
    return { database, pubsub, heard, until };
  }

  it("delivers what a transaction published when it commits, in order, and nothing on a rollback", async () => {
    const { database, pubsub, heard, until } = await adapter();
    await database.db
      .transaction(async (tx) => {
        await pubsub.publish(["lost"], tx);
        throw new Error("rollback");
      })
      .catch(() => undefined);
    await database.db.transaction(async (tx) => {
      await pubsub.publish(["a", "b"], tx);
      await pubsub.publish(["c"], tx);
    });
    await pubsub.publish(["d"]);
    await until(4);
    expect(heard).toEqual(["a", "b", "c", "d"]);
    await pubsub.close();
    await database.close();
  });

  it("listens again after its connection is cut", async () => {
    const { database, pubsub, heard, until } = await adapter();
    await database.db.execute(sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE application_name = 'herd-pubsub' AND datname = current_database()`);
    // Publish until the new connection hears it (messages sent while it was away are lost).
    for (let i = 0; i < 300 && !heard.includes("back"); i++) {
      await pubsub.publish(["back"]);
      await new Promise((r) => setTimeout(r, 20));
    }
    await until(1);
    expect(heard).toContain("back");
    await pubsub.close();
    await database.close();
  });
});
