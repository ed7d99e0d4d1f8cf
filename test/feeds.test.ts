// Home and list feeds written on fan-out (src/domain/timelines/): who gets a
// new status, as Mastodon's FeedManager decides, and how follows, blocks,
// mutes, lists and deletions change feeds.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { follows, listAccounts, lists, notifications, statuses } from "../src/db/schema/index.ts";
import { createList } from "../src/domain/lists/lists.ts";
import { addListMembers } from "../src/domain/lists/members.ts";
import { fanOut } from "../src/domain/timelines/fan-out.ts";
import {
  onBlockOrMute,
  onStatusCreated,
  onStatusDeleted,
  onUnfollow,
  onUnmute,
} from "../src/domain/timelines/feeds.ts";
import { trimFeeds } from "../src/domain/timelines/trim.ts";
import { and, eq } from "drizzle-orm";
import { newId } from "../src/lib/ids.ts";
import {
  block,
  blockDomain,
  follow,
  followTag,
  homeFeedIds,
  insertStatus,
  listFeedIds,
  mute,
  remoteAccount,
} from "./kit/direct-statuses.ts";
import { makeUser, postStatus, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const db = t.database.db;

async function users(n: number) {
  const out = [];
  for (let i = 0; i < n; i++) out.push((await makeUser(t)).account);
  return out;
}

describe("fan-out of a new status", () => {
  it("reaches the author at once and followers through the queued job", async () => {
    const [author, fan, stranger] = await users(3);
    await follow(t, fan!, author!);
    await t.drainJobs();
    const status = await insertStatus(t, author!);
    expect(await homeFeedIds(t, author!.id)).toEqual([status.id]);
    expect(await homeFeedIds(t, fan!.id)).toEqual([]);
    expect(await t.drainJobs()).toBe(1);
    expect(await homeFeedIds(t, fan!.id)).toEqual([status.id]);
    expect(await homeFeedIds(t, stranger!.id)).toEqual([]);
  });

  it("sends nothing when the posting transaction rolls back", async () => {
    const [author, fan] = await users(2);
    await follow(t, fan!, author!);
    await t.drainJobs();
    await expect(
      db.transaction(async (tx) => {
        const [row] = await tx
          .insert(statuses)
          .values({ id: newId(), accountId: author!.id, text: "never" })
          .returning();
        await onStatusCreated(tx, row!, t.jobs);
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(await t.drainJobs()).toBe(0);
    expect(await homeFeedIds(t, author!.id)).toEqual([]);
    expect(await homeFeedIds(t, fan!.id)).toEqual([]);
  });

  it("fans out inline when no queue is given, and is idempotent", async () => {
    const [author, fan] = await users(2);
    await follow(t, fan!, author!);
    await t.drainJobs();
    const status = await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(statuses)
        .values({ id: newId(), accountId: author!.id, text: "inline" })
        .returning();
      await onStatusCreated(tx, row!);
      return row!;
    });
    expect(await homeFeedIds(t, fan!.id)).toEqual([status.id]);
    expect(await fanOut(db, status.id)).toEqual({ home: 0, lists: 0, tags: 0 });
    expect(await homeFeedIds(t, fan!.id)).toEqual([status.id]);
  });

  it("delivers private statuses to followers and direct ones only to mentioned followers", async () => {
    const [author, fan, mentionedFan, mentionedStranger] = await users(4);
    await follow(t, fan!, author!);
    await follow(t, mentionedFan!, author!);
    await t.drainJobs();
    const priv = await insertStatus(t, author!, { visibility: "private" });
    const dm = await insertStatus(t, author!, {
      visibility: "direct",
      mentions: [mentionedFan!, mentionedStranger!],
    });
    await t.drainJobs();
    expect(await homeFeedIds(t, fan!.id)).toEqual([priv.id]);
    expect(await homeFeedIds(t, mentionedFan!.id)).toEqual([dm.id, priv.id]);
    expect(await homeFeedIds(t, mentionedStranger!.id)).toEqual([]);
    expect(await homeFeedIds(t, author!.id)).toEqual([dm.id, priv.id]);
  });

  it("shows replies only to those who follow both, and threads to everyone", async () => {
    const [author, other, followsBoth, followsAuthor] = await users(4);
    await follow(t, followsBoth!, author!);
    await follow(t, followsBoth!, other!);
    await follow(t, followsAuthor!, author!);
    await t.drainJobs();
    const parent = await insertStatus(t, other!);
    const own = await insertStatus(t, author!);
    await t.drainJobs();
    const reply = await insertStatus(t, author!, { inReplyTo: parent });
    const thread = await insertStatus(t, author!, { inReplyTo: own });
    const toFollower = await insertStatus(t, author!, {
      inReplyTo: await insertStatus(t, followsAuthor!),
    });
    await t.drainJobs();
    expect(await homeFeedIds(t, followsBoth!.id)).toEqual([thread.id, reply.id, own.id, parent.id]);
    expect(await homeFeedIds(t, followsAuthor!.id)).toEqual(
      expect.arrayContaining([toFollower.id, thread.id, own.id]),
    );
    expect(await homeFeedIds(t, followsAuthor!.id)).not.toContain(reply.id);
  });

  it("shows a reply to a status it does not have to no follower, even one following both", async () => {
    const [author, other, reader] = await users(3);
    await follow(t, reader!, author!);
    await follow(t, reader!, other!);
    await t.drainJobs();
    const reply = await insertStatus(t, author!, { inReplyTo: { id: null, accountId: other!.id } });
    const plain = await insertStatus(t, author!);
    await t.drainJobs();
    expect(await homeFeedIds(t, reader!.id)).toEqual([plain.id]);
    expect(await homeFeedIds(t, author!.id)).toContain(reply.id);
  });

  it("leaves out boosts of those whose boosts are hidden, and other languages", async () => {
    const [author, booster, reader] = await users(3);
    await follow(t, reader!, booster!, { showReblogs: false, languages: ["de"] });
    await t.drainJobs();
    const original = await insertStatus(t, author!);
    const boost = await insertStatus(t, booster!, { reblogOf: original, language: null });
    const english = await insertStatus(t, booster!, { language: "en" });
    const german = await insertStatus(t, booster!, { language: "de" });
    const unknown = await insertStatus(t, booster!, { language: null });
    await t.drainJobs();
    const feed = await homeFeedIds(t, reader!.id);
    expect(feed).toEqual([unknown.id, german.id]);
    expect(feed).not.toContain(boost.id);
    expect(feed).not.toContain(english.id);
  });

  it("respects the follower's blocks, mutes and domain blocks, and the author's blocks", async () => {
    const [author, mentioned, booster, reader] = await users(4);
    const remote = await remoteAccount(t, "blocked.example");
    await follow(t, reader!, author!);
    await follow(t, reader!, booster!);
    await t.drainJobs();
    await mute(t, reader!, mentioned!);
    await blockDomain(t, reader!, "blocked.example");
    const mentioning = await insertStatus(t, author!, { mentions: [mentioned!] });
    const silentlyMentioning = await insertStatus(t, author!, { silentMentions: [mentioned!] });
    const remotePost = await insertStatus(t, remote, { local: false });
    const boostOfRemote = await insertStatus(t, booster!, { reblogOf: remotePost });
    await t.drainJobs();
    expect(await homeFeedIds(t, reader!.id)).toEqual([silentlyMentioning.id]);
    expect(await homeFeedIds(t, reader!.id)).not.toContain(mentioning.id);
    expect(await homeFeedIds(t, reader!.id)).not.toContain(boostOfRemote.id);

    await block(t, author!, reader!);
    const afterBlock = await insertStatus(t, author!);
    await t.drainJobs();
    expect(await homeFeedIds(t, reader!.id)).not.toContain(afterBlock.id);
  });

  it("does not add a boost of a status already near the top of the feed", async () => {
    const [author, booster, reader] = await users(3);
    await follow(t, reader!, author!);
    await follow(t, reader!, booster!);
    await t.drainJobs();
    const original = await insertStatus(t, author!);
    await t.drainJobs();
    const boost = await insertStatus(t, booster!, { reblogOf: original });
    await t.drainJobs();
    expect(await homeFeedIds(t, reader!.id)).toEqual([original.id]);
    // Once the original has sunk below 40 newer entries, a boost brings it back.
    for (let i = 0; i < 40; i++) await insertStatus(t, author!);
    await t.drainJobs();
    await db.delete(statuses).where(eq(statuses.id, boost.id));
    const later = await insertStatus(t, booster!, { reblogOf: original });
    await t.drainJobs();
    expect((await homeFeedIds(t, reader!.id))[0]).toBe(later.id);
  });

  it("does not add a post whose boost the feed shows already (the boost came first)", async () => {
    const [author, booster, reader] = await users(3);
    await follow(t, reader!, author!);
    await follow(t, reader!, booster!);
    await t.drainJobs();
    const original = await insertStatus(t, author!);
    const boost = await insertStatus(t, booster!, { reblogOf: original });
    await fanOut(db, boost.id);
    await fanOut(db, original.id);
    await t.drainJobs();
    const feed = await homeFeedIds(t, reader!.id);
    expect(feed).toContain(boost.id);
    expect(feed).not.toContain(original.id);
  });

  it("notifies followers who asked for it, not of boosts or replies to others", async () => {
    const [author, subscriber, other] = await users(3);
    await follow(t, subscriber!, author!, { notify: true });
    await t.drainJobs();
    const post = await insertStatus(t, author!);
    await insertStatus(t, author!, { reblogOf: await insertStatus(t, other!) });
    await insertStatus(t, author!, { inReplyTo: await insertStatus(t, other!) });
    await t.drainJobs();
    const rows = await db
      .select({ type: notifications.type, statusId: notifications.statusId })
      .from(notifications)
      .where(eq(notifications.accountId, subscriber!.id));
    expect(rows).toEqual([{ type: "status", statusId: post.id }]);
  });

  it("reaches those who follow a hashtag with public statuses only", async () => {
    const [author, tagFan] = await users(2);
    await followTag(t, tagFan!, "Herding");
    const tagged = await insertStatus(t, author!, { tags: ["herding"] });
    await insertStatus(t, author!, { tags: ["herding"], visibility: "unlisted" });
    await insertStatus(t, author!, { tags: ["other"] });
    await t.drainJobs();
    expect(await homeFeedIds(t, tagFan!.id)).toEqual([tagged.id]);
  });
});

describe("lists", () => {
  it("keep exclusive lists' members out of home, and follow the replies policy", async () => {
    const [owner, member, stranger, followed] = await users(4);
    await follow(t, owner!, member!);
    await follow(t, owner!, followed!);
    await t.drainJobs();
    const exclusive = await createList(db, owner!.id, { title: "Only", exclusive: true });
    const followedPolicy = await createList(db, owner!.id, {
      title: "Followed",
      repliesPolicy: "followed",
    });
    const nonePolicy = await createList(db, owner!.id, { title: "None", repliesPolicy: "none" });
    for (const list of [exclusive, followedPolicy, nonePolicy]) {
      await addListMembers(db, t.jobs, owner!.id, list.id, [member!.id]);
    }
    await t.drainJobs();
    const post = await insertStatus(t, member!);
    const replyToFollowed = await insertStatus(t, member!, {
      inReplyTo: await insertStatus(t, followed!),
    });
    const replyToStranger = await insertStatus(t, member!, {
      inReplyTo: await insertStatus(t, stranger!),
    });
    const replyToOwner = await insertStatus(t, member!, {
      inReplyTo: await insertStatus(t, owner!),
    });
    await t.drainJobs();
    const home = await homeFeedIds(t, owner!.id);
    expect(home).not.toContain(post.id);
    expect(home).not.toContain(replyToFollowed.id);
    // "list" policy (the exclusive list): replies to members or the owner.
    expect(await listFeedIds(t, exclusive.id)).toEqual([replyToOwner.id, post.id]);
    expect(await listFeedIds(t, followedPolicy.id)).toEqual([
      replyToOwner.id,
      replyToFollowed.id,
      post.id,
    ]);
    expect(await listFeedIds(t, nonePolicy.id)).toEqual([replyToOwner.id, post.id]);
    expect(await listFeedIds(t, nonePolicy.id)).not.toContain(replyToStranger.id);
  });

  it("merge a new member's recent statuses, and unmerge on removal or unfollow", async () => {
    const [owner, member] = await users(2);
    const older = await insertStatus(t, member!);
    const dm = await insertStatus(t, member!, { visibility: "direct", mentions: [owner!] });
    await t.drainJobs();
    await follow(t, owner!, member!);
    const list = await createList(db, owner!.id, { title: "L" });
    await addListMembers(db, t.jobs, owner!.id, list.id, [member!.id]);
    await t.drainJobs();
    expect(await listFeedIds(t, list.id)).toEqual([older.id]);
    expect(await homeFeedIds(t, owner!.id)).toEqual([older.id]);
    expect(await homeFeedIds(t, owner!.id)).not.toContain(dm.id);
    await db.transaction(async (tx) => {
      await tx
        .delete(follows)
        .where(and(eq(follows.accountId, owner!.id), eq(follows.targetAccountId, member!.id)));
      await onUnfollow(tx, owner!.id, member!.id);
    });
    expect(await homeFeedIds(t, owner!.id)).toEqual([]);
    expect(await listFeedIds(t, list.id)).toEqual([]);
    // The membership went with the follow.
    expect(await db.select().from(listAccounts).where(eq(listAccounts.listId, list.id))).toEqual(
      [],
    );
    expect(await db.select().from(lists).where(eq(lists.id, list.id))).toHaveLength(1);
  });
});

describe("relationship changes", () => {
  it("follow merges recent public, unlisted and private statuses; unfollow unmerges", async () => {
    const [reader, target] = await users(2);
    const pub = await insertStatus(t, target!);
    const unlisted = await insertStatus(t, target!, { visibility: "unlisted" });
    const priv = await insertStatus(t, target!, { visibility: "private" });
    await insertStatus(t, target!, { visibility: "direct", mentions: [reader!] });
    await t.drainJobs();
    await follow(t, reader!, target!);
    expect(await homeFeedIds(t, reader!.id)).toEqual([]);
    await t.drainJobs();
    expect(await homeFeedIds(t, reader!.id)).toEqual([priv.id, unlisted.id, pub.id]);
    await db.transaction((tx) => onUnfollow(tx, reader!.id, target!.id));
    expect(await homeFeedIds(t, reader!.id)).toEqual([]);
  });

  it("a block or mute clears the target's statuses, boosts of them and mentions of it", async () => {
    const [reader, target, friend] = await users(3);
    await follow(t, reader!, target!);
    await follow(t, reader!, friend!);
    await t.drainJobs();
    const own = await insertStatus(t, target!);
    const boosted = await insertStatus(t, friend!, { reblogOf: own });
    const mentioning = await insertStatus(t, friend!, { mentions: [target!] });
    const unrelated = await insertStatus(t, friend!);
    await t.drainJobs();
    expect(await homeFeedIds(t, reader!.id)).toContain(mentioning.id);
    await db.transaction((tx) => onBlockOrMute(tx, reader!.id, target!.id));
    const feed = await homeFeedIds(t, reader!.id);
    expect(feed).toEqual([unrelated.id]);
    expect(feed).not.toContain(boosted.id);
    // Unmuting someone still followed brings their statuses back.
    await db.transaction((tx) => onUnmute(tx, reader!.id, target!.id, t.jobs));
    await t.drainJobs();
    expect(await homeFeedIds(t, reader!.id)).toEqual([unrelated.id, own.id]);
  });

  it("a deleted status and its boosts leave every feed", async () => {
    const [author, booster, reader] = await users(3);
    await follow(t, reader!, booster!);
    await t.drainJobs();
    const original = await insertStatus(t, author!);
    const boost = await insertStatus(t, booster!, { reblogOf: original });
    await t.drainJobs();
    expect(await homeFeedIds(t, reader!.id)).toEqual([boost.id]);
    expect(await homeFeedIds(t, author!.id)).toEqual([original.id]);
    await db.transaction(async (tx) => {
      await tx.update(statuses).set({ deletedAt: new Date() }).where(eq(statuses.id, original.id));
      await onStatusDeleted(tx, original);
    });
    expect(await homeFeedIds(t, reader!.id)).toEqual([]);
    expect(await homeFeedIds(t, author!.id)).toEqual([]);
  });

  it("a status deleted before its fan-out runs is not delivered", async () => {
    const [author, fan] = await users(2);
    await follow(t, fan!, author!);
    await t.drainJobs();
    const status = await insertStatus(t, author!);
    await db.update(statuses).set({ deletedAt: new Date() }).where(eq(statuses.id, status.id));
    await t.drainJobs();
    expect(await homeFeedIds(t, fan!.id)).toEqual([]);
  });
});

describe("trimming", () => {
  it("keeps the newest MAX_ITEMS entries of each feed", async () => {
    const [author, fan] = await users(2);
    await follow(t, fan!, author!);
    await t.drainJobs();
    const posted = [];
    for (let i = 0; i < 5; i++) posted.push((await insertStatus(t, author!)).id);
    await t.drainJobs();
    const result = await trimFeeds(db, 3);
    expect(result.home).toBeGreaterThanOrEqual(4);
    expect(await homeFeedIds(t, fan!.id)).toEqual(posted.slice(2).reverse());
    const { rows } = await db.execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM home_feed_entries WHERE account_id = ${author!.id}`,
    );
    expect(rows[0]!.n).toBe(3);
  });
});

describe("a deleted boost gives way to a later boost of the same post", () => {
  const boost = async (user: TestUser, id: string): Promise<string> => {
    const res = await t.json(`/api/v1/statuses/${id}/reblog`, {
      method: "POST",
      token: user.token,
    });
    expect(res.status).toBe(200);
    await t.drainJobs();
    return res.body.id;
  };
  const unboost = async (user: TestUser, id: string) => {
    const res = await t.json(`/api/v1/statuses/${id}/unreblog`, {
      method: "POST",
      token: user.token,
    });
    expect(res.status).toBe(200);
  };
  const remove = async (user: TestUser, id: string) => {
    const res = await t.json(`/api/v1/statuses/${id}`, { method: "DELETE", token: user.token });
    expect(res.status).toBe(200);
  };
  const testUsers = async (n: number) => {
    const out: TestUser[] = [];
    for (let i = 0; i < n; i++) out.push(await makeUser(t));
    return out;
  };

  it("in a home feed: the oldest later boost by someone followed, in turn", async () => {
    const [author, b1, b2, b3, reader] = await testUsers(5);
    for (const b of [b1!, b2!, b3!]) await follow(t, reader!.account, b.account);
    await t.drainJobs();
    const original = (await postStatus(t, author!, { status: "worth boosting" })).id as string;
    const boost1 = await boost(b1!, original);
    const boost2 = await boost(b2!, original);
    const boost3 = await boost(b3!, original);
    expect(await homeFeedIds(t, reader!.account.id)).toEqual([boost1]);

    await unboost(b1!, original);
    expect(await homeFeedIds(t, reader!.account.id)).toEqual([boost2]);
    const home = await t.json("/api/v1/timelines/home", { token: reader!.token });
    expect(home.body.map((s: any) => [s.id, s.account.id, s.reblog?.id])).toEqual([
      [boost2, b2!.account.id, original],
    ]);

    await remove(b2!, boost2);
    expect(await homeFeedIds(t, reader!.account.id)).toEqual([boost3]);
    await unboost(b3!, original);
    expect(await homeFeedIds(t, reader!.account.id)).toEqual([]);
  });

  it("only a boost the reader would receive: their own, not a stranger's or a muted one's", async () => {
    const [author, friend, muted, stranger, reader] = await testUsers(5);
    await follow(t, reader!.account, friend!.account);
    await follow(t, reader!.account, muted!.account);
    await t.drainJobs();
    const original = (await postStatus(t, author!, { status: "worth boosting" })).id as string;
    const shown = await boost(friend!, original);
    await boost(muted!, original);
    await boost(stranger!, original);
    const own = await boost(reader!, original);
    expect(await homeFeedIds(t, reader!.account.id)).toEqual([shown]);
    await mute(t, reader!.account, muted!.account);
    await unboost(friend!, original);
    expect(await homeFeedIds(t, reader!.account.id)).toEqual([own]);
    // Nobody else's feed gains anything.
    expect(await homeFeedIds(t, stranger!.account.id)).not.toContain(own);
  });

  it("not once the boost has sunk below the newest 40 entries", async () => {
    const [author, b1, b2, reader] = await testUsers(4);
    await follow(t, reader!.account, b1!.account);
    await follow(t, reader!.account, b2!.account);
    await t.drainJobs();
    const original = (await postStatus(t, author!, { status: "worth boosting" })).id as string;
    const boost1 = await boost(b1!, original);
    const boost2 = await boost(b2!, original);
    for (let i = 0; i < 40; i++) await insertStatus(t, b1!.account);
    await t.drainJobs();
    await unboost(b1!, original);
    const feed = await homeFeedIds(t, reader!.account.id);
    expect(feed).toHaveLength(40);
    expect(feed).not.toContain(boost1);
    expect(feed).not.toContain(boost2);
  });

  it("not when the original is deleted: every boost goes", async () => {
    const [author, b1, b2, reader] = await testUsers(4);
    await follow(t, reader!.account, b1!.account);
    await follow(t, reader!.account, b2!.account);
    await t.drainJobs();
    const original = (await postStatus(t, author!, { status: "worth boosting" })).id as string;
    await boost(b1!, original);
    await boost(b2!, original);
    await remove(author!, original);
    expect(await homeFeedIds(t, reader!.account.id)).toEqual([]);
    expect(await homeFeedIds(t, author!.account.id)).toEqual([]);
  });

  it("in a list: a later boost by a member takes the place", async () => {
    const [author, b1, b2, outsider, owner] = await testUsers(5);
    for (const b of [b1!, b2!, outsider!]) await follow(t, owner!.account, b.account);
    await t.drainJobs();
    const list = await createList(db, owner!.account.id, { title: "Boosters" });
    await addListMembers(db, t.jobs, owner!.account.id, list.id, [b1!.account.id, b2!.account.id]);
    await t.drainJobs();
    const original = (await postStatus(t, author!, { status: "worth boosting" })).id as string;
    const boost1 = await boost(b1!, original);
    await boost(outsider!, original);
    const boost2 = await boost(b2!, original);
    expect(await listFeedIds(t, list.id)).toEqual([boost1]);
    await unboost(b1!, original);
    // The outsider's boost is older, but the outsider is not on the list.
    expect(await listFeedIds(t, list.id)).toEqual([boost2]);
    const home = await homeFeedIds(t, owner!.account.id);
    expect(home).toHaveLength(1);
    expect(home).not.toContain(boost1);
    const timeline = await t.json(`/api/v1/timelines/list/${list.id}`, { token: owner!.token });
    expect(timeline.body.map((s: any) => s.id)).toEqual([boost2]);
  });
});
