// The multiplexed WebSocket at /api/v1/streaming over a real listener
// (https://docs.joinmastodon.org/methods/streaming/#websocket): the token in
// each of the places Mastodon takes it, refused upgrades, subscribe and
// unsubscribe on one socket, subscription errors, pings, and a token revoked
// mid-stream.
//
// Absence is shown with a later message: events reach a socket in the order
// their transactions committed, so a message that should not come would have
// come before a later one that does.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createList } from "../src/domain/lists/lists.ts";
import { revokeUserTokens } from "../src/domain/oauth/tokens.ts";
import { Outgoing } from "../src/streaming/hub.ts";
import { follow, makeUser, postStatus, tokenFor, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import { listen, openSocket, socket, type TestSocket } from "./kit/streaming.ts";

const t = await createTestInstance();
const server = await listen(t);

/** A follower of a fresh author, its follow merged: what a home stream shows. */
async function scene() {
  const author = await makeUser(t);
  const reader = await makeUser(t);
  await follow(t, reader, author.account.id);
  await t.drainJobs();
  return { author, reader };
}

/** Posts as `author` and runs the fan-out; returns the Status entity. */
async function post(author: TestUser, params: Record<string, unknown> | string) {
  const status = await postStatus(t, author, params);
  await t.drainJobs();
  return status;
}

/**
 * Waits until the server has handled every message sent on `ws` so far: it
 * answers an unknown stream with an error, after the messages before it.
 */
async function barrier(ws: TestSocket) {
  ws.send({ type: "subscribe", stream: "barrier" });
  expect((await ws.next()).error).toMatch(/^(Unknown stream type|Access token does not)/);
}

describe("opening the WebSocket", () => {
  it("takes the token from the Authorization header and streams the home timeline", async () => {
    const { author, reader } = await scene();
    const ws = await socket(`${server.ws}?stream=user`, { token: reader.token });
    const status = await post(author, "Hello, stream");
    const message = await ws.next();
    expect(Object.keys(message).sort()).toEqual(["body", "event", "payload", "stream"]);
    expect(message.stream).toEqual(["user"]);
    expect(message.event).toBe("update");
    expect(typeof message.payload).toBe("string");
    expect(message.body.id).toBe(status.id);
    expect(message.body.content).toContain("Hello, stream");
    expect(message.body.account.id).toBe(author.account.id);
  });

  it("takes the token from the access_token parameter", async () => {
    const { author, reader } = await scene();
    const ws = await socket(`${server.ws}?stream=user&access_token=${reader.token}`);
    const status = await post(author, "by query");
    expect((await ws.next()).body.id).toBe(status.id);
  });

  it("takes the token from Sec-WebSocket-Protocol and echoes it back", async () => {
    const { author, reader } = await scene();
    const ws = await socket(`${server.ws}?stream=user`, { protocols: [reader.token] });
    expect(ws.ws.protocol).toBe(reader.token);
    const status = await post(author, "by protocol");
    expect((await ws.next()).body.id).toBe(status.id);
  });

  it("refuses an upgrade without a token, with an unknown one, or with an app token", async () => {
    expect(await openSocket(`${server.ws}?stream=user`)).toEqual({
      status: 401,
      errorMessage: "Missing access token",
    });
    expect(await openSocket(`${server.ws}?stream=user`, { token: "nope" })).toEqual({
      status: 401,
      errorMessage: "Invalid access token",
    });
    const appToken = await tokenFor(t, null, ["read"]);
    expect(await openSocket(`${server.ws}?stream=public`, { token: appToken })).toEqual({
      status: 401,
      errorMessage: "Invalid access token",
    });
  });

  it("refuses a revoked token and a disabled user's token", async () => {
    const revoked = await makeUser(t);
    await revokeUserTokens(t.database.db, revoked.user.id);
    expect(await openSocket(server.ws, { token: revoked.token })).toEqual({
      status: 401,
      errorMessage: "Invalid access token",
    });
    const disabled = await makeUser(t);
    await t.database.db.execute(
      sql`UPDATE users SET disabled = true WHERE id = ${disabled.user.id}`,
    );
    expect(await openSocket(server.ws, { token: disabled.token })).toEqual({
      status: 401,
      errorMessage: "Invalid access token",
    });
  });

  it("answers 404 to an upgrade elsewhere", async () => {
    const user = await makeUser(t);
    const result = await openSocket(server.ws.replace("/api/v1/streaming", "/api/v1/other"), {
      token: user.token,
    });
    expect(result).toMatchObject({ status: 404 });
  });

  it("accepts a connection without a stream, which then streams nothing until asked", async () => {
    const { author, reader } = await scene();
    const ws = await socket(server.ws, { token: reader.token });
    await post(author, "not subscribed yet");
    await barrier(ws);
    ws.send({ type: "subscribe", stream: "user" });
    await barrier(ws);
    const status = await post(author, "now subscribed");
    expect((await ws.next()).body.id).toBe(status.id);
  });
});

describe("subscriptions on one socket", () => {
  it("multiplexes streams, each event naming its stream, and unsubscribes", async () => {
    const { author, reader } = await scene();
    const ws = await socket(server.ws, { token: reader.token });
    ws.send({ type: "subscribe", stream: "user" });
    ws.send({ type: "subscribe", stream: "public" });
    ws.send({ type: "subscribe", stream: "hashtag", tag: "Cats" });
    // Subscribing again to the same stream changes nothing.
    ws.send({ type: "subscribe", stream: "user" });
    ws.send({ type: "subscribe", stream: ["hashtag"], tag: "Cats" });
    await barrier(ws);

    const first = await post(author, "Look #cats");
    const got = [await ws.next(), await ws.next(), await ws.next()];
    expect(got.map((m) => JSON.stringify(m.stream)).sort()).toEqual(
      ['["hashtag","Cats"]', '["public"]', '["user"]'].sort(),
    );
    for (const m of got) {
      expect(m.event).toBe("update");
      expect(m.body.id).toBe(first.id);
    }

    ws.send({ type: "unsubscribe", stream: "public" });
    await barrier(ws);
    const second = await post(author, "More #cats");
    // A later event shows that nothing else came first.
    const fan = await makeUser(t);
    await follow(t, fan, reader.account.id);
    const after = [await ws.next(), await ws.next(), await ws.next()];
    expect(
      after
        .slice(0, 2)
        .map((m) => JSON.stringify(m.stream))
        .sort(),
    ).toEqual(['["hashtag","Cats"]', '["user"]']);
    expect(after.slice(0, 2).every((m) => m.body.id === second.id)).toBe(true);
    expect(after[2]).toMatchObject({ stream: ["user"], event: "notification" });
    expect(after[2]!.body.type).toBe("follow");
  });

  it("subscribes to the stream of the URL, with its tag or list", async () => {
    const author = await makeUser(t);
    const reader = await makeUser(t);
    const ws = await socket(`${server.ws}?stream=hashtag:local&tag=Dogs`, { token: reader.token });
    const status = await post(author, "#dogs here");
    const message = await ws.next();
    expect(message.stream).toEqual(["hashtag:local", "Dogs"]);
    expect(message.body.id).toBe(status.id);
  });

  it("answers failed subscriptions as Mastodon does", async () => {
    const owner = await makeUser(t);
    const reader = await makeUser(t);
    const list = await createList(t.database.db, owner.account.id, { title: "Mine" });
    const ws = await socket(server.ws, { token: reader.token });
    const cases: [object, object][] = [
      [
        { type: "subscribe", stream: "nope" },
        { error: "Unknown stream type", status: 400 },
      ],
      [{ type: "subscribe" }, { error: "Unknown stream type", status: 400 }],
      [
        { type: "subscribe", stream: "hashtag" },
        { error: "Missing tag name parameter", status: 400 },
      ],
      [
        { type: "subscribe", stream: "list" },
        { error: "Missing list name parameter", status: 400 },
      ],
      [
        { type: "subscribe", stream: "list", list: list.id },
        { error: "Not authorized to stream this list", status: 401 },
      ],
      [
        { type: "subscribe", stream: "list", list: "not-an-id" },
        { error: "Not authorized to stream this list", status: 401 },
      ],
      [{ type: "unsubscribe", stream: "nope" }, { error: "Error unsubscribing from channel" }],
    ];
    for (const [message, answer] of cases) {
      ws.send(message);
      expect(await ws.next()).toEqual(answer);
    }
    // Unknown message types and malformed JSON are ignored.
    ws.send({ type: "dance", stream: "user" });
    ws.ws.send("{not json");
    await barrier(ws);
  });

  it("checks the token's scopes for each stream", async () => {
    const { author, reader } = await scene();
    const writeOnly = await tokenFor(t, reader.user.id, ["write"]);
    const ws = await socket(server.ws, { token: writeOnly });
    for (const stream of ["user", "public", "direct", "user:notification"]) {
      ws.send({ type: "subscribe", stream });
      expect(await ws.next()).toEqual({
        error: "Access token does not have the required scopes",
        status: 401,
      });
    }
    // read:notifications reaches the notifications stream only.
    const notificationsOnly = await tokenFor(t, reader.user.id, ["read:notifications"]);
    const ws2 = await socket(server.ws, { token: notificationsOnly });
    ws2.send({ type: "subscribe", stream: "public" });
    expect(await ws2.next()).toMatchObject({ status: 401 });
    ws2.send({ type: "subscribe", stream: "user:notification" });
    await barrier(ws2);
    await follow(t, author, reader.account.id);
    const message = await ws2.next();
    expect(message).toMatchObject({ stream: ["user:notification"], event: "notification" });
    expect(message.body.type).toBe("follow");
  });

  it("carries notifications on `user` only for a token that may read them", async () => {
    const { author, reader } = await scene();
    const statusesOnly = await tokenFor(t, reader.user.id, ["read:statuses"]);
    const ws = await socket(`${server.ws}?stream=user`, { token: statusesOnly });
    await barrier(ws);
    await follow(t, author, reader.account.id); // a follow notification for reader
    const status = await post(author, "after the follow");
    const message = await ws.next();
    expect(message.event).toBe("update");
    expect(message.body.id).toBe(status.id);
  });

  it("closes the socket on a binary message", async () => {
    const user = await makeUser(t);
    const ws = await socket(server.ws, { token: user.token });
    const closed = new Promise<number>((resolve) => ws.ws.once("close", (code) => resolve(code)));
    ws.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await closed).toBe(1003);
  });
});

describe("frames written as they are", () => {
  /** Reads one unmasked frame (RFC 6455 §5.2): FIN, opcode and payload. */
  function readFrame(wire: Buffer) {
    let length = wire[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      length = wire.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      length = Number(wire.readBigUInt64BE(2));
      offset = 10;
    }
    expect(wire[1]! & 0x80).toBe(0); // not masked
    expect(wire.length).toBe(offset + length);
    return {
      fin: (wire[0]! & 0x80) !== 0,
      opcode: wire[0]! & 0x0f,
      text: wire.subarray(offset).toString(),
    };
  }

  it("are single text frames of the message, at every length encoding", () => {
    for (const size of [10, 300, 70_000]) {
      const message = new Outgoing("update", "é".repeat(size));
      const frame = readFrame(message.websocketWire(["user"]));
      expect(frame).toMatchObject({ fin: true, opcode: 1 });
      expect(JSON.parse(frame.text)).toEqual({
        stream: ["user"],
        event: "update",
        payload: "é".repeat(size),
      });
      expect(message.websocketWire(["user"])).toBe(message.websocketWire(["user"]));
    }
  });

  it("reach a client whole when long", async () => {
    const user = await makeUser(t);
    const ws = await socket(`${server.ws}?stream=user`, { token: user.token });
    const long = await postStatus(t, user, { status: "long ".repeat(90) });
    await t.drainJobs();
    expect(await ws.next()).toMatchObject({ event: "update", body: { id: long.id } });
    ws.close();
  });
});

describe("keeping the connection", () => {
  it("pings the client, and keeps a client that answers", async () => {
    const fast = await listen(t, { timings: { pingMs: 300 } });
    const user = await makeUser(t);
    const ws = await socket(fast.ws, { token: user.token });
    // A second ping means the first was answered: a silent client is dropped instead.
    let pings = 0;
    await new Promise<void>((resolve) => ws.ws.on("ping", () => ++pings === 2 && resolve()));
    expect(ws.inbox.ended).toBe(false);
  });

  it("drops a client that does not answer pings", async () => {
    const fast = await listen(t, { timings: { pingMs: 100 } });
    const user = await makeUser(t);
    const ws = await socket(fast.ws, { token: user.token, autoPong: false });
    await ws.inbox.closed();
  });

  it("closes the socket once its token is revoked", async () => {
    const { reader } = await scene();
    const ws = await socket(`${server.ws}?stream=user`, { token: reader.token });
    const other = await makeUser(t);
    const bystander = await socket(`${server.ws}?stream=user`, { token: other.token });
    await revokeUserTokens(t.database.db, reader.user.id);
    await ws.inbox.closed();
    expect(bystander.ws.readyState).toBe(bystander.ws.OPEN);
  });

  it("closes the socket once its user is suspended", async () => {
    const user = await makeUser(t);
    const ws = await socket(`${server.ws}?stream=public`, { token: user.token });
    await t.database.db.execute(
      sql`UPDATE accounts SET suspended_at = now() WHERE id = ${user.account.id}`,
    );
    await ws.inbox.closed();
  });
});
