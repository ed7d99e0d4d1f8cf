// The server-sent event streams under /api/v1/streaming/ over a real
// listener, read as a client reads them (fetch, the body as it comes)
// (https://docs.joinmastodon.org/methods/streaming/#http): the health check,
// Mastodon's errors, the opening comment and heartbeats, each path's stream,
// and a token revoked mid-stream.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createList } from "../src/domain/lists/lists.ts";
import { revokeUserTokens } from "../src/domain/oauth/tokens.ts";
import { follow, makeUser, postStatus, tokenFor } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import { eventStream, listen } from "./kit/streaming.ts";

const t = await createTestInstance();
const server = await listen(t, { timings: { heartbeatMs: 50 } });
const base = `${server.http}/api/v1/streaming`;

async function errorOf(path: string, token?: string) {
  const stream = await eventStream(`${base}${path}`, { token });
  return {
    status: stream.response.status,
    type: stream.response.headers.get("content-type"),
    body: await stream.response.json(),
  };
}

describe("the health check", () => {
  it("answers OK without a token", async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await res.text()).toBe("OK");
  });
});

describe("errors", () => {
  it("answers an unknown channel with 400, before looking at the token", async () => {
    const expected = {
      status: 400,
      type: "application/json",
      body: { error: "Unknown channel requested" },
    };
    expect(await errorOf("/nope")).toEqual(expected);
    expect(await errorOf("")).toEqual(expected);
    expect(await errorOf("/user/nope", "bad token")).toEqual(expected);
  });

  it("answers a missing or invalid token with 401", async () => {
    expect(await errorOf("/public")).toMatchObject({
      status: 401,
      body: { error: "Missing access token" },
    });
    expect(await errorOf("/user", "nope")).toMatchObject({
      status: 401,
      body: { error: "Invalid access token" },
    });
    const appToken = await tokenFor(t, null, ["read"]);
    expect(await errorOf("/public", appToken)).toMatchObject({
      status: 401,
      body: { error: "Invalid access token" },
    });
    const res = await fetch(`${base}/public?access_token=nope`);
    expect(res.status).toBe(401);
  });

  it("answers a token without the scope with 401", async () => {
    const user = await makeUser(t);
    const writeOnly = await tokenFor(t, user.user.id, ["write"]);
    const notifications = await tokenFor(t, user.user.id, ["read:notifications"]);
    const scopeError = {
      status: 401,
      body: { error: "Access token does not have the required scopes" },
    };
    expect(await errorOf("/user", writeOnly)).toMatchObject(scopeError);
    expect(await errorOf("/public/local", notifications)).toMatchObject(scopeError);
    expect(await errorOf("/user/notification", writeOnly)).toMatchObject(scopeError);
    const ok = await eventStream(`${base}/user/notification`, { token: notifications });
    expect(ok.response.status).toBe(200);
    ok.close();
  });

  it("answers a missing tag or list with 400 and another's list with 401", async () => {
    const user = await makeUser(t);
    const owner = await makeUser(t);
    const list = await createList(t.database.db, owner.account.id, { title: "Theirs" });
    expect(await errorOf("/hashtag", user.token)).toMatchObject({
      status: 400,
      body: { error: "Missing tag name parameter" },
    });
    expect(await errorOf("/hashtag/local", user.token)).toMatchObject({
      status: 400,
      body: { error: "Missing tag name parameter" },
    });
    expect(await errorOf("/list", user.token)).toMatchObject({
      status: 400,
      body: { error: "Missing list name parameter" },
    });
    expect(await errorOf(`/list?list=${list.id}`, user.token)).toMatchObject({
      status: 401,
      body: { error: "Not authorized to stream this list" },
    });
  });
});

describe("an event stream", () => {
  it("opens with a comment, sends heartbeats and events as event/data lines", async () => {
    const author = await makeUser(t);
    const reader = await makeUser(t);
    await follow(t, reader, author.account.id);
    await t.drainJobs();
    const stream = await eventStream(`${base}/user`, { token: reader.token });
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get("content-type")).toBe("text/event-stream");
    expect(stream.response.headers.get("cache-control")).toBe("no-store");
    const status = await postStatus(t, author, "Over SSE");
    await t.drainJobs();
    const event = await stream.next();
    expect(event.event).toBe("update");
    expect(JSON.parse(event.data).id).toBe(status.id);
    expect(stream.comments[0]).toBe(":)");
    while (!stream.comments.includes(":thump")) await new Promise((r) => setTimeout(r, 20));
    stream.close();
  });

  it("takes the token from the access_token parameter", async () => {
    const user = await makeUser(t);
    const author = await makeUser(t);
    const stream = await eventStream(`${base}/public/local?access_token=${user.token}`);
    const status = await postStatus(t, author, "Local and public");
    expect(JSON.parse((await stream.next()).data).id).toBe(status.id);
    stream.close();
  });

  it("streams each path's events", async () => {
    const author = await makeUser(t);
    const reader = await makeUser(t);
    await follow(t, reader, author.account.id);
    await t.drainJobs();
    const list = await t.json("/api/v1/lists", {
      method: "POST",
      token: reader.token,
      json: { title: "Friends" },
    });
    await t.json(`/api/v1/lists/${list.body.id}/accounts`, {
      method: "POST",
      token: reader.token,
      json: { account_ids: [author.account.id] },
    });
    await t.drainJobs();
    const open = (path: string) => eventStream(`${base}${path}`, { token: reader.token });
    const streams = {
      user: await open("/user"),
      notification: await open("/user/notification"),
      public: await open("/public"),
      local: await open("/public/local"),
      remote: await open("/public/remote"),
      media: await open("/public/local?only_media=true"),
      hashtag: await open("/hashtag?tag=Rain"),
      hashtagLocal: await open("/hashtag/local?tag=rain"),
      list: await open(`/list?list=${list.body.id}`),
      direct: await open("/direct"),
    };
    const status = await postStatus(t, author, `#rain today @${reader.account.username}`);
    await t.drainJobs();
    // On `user`, the mention comes first: the post's transaction, then its fan-out.
    const first = await streams.user.next();
    expect(first.event).toBe("notification");
    expect(JSON.parse(first.data).status.id).toBe(status.id);
    for (const name of ["user", "public", "local", "hashtag", "hashtagLocal", "list"] as const) {
      const event = await streams[name].next();
      expect({ name, event: event.event, id: JSON.parse(event.data).id }).toEqual({
        name,
        event: "update",
        id: status.id,
      });
    }
    const mention = await streams.notification.next();
    expect(mention.event).toBe("notification");
    expect(JSON.parse(mention.data)).toMatchObject({ type: "mention", status: { id: status.id } });
    const dm = await postStatus(t, author, {
      status: `psst @${reader.account.username}`,
      visibility: "direct",
    });
    await t.drainJobs();
    const conversation = await streams.direct.next();
    expect(conversation.event).toBe("conversation");
    expect(JSON.parse(conversation.data).last_status.id).toBe(dm.id);
    // Nothing reached the remote or media streams: the public stream's next
    // event is a later post, and those streams are still empty.
    const later = await postStatus(t, author, "later");
    const next = await streams.public.next();
    expect(JSON.parse(next.data).id).toBe(later.id);
    expect(streams.remote.inbox.pending).toEqual([]);
    expect(streams.media.inbox.pending).toEqual([]);
    for (const stream of Object.values(streams)) stream.close();
  });

  it("ends once its token is revoked", async () => {
    const user = await makeUser(t);
    const stream = await eventStream(`${base}/public`, { token: user.token });
    await revokeUserTokens(t.database.db, user.user.id);
    await stream.inbox.closed();
  });

  it("ends once its user is disabled", async () => {
    const user = await makeUser(t);
    const stream = await eventStream(`${base}/user`, { token: user.token });
    await t.database.db.execute(sql`UPDATE users SET disabled = true WHERE id = ${user.user.id}`);
    await stream.inbox.closed();
  });
});
