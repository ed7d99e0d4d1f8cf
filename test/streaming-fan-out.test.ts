// The streaming side of a fan-out (src/streaming/dispatcher.ts, render.ts):
// the feed events of one status, however many NOTIFY's size limit cuts them
// into, are checked and rendered together and reach each subscription once;
// what differs between viewers (here poll votes) is each viewer's own.
import { describe, expect, it } from "vitest";
import { emit } from "../src/domain/events/emit.ts";
import { feedInserted, type DomainEvent } from "../src/domain/events/types.ts";
import { coalesce } from "../src/streaming/dispatcher.ts";
import { follow, makeUser, postStatus, type TestUser } from "./kit/fixtures.ts";
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
