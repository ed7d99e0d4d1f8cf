// A stream delivers only what the same user could read through the REST API
// at that moment: visibility (private and direct posts), blocks, mutes and
// domain blocks, list ownership, each checked again when the event is
// delivered (a feed entry or a notification the viewer may no longer see is
// not streamed).
//
// Absence is shown with a later message: events reach a socket in the order
// their transactions committed, so the message that must not come would have
// come before the later one that does.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { notifications, statuses } from "../src/db/schema/index.ts";
import { emit } from "../src/domain/events/emit.ts";
import { feedInserted, statusEvent } from "../src/domain/events/types.ts";
import { newId } from "../src/lib/ids.ts";
import { follow, makeRemoteAccount, makeUser, postStatus, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import { block, blockDomain, mute } from "./kit/social.ts";
import { listen, socket, type TestSocket } from "./kit/streaming.ts";

const t = await createTestInstance();
const server = await listen(t);
const events = t.deps.database.db;

async function post(author: TestUser, params: Record<string, unknown> | string) {
  const status = await postStatus(t, author, params);
  await t.drainJobs();
  return status;
}

async function subscribed(user: TestUser, ...streams: (string | object)[]): Promise<TestSocket> {
  const ws = await socket(server.ws, { token: user.token });
  for (const s of streams) {
    ws.send(typeof s === "string" ? { type: "subscribe", stream: s } : { type: "subscribe", ...s });
  }
  ws.send({ type: "subscribe", stream: "barrier" });
  expect(await ws.next()).toEqual({ error: "Unknown stream type", status: 400 });
  return ws;
}

/** The next message is an update of `id` on `stream`: nothing came before it. */
async function nextIs(ws: TestSocket, stream: string, id: string) {
  const message = await ws.next();
  expect({ stream: message.stream?.[0], event: message.event, id: message.body?.id }).toEqual({
    stream,
    event: "update",
    id,
  });
}

describe("visibility", () => {
  it("keeps private and unlisted posts off the public and hashtag streams", async () => {
    const author = await makeUser(t);
    const viewer = await makeUser(t);
    const ws = await subscribed(viewer, "public", "public:local", {
      stream: "hashtag",
      tag: "quiet",
    });
    await post(author, { status: "Followers only #quiet", visibility: "private" });
    await post(author, { status: "Unlisted #quiet", visibility: "unlisted" });
    const open = await post(author, { status: "For everyone #quiet", visibility: "public" });
    const got = [await ws.next(), await ws.next(), await ws.next()];
    expect(got.every((m) => m.body.id === open.id)).toBe(true);
  });

  it("streams a private post to followers only", async () => {
    const author = await makeUser(t);
    const fan = await makeUser(t);
    const stranger = await makeUser(t);
    await follow(t, fan, author.account.id);
    await t.drainJobs();
    const fanWs = await subscribed(fan, "user");
    const strangerWs = await subscribed(stranger, "user", "public");
    const secret = await post(author, { status: "Followers only", visibility: "private" });
    await nextIs(fanWs, "user", secret.id);
    const open = await post(author, "Public");
    await nextIs(strangerWs, "public", open.id);
  });

  it("streams a direct post to the accounts it mentions only", async () => {
    const author = await makeUser(t);
    const friend = await makeUser(t);
    const fan = await makeUser(t);
    for (const u of [friend, fan]) await follow(t, u, author.account.id);
    await t.drainJobs();
    const friendWs = await subscribed(friend, "user", "direct");
    const fanWs = await subscribed(fan, "user", "direct", "public");
    const dm = await post(author, {
      status: `Just you @${friend.account.username}`,
      visibility: "direct",
    });
    const forFriend = [await friendWs.next(), await friendWs.next(), await friendWs.next()];
    expect(forFriend.map((m) => `${m.stream![0]} ${m.event}`).sort()).toEqual([
      "direct conversation",
      "user notification",
      "user update",
    ]);
    expect(forFriend.find((m) => m.event === "update")!.body.id).toBe(dm.id);
    const open = await post(author, "Everyone");
    const fanGot = [await fanWs.next(), await fanWs.next()];
    expect(fanGot.map((m) => `${m.stream![0]} ${m.body.id}`).sort()).toEqual(
      [`public ${open.id}`, `user ${open.id}`].sort(),
    );
    await nextIs(friendWs, "user", open.id);
    // Deleting it is told to its participants only.
    await t.request(`/api/v1/statuses/${dm.id}`, { method: "DELETE", token: author.token });
    const deleted = [await friendWs.next(), await friendWs.next()];
    expect(deleted.map((m) => `${m.stream![0]} ${m.event} ${m.payload}`).sort()).toEqual([
      `direct delete ${dm.id}`,
      `user delete ${dm.id}`,
    ]);
    const later = await post(author, "Later");
    const fanLater = [await fanWs.next(), await fanWs.next()];
    expect(fanLater.every((m) => m.event === "update" && m.body.id === later.id)).toBe(true);
  });

  it("sends status.update of a private post to followers only", async () => {
    const author = await makeUser(t);
    const fan = await makeUser(t);
    const stranger = await makeUser(t);
    await follow(t, fan, author.account.id);
    await t.drainJobs();
    const secret = await post(author, { status: "v1", visibility: "private" });
    const fanWs = await subscribed(fan, "user");
    const strangerWs = await subscribed(stranger, "user", "public");
    await t.json(`/api/v1/statuses/${secret.id}`, {
      method: "PUT",
      token: author.token,
      json: { status: "v2" },
    });
    expect(await fanWs.next()).toMatchObject({ stream: ["user"], event: "status.update" });
    const open = await post(author, "Public");
    await nextIs(strangerWs, "public", open.id);
  });
});

describe("blocks, mutes and domain blocks", () => {
  it("keeps muted, blocked and blocking authors off the viewer's public and hashtag streams", async () => {
    const [viewer, muted, blocked, blocking, other] = [
      await makeUser(t),
      await makeUser(t),
      await makeUser(t),
      await makeUser(t),
      await makeUser(t),
    ];
    await mute(t, viewer, muted);
    await block(t, viewer, blocked);
    await block(t, blocking, viewer);
    const ws = await subscribed(viewer, "public", { stream: "hashtag", tag: "news" });
    const bystander = await subscribed(other, "public");
    const hidden = [];
    for (const author of [muted, blocked, blocking]) hidden.push(await post(author, "Big #news"));
    const shown = await post(other, "Other #news");
    const got = [await ws.next(), await ws.next()];
    expect(got.map((m) => m.body.id)).toEqual([shown.id, shown.id]);
    // Someone else sees them all.
    for (const status of [...hidden, shown]) await nextIs(bystander, "public", status.id);
  });

  it("keeps posts of a domain the viewer blocks off the public streams", async () => {
    const viewer = await makeUser(t);
    await blockDomain(t, viewer, "blocked.example");
    const ws = await subscribed(viewer, "public");
    const remote = await makeRemoteAccount(t, { domain: "blocked.example" });
    const id = newId();
    const [row] = await t.database.db
      .insert(statuses)
      .values({
        id,
        uri: `https://blocked.example/s/${id}`,
        accountId: remote.id,
        content: "<p>x</p>",
        local: false,
      })
      .returning();
    await emit(events, statusEvent("status.created", row!));
    const open = await post(await makeUser(t), "Local");
    await nextIs(ws, "public", open.id);
  });
});

describe("checked again at delivery", () => {
  it("does not stream a home feed entry the reader may not see", async () => {
    const author = await makeUser(t);
    const reader = await makeUser(t);
    const ws = await subscribed(reader, "user");
    // An entry left in the feed for a private post of someone the reader does not follow.
    const secret = await post(author, { status: "Not for you", visibility: "private" });
    await t.database.db
      .execute(sql`INSERT INTO home_feed_entries (account_id, status_id, reblog_of_id)
      VALUES (${reader.account.id}, ${secret.id}, ${secret.id})`);
    await emit(events, ...feedInserted("home", secret.id, [reader.account.id]));
    // An entry for a public post of someone the reader muted since.
    const muted = await makeUser(t);
    const noisy = await post(muted, "Noise");
    await t.database.db
      .execute(sql`INSERT INTO home_feed_entries (account_id, status_id, reblog_of_id)
      VALUES (${reader.account.id}, ${noisy.id}, ${noisy.id})`);
    await mute(t, reader, muted);
    await emit(events, ...feedInserted("home", noisy.id, [reader.account.id]));
    // An event for a feed the status is not in.
    const elsewhere = await post(author, "Elsewhere");
    await emit(events, ...feedInserted("home", elsewhere.id, [reader.account.id]));
    // And one it may see.
    const fine = await post(await makeUser(t), "Fine");
    await t.database.db
      .execute(sql`INSERT INTO home_feed_entries (account_id, status_id, reblog_of_id)
      VALUES (${reader.account.id}, ${fine.id}, ${fine.id})`);
    await emit(events, ...feedInserted("home", fine.id, [reader.account.id]));
    await nextIs(ws, "user", fine.id);
  });

  it("does not stream a list entry its owner may not see", async () => {
    const owner = await makeUser(t);
    const member = await makeUser(t);
    await follow(t, owner, member.account.id);
    await t.drainJobs();
    const list = await t.json("/api/v1/lists", {
      method: "POST",
      token: owner.token,
      json: { title: "L" },
    });
    await t.json(`/api/v1/lists/${list.body.id}/accounts`, {
      method: "POST",
      token: owner.token,
      json: { account_ids: [member.account.id] },
    });
    await t.drainJobs();
    const ws = await subscribed(owner, { stream: "list", list: list.body.id });
    const stranger = await makeUser(t);
    const secret = await post(stranger, { status: "Private", visibility: "private" });
    await t.database.db.execute(sql`INSERT INTO list_feed_entries (list_id, status_id, reblog_of_id)
      VALUES (${list.body.id}, ${secret.id}, ${secret.id})`);
    await emit(events, ...feedInserted("list", secret.id, [list.body.id]));
    const shown = await post(member, "For the list");
    await nextIs(ws, "list", shown.id);
  });

  it("does not stream a notification from an account the recipient blocked since", async () => {
    const recipient = await makeUser(t);
    const sender = await makeUser(t);
    const ws = await subscribed(recipient, "user:notification");
    const id = newId();
    await t.database.db.insert(notifications).values({
      id,
      accountId: recipient.account.id,
      fromAccountId: sender.account.id,
      type: "follow",
    });
    await block(t, recipient, sender);
    await emit(events, {
      type: "notification.created",
      notificationId: id,
      accountId: recipient.account.id,
    });
    const friend = await makeUser(t);
    await follow(t, friend, recipient.account.id);
    const message = await ws.next();
    expect(message.event).toBe("notification");
    expect(message.body.account.id).toBe(friend.account.id);
  });
});
