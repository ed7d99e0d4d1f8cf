// Each streaming event, with the payload the REST API gives the same user at
// that moment (https://docs.joinmastodon.org/methods/streaming/#events):
// update (home, own posts, boosts, lists, public, hashtags), delete,
// status.update, notification and conversation.
import { describe, expect, it } from "vitest";
import { statuses } from "../src/db/schema/index.ts";
import { emit } from "../src/domain/events/emit.ts";
import { statusEvent } from "../src/domain/events/types.ts";
import { newId } from "../src/lib/ids.ts";
import { follow, makeRemoteAccount, makeUser, postStatus, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import { listen, socket, type TestSocket } from "./kit/streaming.ts";
import { form, png } from "./media-fixtures.ts";

const t = await createTestInstance();
const server = await listen(t);

async function scene() {
  const author = await makeUser(t);
  const reader = await makeUser(t);
  await follow(t, reader, author.account.id);
  await t.drainJobs();
  return { author, reader };
}

async function post(author: TestUser, params: Record<string, unknown> | string) {
  const status = await postStatus(t, author, params);
  await t.drainJobs();
  return status;
}

/** What GET `path` answers `user`. */
async function rest(user: TestUser, path: string) {
  const res = await t.json(path, { token: user.token });
  expect(res.status).toBe(200);
  return res.body;
}

/** Opens a socket for `user` subscribed to `streams` (names, or subscribe messages). */
async function subscribed(user: TestUser, ...streams: (string | object)[]): Promise<TestSocket> {
  const ws = await socket(server.ws, { token: user.token });
  for (const s of streams) {
    ws.send(typeof s === "string" ? { type: "subscribe", stream: s } : { type: "subscribe", ...s });
  }
  ws.send({ type: "subscribe", stream: "barrier" });
  expect(await ws.next()).toEqual({ error: "Unknown stream type", status: 400 });
  return ws;
}

describe("update", () => {
  it("renders a home update for its reader exactly as GET /api/v1/statuses/:id does", async () => {
    const { author, reader } = await scene();
    const ws = await subscribed(reader, "user");
    const status = await post(author, "Payload check #herd");
    const message = await ws.next();
    expect(message.event).toBe("update");
    expect(message.body).toEqual(await rest(reader, `/api/v1/statuses/${status.id}`));
    expect(message.body.favourited).toBe(false);
    expect(message.body).not.toHaveProperty("pinned");
  });

  it("shows the author their own post, as they see it", async () => {
    const author = await makeUser(t);
    const ws = await subscribed(author, "user");
    const status = await post(author, "Mine");
    const message = await ws.next();
    expect(message.body).toEqual(await rest(author, `/api/v1/statuses/${status.id}`));
    expect(message.body.pinned).toBe(false);
  });

  it("renders a boost with the reader's own flags on the boosted post", async () => {
    const { author: booster, reader } = await scene();
    const stranger = await makeUser(t);
    const original = await post(stranger, "Worth a boost");
    await t.request(`/api/v1/statuses/${original.id}/favourite`, {
      method: "POST",
      token: reader.token,
    });
    await t.request(`/api/v1/statuses/${original.id}/bookmark`, {
      method: "POST",
      token: reader.token,
    });
    const other = await makeUser(t);
    await follow(t, other, booster.account.id);
    // Differs from `other` only by muting the conversation: a render each.
    const muter = await makeUser(t);
    await follow(t, muter, booster.account.id);
    await t.request(`/api/v1/statuses/${original.id}/mute`, {
      method: "POST",
      token: muter.token,
    });
    await t.drainJobs();
    const readerWs = await subscribed(reader, "user");
    const otherWs = await subscribed(other, "user");
    const muterWs = await subscribed(muter, "user");
    const boost = await t.json(`/api/v1/statuses/${original.id}/reblog`, {
      method: "POST",
      token: booster.token,
    });
    await t.drainJobs();
    const forReader = await readerWs.next();
    const forOther = await otherWs.next();
    expect(forReader.body).toEqual(await rest(reader, `/api/v1/statuses/${boost.body.id}`));
    expect(forOther.body).toEqual(await rest(other, `/api/v1/statuses/${boost.body.id}`));
    expect(forReader.body.reblog).toMatchObject({
      id: original.id,
      favourited: true,
      bookmarked: true,
    });
    expect(forOther.body.reblog).toMatchObject({
      favourited: false,
      bookmarked: false,
      muted: false,
    });
    const forMuter = await muterWs.next();
    expect(forMuter.body).toEqual(await rest(muter, `/api/v1/statuses/${boost.body.id}`));
    expect(forMuter.body.reblog).toMatchObject({ favourited: false, muted: true });
  });

  it("streams a list's updates to its owner", async () => {
    const { author, reader } = await scene();
    const list = await t.json("/api/v1/lists", {
      method: "POST",
      token: reader.token,
      json: { title: "L" },
    });
    await t.json(`/api/v1/lists/${list.body.id}/accounts`, {
      method: "POST",
      token: reader.token,
      json: { account_ids: [author.account.id] },
    });
    await t.drainJobs();
    const ws = await subscribed(reader, { stream: "list", list: list.body.id });
    const status = await post(author, "For the list");
    const message = await ws.next();
    expect(message.stream).toEqual(["list", list.body.id]);
    expect(message.body).toEqual(await rest(reader, `/api/v1/statuses/${status.id}`));
  });

  it("streams public posts to the public and hashtag streams, for each viewer", async () => {
    const author = await makeUser(t);
    const viewer = await makeUser(t);
    const ws = await subscribed(viewer, "public", "public:local", {
      stream: "hashtag",
      tag: "Café",
    });
    const status = await post(author, "Coffee at the #cafe");
    const got = [await ws.next(), await ws.next(), await ws.next()];
    expect(got.map((m) => m.stream![0]).sort()).toEqual(["hashtag", "public", "public:local"]);
    const expected = await rest(viewer, `/api/v1/statuses/${status.id}`);
    for (const m of got) expect(m.body).toEqual(expected);
  });

  it("streams posts with media to the :media variants too, and those without only to the others", async () => {
    const author = await makeUser(t);
    const viewer = await makeUser(t);
    const ws = await subscribed(
      viewer,
      "public:media",
      "public:local:media",
      "public:remote:media",
    );
    await post(author, "no pictures");
    const upload = await t.json("/api/v2/media", {
      method: "POST",
      token: author.token,
      multipart: form(await png(30, 20), { type: "image/png" }),
    });
    expect(upload.status).toBe(200);
    const status = await post(author, { status: "a picture", media_ids: [upload.body.id] });
    const got = [await ws.next(), await ws.next()];
    // The post without media reached none of them: the first messages are the picture's.
    expect(got.map((m) => m.stream![0]).sort()).toEqual(["public:local:media", "public:media"]);
    for (const m of got) {
      expect(m.body).toEqual(await rest(viewer, `/api/v1/statuses/${status.id}`));
      expect(m.body.media_attachments).toHaveLength(1);
    }
  });

  it("streams a remote public post to public and public:remote, not public:local", async () => {
    const viewer = await makeUser(t);
    const ws = await subscribed(viewer, "public:local", "public:remote", "public");
    const remote = await makeRemoteAccount(t);
    const id = newId();
    const [row] = await t.database.db
      .insert(statuses)
      .values({
        id,
        uri: `https://remote.example/statuses/${id}`,
        accountId: remote.id,
        text: "",
        content: "<p>from afar</p>",
        visibility: "public",
        local: false,
      })
      .returning();
    // Federation will emit this when it receives a post; here it is emitted by hand.
    await emit(t.deps.database.db, statusEvent("status.created", row!));
    const got = [await ws.next(), await ws.next()];
    expect(got.map((m) => m.stream![0]).sort()).toEqual(["public", "public:remote"]);
    expect(got[0]!.body.id).toBe(id);
    const local = await post(await makeUser(t), "from here");
    const next = await ws.next();
    expect(next.body.id).toBe(local.id);
  });
});

describe("delete and status.update", () => {
  it("tells the home, public and hashtag streams of a deletion", async () => {
    const { author, reader } = await scene();
    const ws = await subscribed(reader, "user", "public", { stream: "hashtag", tag: "gone" });
    const status = await post(author, "Soon #gone");
    for (let i = 0; i < 3; i++) expect((await ws.next()).event).toBe("update");
    await t.request(`/api/v1/statuses/${status.id}`, { method: "DELETE", token: author.token });
    const got = [await ws.next(), await ws.next(), await ws.next()];
    expect(got.map((m) => m.stream![0]).sort()).toEqual(["hashtag", "public", "user"]);
    for (const m of got) {
      expect(m.event).toBe("delete");
      expect(m.payload).toBe(status.id);
    }
  });

  it("tells the booster's followers that a boost was taken back", async () => {
    const { author: booster, reader } = await scene();
    const original = await post(await makeUser(t), "boost me");
    const boost = await t.json(`/api/v1/statuses/${original.id}/reblog`, {
      method: "POST",
      token: booster.token,
    });
    await t.drainJobs();
    const ws = await subscribed(reader, "user");
    await t.request(`/api/v1/statuses/${original.id}/unreblog`, {
      method: "POST",
      token: booster.token,
    });
    expect(await ws.next()).toMatchObject({ event: "delete", payload: boost.body.id });
  });

  it("sends status.update with the edited status to home and public streams", async () => {
    const { author, reader } = await scene();
    const ws = await subscribed(reader, "user", "public");
    const status = await post(author, "First version");
    await ws.next();
    await ws.next();
    const edit = await t.json(`/api/v1/statuses/${status.id}`, {
      method: "PUT",
      token: author.token,
      json: { status: "Second version" },
    });
    expect(edit.status).toBe(200);
    const got = [await ws.next(), await ws.next()];
    expect(got.map((m) => m.stream![0]).sort()).toEqual(["public", "user"]);
    const expected = await rest(reader, `/api/v1/statuses/${status.id}`);
    for (const m of got) {
      expect(m.event).toBe("status.update");
      expect(m.body).toEqual(expected);
      expect(m.body.content).toContain("Second version");
      expect(m.body.edited_at).not.toBeNull();
    }
  });
});

describe("notification and conversation", () => {
  it("sends notifications to user and user:notification as GET /api/v1/notifications/:id", async () => {
    const { author, reader } = await scene();
    const ws = await subscribed(author, "user", "user:notification");
    const status = await post(author, "Like me");
    expect((await ws.next()).event).toBe("update"); // the author's own post, on `user`
    await t.request(`/api/v1/statuses/${status.id}/favourite`, {
      method: "POST",
      token: reader.token,
    });
    const got = [await ws.next(), await ws.next()];
    expect(got.map((m) => m.stream![0]).sort()).toEqual(["user", "user:notification"]);
    const expected = await rest(author, `/api/v1/notifications/${got[0]!.body.id}`);
    expect(expected.type).toBe("favourite");
    for (const m of got) {
      expect(m.event).toBe("notification");
      expect(m.body).toEqual(expected);
    }
  });

  it("sends notifications_merged once accepted requests joined the notifications", async () => {
    const recipient = await makeUser(t);
    const stranger = await makeUser(t);
    const policy = await t.json("/api/v2/notifications/policy", {
      method: "PATCH",
      token: recipient.token,
      json: { for_not_following: "filter" },
    });
    expect(policy.status).toBe(200);
    const ws = await subscribed(recipient, "user:notification");
    await post(stranger, `Hello @${recipient.account.username}`);
    const requests = await rest(recipient, "/api/v1/notifications/requests");
    expect(requests).toHaveLength(1);
    const accept = await t.request(`/api/v1/notifications/requests/${requests[0].id}/accept`, {
      method: "POST",
      token: recipient.token,
    });
    expect(accept.status).toBe(200);
    // The filtered mention itself was never streamed: the next message is the merge.
    expect(await ws.next()).toEqual({
      stream: ["user:notification"],
      event: "notifications_merged",
      payload: "1",
      body: 1,
    });
  });

  it("sends conversation events to the direct streams of its participants", async () => {
    const { author, reader } = await scene();
    const authorWs = await subscribed(author, "direct");
    const readerWs = await subscribed(reader, "direct");
    const dm = await post(author, {
      status: `Hi @${reader.account.username}`,
      visibility: "direct",
    });
    const [forAuthor, forReader] = [await authorWs.next(), await readerWs.next()];
    expect(forAuthor).toMatchObject({ stream: ["direct"], event: "conversation" });
    expect(forReader).toMatchObject({ stream: ["direct"], event: "conversation" });
    const readerList = await rest(reader, "/api/v1/conversations");
    expect(forReader.body).toEqual(readerList[0]);
    expect(forReader.body).toMatchObject({ unread: true, last_status: { id: dm.id } });
    expect(forAuthor.body).toEqual((await rest(author, "/api/v1/conversations"))[0]);
    // Marking it read is told too.
    await t.request(`/api/v1/conversations/${forReader.body.id}/read`, {
      method: "POST",
      token: reader.token,
    });
    expect((await readerWs.next()).body).toMatchObject({ id: forReader.body.id, unread: false });
  });
});
