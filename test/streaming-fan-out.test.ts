// The streaming side of a fan-out (src/streaming/dispatcher.ts, render.ts):
// the feed events of one status, however many NOTIFY's size limit cuts them
// into, are checked and rendered together and reach each subscription once;
// what differs between viewers (here poll votes) is each viewer's own.
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { emit } from "../src/domain/events/emit.ts";
import { feedInserted, type DomainEvent } from "../src/domain/events/types.ts";
import { coalesce } from "../src/streaming/dispatcher.ts";
import { followerReaders, readerSignatures } from "../src/streaming/render.ts";
import { accounts, follows, statuses } from "../src/db/schema/index.ts";
import { createRemoteStatus } from "../src/domain/statuses/remote-statuses.ts";
import { newId } from "../src/lib/ids.ts";
import {
  follow,
  makeRemoteAccount,
  makeUser,
  postStatus,
  remoteStatusData,
  type TestUser,
} from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import { listen, socket, type TestSocket } from "./kit/streaming.ts";

const t = await createTestInstance();
const server = await listen(t);

async function subscribed(user: TestUser, stream: string): Promise<TestSocket> {
  const ws = await socket(server.ws, { token: user.token });
  ws.send({ type: "subscribe", stream });
  await barrier(ws);
  return ws;
}

/** Waits until `ws` has had everything delivered so far (the next message is the barrier's). */
async function barrier(ws: TestSocket): Promise<void> {
  await server.idle();
  ws.send({ type: "subscribe", stream: "barrier" });
  expect(await ws.next()).toEqual({ error: "Unknown stream type", status: 400 });
}

describe("coalesce", () => {
  const home = (statusId: string, ...ownerIds: string[]): DomainEvent => ({
    type: "feed.inserted",
    feed: "home",
    statusId,
    ownerIds,
  });

  it("makes each run of feed events of one status and feed one event, each owner once", () => {
    const list: DomainEvent = {
      type: "feed.inserted",
      feed: "list",
      statusId: "1",
      ownerIds: ["9"],
    };
    const merged: DomainEvent = { type: "notifications.merged", accountId: "5" };
    expect(
      coalesce([
        home("1", "2", "3"),
        home("1", "3", "4"),
        list,
        home("1", "5"),
        merged,
        home("2", "6"),
      ]),
    ).toEqual([home("1", "2", "3", "4"), list, home("1", "5"), merged, home("2", "6")]);
  });

  it("leaves the events it was given as they were", () => {
    const first = home("1", "2");
    coalesce([first, home("1", "3")]);
    expect(first).toEqual(home("1", "2"));
  });
});

describe("a fan-out on user streams", () => {
  it("reaches each subscription once when its feed events name a reader twice", async () => {
    const author = await makeUser(t);
    const reader = await makeUser(t);
    const other = await makeUser(t);
    await follow(t, reader, author.account.id);
    await follow(t, other, author.account.id);
    await t.drainJobs();
    const readerWs = [await subscribed(reader, "user"), await subscribed(reader, "user")];
    const otherWs = await subscribed(other, "user");
    const status = await postStatus(t, author, "To every follower once");
    await t.drainJobs();
    for (const ws of [...readerWs, otherWs]) {
      expect(await ws.next()).toMatchObject({ event: "update", body: { id: status.id } });
    }
    // One commit whose events name the reader in two of them.
    await t.deps.database.db.transaction(async (tx) => {
      await emit(
        tx,
        ...feedInserted("home", status.id, [reader.account.id, other.account.id]),
        ...feedInserted("home", status.id, [reader.account.id]),
      );
    });
    for (const ws of [...readerWs, otherWs]) {
      expect(await ws.next()).toMatchObject({ event: "update", body: { id: status.id } });
      await barrier(ws);
    }
  });

  it("shows each reader of a boosted poll their own votes, as the REST API does", async () => {
    const booster = await makeUser(t);
    const voter = await makeUser(t);
    const other = await makeUser(t);
    const stranger = await makeUser(t);
    await follow(t, voter, booster.account.id);
    await follow(t, other, booster.account.id);
    const original = await postStatus(t, stranger, {
      status: "Which one?",
      poll: { options: ["tea", "coffee", "water"], expires_in: 3600, multiple: true },
    });
    const voted = await t.json(`/api/v1/polls/${original.poll.id}/votes`, {
      method: "POST",
      token: voter.token,
      json: { choices: [2, 0] },
    });
    expect(voted.status).toBe(200);
    await t.drainJobs();
    const voterWs = await subscribed(voter, "user");
    const otherWs = await subscribed(other, "user");
    const boost = await t.json(`/api/v1/statuses/${original.id}/reblog`, {
      method: "POST",
      token: booster.token,
    });
    await t.drainJobs();
    const forVoter = await voterWs.next();
    const forOther = await otherWs.next();
    const rest = async (user: TestUser) =>
      (await t.json(`/api/v1/statuses/${boost.body.id}`, { token: user.token })).body;
    expect(forVoter.body).toEqual(await rest(voter));
    expect(forOther.body).toEqual(await rest(other));
    expect(forVoter.body.reblog.poll).toMatchObject({ voted: true, own_votes: [2, 0] });
    expect(forOther.body.reblog.poll).toMatchObject({ voted: false, own_votes: [] });
  });
});

describe("followers' user streams, told when the fan-out is queued", () => {
  /** The events `ws` has had so far (up to a barrier). */
  async function received(ws: TestSocket): Promise<any[]> {
    await server.idle();
    ws.send({ type: "subscribe", stream: "barrier" });
    const out: any[] = [];
    for (;;) {
      const message = await ws.next();
      if ((message as { error?: string }).error === "Unknown stream type") return out;
      out.push(message);
    }
  }

  /** The accounts whose home feed holds status `id`. */
  async function feedOwners(id: string): Promise<string[]> {
    const { rows } = await t.database.db.execute<{ id: string }>(
      sql`SELECT account_id::text AS id FROM home_feed_entries WHERE status_id = ${id}::bigint`,
    );
    return rows.map((r) => r.id).sort();
  }

  it("reach exactly the followers whose home feeds the fan-out fills, before or after it ran", async () => {
    const author = await makeUser(t);
    const stranger = await makeUser(t);
    const mentioned = await makeUser(t);
    const plain = await makeUser(t);
    const muting = await makeUser(t);
    const blocksMentioned = await makeUser(t);
    const exclusive = await makeUser(t);
    const german = await makeUser(t);
    const noBoosts = await makeUser(t);
    const followsStranger = await makeUser(t);
    const followers = [
      plain,
      muting,
      blocksMentioned,
      exclusive,
      german,
      noBoosts,
      followsStranger,
    ];
    for (const user of [plain, muting, blocksMentioned, exclusive, followsStranger]) {
      await follow(t, user, author.account.id);
    }
    await follow(t, german, author.account.id, { languages: ["de"] });
    await follow(t, noBoosts, author.account.id, { reblogs: false });
    await follow(t, followsStranger, stranger.account.id);
    const ok = (res: { status: number }) => expect(res.status).toBe(200);
    ok(
      await t.json(`/api/v1/accounts/${author.account.id}/mute`, {
        method: "POST",
        token: muting.token,
      }),
    );
    ok(
      await t.json(`/api/v1/accounts/${mentioned.account.id}/block`, {
        method: "POST",
        token: blocksMentioned.token,
      }),
    );
    const list = await t.json("/api/v1/lists", {
      method: "POST",
      token: exclusive.token,
      json: { title: "Apart", exclusive: true },
    });
    ok(list);
    ok(
      await t.json(`/api/v1/lists/${list.body.id}/accounts`, {
        method: "POST",
        token: exclusive.token,
        json: { account_ids: [author.account.id] },
      }),
    );
    await t.drainJobs();
    const sockets = new Map<string, TestSocket>();
    for (const user of followers) sockets.set(user.account.id, await subscribed(user, "user"));

    const strangers = await postStatus(t, stranger, { status: "A thought", language: "en" });
    await t.drainJobs();
    for (const ws of sockets.values()) await received(ws);

    const posts = [
      await postStatus(t, author, { status: "Hello everyone", language: "en" }),
      await postStatus(t, author, { status: `Hi @${mentioned.account.username}`, language: "en" }),
      await postStatus(t, author, {
        status: "I agree",
        in_reply_to_id: strangers.id,
        language: "en",
      }),
      (
        await t.json(`/api/v1/statuses/${strangers.id}/reblog`, {
          method: "POST",
          token: author.token,
        })
      ).body,
      await postStatus(t, author, { status: "Followers only", visibility: "private" }),
      await postStatus(t, author, {
        status: `@${plain.account.username} just you`,
        visibility: "direct",
      }),
    ];
    // A thread: a reply to the author's own post reaches every follower.
    posts.push(
      await postStatus(t, author, {
        status: "And more",
        in_reply_to_id: posts[0].id,
        language: "en",
      }),
    );
    await t.drainJobs();
    const streamed = new Map<string, string[]>(posts.map((p) => [p.id, []]));
    for (const [accountId, ws] of sockets) {
      for (const message of await received(ws)) {
        if (message.event !== "update") continue; // the mentions' notifications
        streamed.get(message.body.id)!.push(accountId);
      }
    }
    const expected: Record<string, TestUser[]> = {
      [posts[0].id]: [plain, blocksMentioned, noBoosts, followsStranger],
      [posts[1].id]: [plain, noBoosts, followsStranger],
      [posts[2].id]: [followsStranger],
      [posts[3].id]: [plain, blocksMentioned, german],
      [posts[5].id]: [plain],
      [posts[6].id]: [plain, blocksMentioned, noBoosts, followsStranger],
    };
    const ids = (users: TestUser[]) => users.map((u) => u.account.id).sort();
    const everyFollower = followers.map((u) => u.account.id);
    for (const post of posts) {
      const owners = (await feedOwners(post.id)).filter((id) => id !== author.account.id);
      // The streams reached exactly those the fan-out put it in front of...
      expect(streamed.get(post.id)!.sort()).toEqual(owners);
      if (expected[post.id]) expect(owners).toEqual(ids(expected[post.id]!));
      // ...and ask the same once the fan-out has run (its own entry is not
      // a boost "shown recently").
      const [row] = await t.database.db.select().from(statuses).where(eq(statuses.id, post.id));
      const after = await readerSignatures(
        t.database.db,
        post.id,
        followerReaders(row!, everyFollower),
      );
      expect([...after.keys()].sort()).toEqual(owners);
    }
  });

  it("are told of no status that is deleted, or whose author is suspended, by the time of the check", async () => {
    const author = await makeUser(t);
    const reader = await makeUser(t);
    await follow(t, reader, author.account.id);
    const readers = async (id: string) => {
      const [row] = await t.database.db.select().from(statuses).where(eq(statuses.id, id));
      const found = await readerSignatures(
        t.database.db,
        id,
        followerReaders(row!, [reader.account.id]),
      );
      return [...found.keys()];
    };
    const kept = await postStatus(t, author, { status: "Kept" });
    const deleted = await postStatus(t, author, { status: "Deleted" });
    expect(await readers(kept.id)).toEqual([reader.account.id]);
    expect(await readers(deleted.id)).toEqual([reader.account.id]);
    const gone = await t.json(`/api/v1/statuses/${deleted.id}`, {
      method: "DELETE",
      token: author.token,
    });
    expect(gone.status).toBe(200);
    expect(await readers(deleted.id)).toEqual([]);
    await t.database.db
      .update(accounts)
      .set({ suspendedAt: new Date() })
      .where(eq(accounts.id, author.account.id));
    expect(await readers(kept.id)).toEqual([]);
  });

  it("are told of other servers' statuses once the fan-out has run, once", async () => {
    const reader = await makeUser(t);
    const remote = await makeRemoteAccount(t);
    await t.database.db
      .insert(follows)
      .values({ id: newId(), accountId: reader.account.id, targetAccountId: remote.id });
    const ws = await subscribed(reader, "user");
    const status = await createRemoteStatus(t.deps.database.db, remoteStatusData(remote), {
      jobs: t.jobs,
    });
    expect(await received(ws)).toEqual([]);
    await t.drainJobs();
    const got = await received(ws);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ event: "update", body: { id: status!.id } });
  });
});
