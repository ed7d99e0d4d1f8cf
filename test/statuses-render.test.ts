// The Status loader and serializer (src/mastodon/entities/status.ts): the
// shape of the entity, the viewer's flags, and a fixed number of queries
// whatever the page size.
import { describe, expect, it } from "vitest";
import { connect } from "../src/db/database.ts";
import {
  bookmarks,
  conversationMutes,
  conversations,
  customEmojis,
  favourites,
  mentions,
  oauthApplications,
  statusPins,
  statuses,
  statusesTags,
  tags,
  users,
} from "../src/db/schema/index.ts";
import { newId } from "../src/lib/ids.ts";
import { renderStatus, renderStatuses } from "../src/mastodon/entities/status.ts";
import { urlsFor } from "../src/urls.ts";
import { eq } from "drizzle-orm";
import { makeUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const db = t.database.db;
const urls = urlsFor(t.config);

async function insertStatus(values: Partial<typeof statuses.$inferInsert> & { accountId: string }) {
  const [row] = await db
    .insert(statuses)
    .values({ id: newId(), text: "hi", content: "<p>hi</p>", ...values })
    .returning();
  return row!;
}

async function tag(name: string) {
  await db.insert(tags).values({ id: newId(), name, displayName: name }).onConflictDoNothing();
  const [row] = await db.select().from(tags).where(eq(tags.name, name));
  return row!;
}

describe("renderStatuses", () => {
  it("renders every key of the Status entity for a visitor", async () => {
    const author = await makeUser(t);
    const [app] = await db.select().from(oauthApplications).limit(1);
    const s = await insertStatus({
      accountId: author.account.id,
      applicationId: app!.id,
      language: "en",
      spoilerText: "cw",
      sensitive: true,
    });
    const body = (await renderStatus(db, s.id, null, urls))!;
    expect(body).toEqual({
      id: s.id,
      created_at: s.createdAt.toISOString(),
      in_reply_to_id: null,
      in_reply_to_account_id: null,
      sensitive: true,
      spoiler_text: "cw",
      visibility: "public",
      language: "en",
      uri: `https://herd.test/users/${author.account.username}/statuses/${s.id}`,
      url: `https://herd.test/@${author.account.username}/${s.id}`,
      replies_count: 0,
      reblogs_count: 0,
      favourites_count: 0,
      quotes_count: 0,
      edited_at: null,
      content: "<p>hi</p>",
      reblog: null,
      application: { name: app!.name, website: app!.website || null },
      account: expect.objectContaining({ id: author.account.id, acct: author.account.username }),
      media_attachments: [],
      mentions: [],
      tags: [],
      emojis: [],
      quote: null,
      quote_approval: { automatic: [], manual: [], current_user: "denied" },
      card: null,
      poll: null,
    });
  });

  it("hides the application when the author's user says so, except from the author", async () => {
    const author = await makeUser(t);
    await db
      .update(users)
      .set({ settings: { show_application: false } })
      .where(eq(users.id, author.user.id));
    const [app] = await db.select().from(oauthApplications).limit(1);
    const s = await insertStatus({ accountId: author.account.id, applicationId: app!.id });
    expect(await renderStatus(db, s.id, null, urls)).not.toHaveProperty("application");
    expect((await renderStatus(db, s.id, author.account.id, urls))?.application).toEqual({
      name: app!.name,
      website: app!.website || null,
    });
  });

  it("nests the boosted status, keeps the order of ids and drops unknown ids", async () => {
    const a = await makeUser(t);
    const b = await makeUser(t);
    const original = await insertStatus({ accountId: a.account.id, text: "orig" });
    const boost = await insertStatus({
      accountId: b.account.id,
      reblogOfId: original.id,
      text: "",
      content: "",
    });
    const plain = await insertStatus({ accountId: b.account.id });
    const list = await renderStatuses(db, [plain.id, "1", boost.id, "x"], null, urls);
    expect(list.map((s) => s.id)).toEqual([plain.id, boost.id]);
    const rendered = list[1]!;
    expect(rendered.reblog?.id).toBe(original.id);
    expect(rendered.reblog?.account.id).toBe(a.account.id);
    expect(rendered.account.id).toBe(b.account.id);
    expect(rendered.uri).toBe(
      `https://herd.test/users/${b.account.username}/statuses/${boost.id}/activity`,
    );
    expect(rendered.reblog?.reblog).toBeNull();
  });

  it("shows the viewer's flags, mentions, tags and emojis", async () => {
    const viewer = await makeUser(t);
    const other = await makeUser(t);
    const [conv] = await db.insert(conversations).values({ id: newId() }).returning();
    const own = await insertStatus({
      accountId: viewer.account.id,
      conversationId: conv!.id,
      text: "hello :blobcat: #Cats @x",
    });
    await db.insert(customEmojis).values({
      id: newId(),
      shortcode: "blobcat",
      imageUrl: "/emoji/blobcat.png",
      staticImageUrl: "/emoji/blobcat_static.png",
    });
    const cats = await tag("cats");
    await db.insert(statusesTags).values({ statusId: own.id, tagId: cats.id });
    await db.insert(mentions).values([
      { id: newId(), statusId: own.id, accountId: other.account.id },
      { id: newId(), statusId: own.id, accountId: viewer.account.id, silent: true },
    ]);
    await db
      .insert(favourites)
      .values({ id: newId(), accountId: viewer.account.id, statusId: own.id });
    await db
      .insert(bookmarks)
      .values({ id: newId(), accountId: viewer.account.id, statusId: own.id });
    await db
      .insert(statusPins)
      .values({ id: newId(), accountId: viewer.account.id, statusId: own.id });
    await db
      .insert(conversationMutes)
      .values({ accountId: viewer.account.id, conversationId: conv!.id });
    await insertStatus({ accountId: viewer.account.id, reblogOfId: own.id, text: "" });

    const mine = (await renderStatus(db, own.id, viewer.account.id, urls))!;
    expect(mine).toMatchObject({
      favourited: true,
      reblogged: true,
      bookmarked: true,
      muted: true,
      pinned: true,
      filtered: [],
      tags: [{ name: "cats", url: "https://herd.test/tags/cats" }],
      mentions: [
        {
          id: other.account.id,
          username: other.account.username,
          acct: other.account.username,
          url: `https://herd.test/@${other.account.username}`,
        },
      ],
      emojis: [
        {
          shortcode: "blobcat",
          url: "https://herd.test/emoji/blobcat.png",
          static_url: "https://herd.test/emoji/blobcat_static.png",
        },
      ],
    });

    // Another signed-in viewer: flags false, no `pinned`.
    const theirs = (await renderStatus(db, own.id, other.account.id, urls))!;
    expect(theirs).toMatchObject({
      favourited: false,
      reblogged: false,
      bookmarked: false,
      muted: false,
    });
    expect(theirs).not.toHaveProperty("pinned");
    // A visitor: no flags at all.
    const anon = (await renderStatus(db, own.id, null, urls))!;
    for (const key of ["favourited", "reblogged", "bookmarked", "muted", "pinned", "filtered"]) {
      expect(anon).not.toHaveProperty(key);
    }
  });

  it("shows the source instead of the content when asked", async () => {
    const a = await makeUser(t);
    const s = await insertStatus({ accountId: a.account.id, text: "src" });
    const body = (await renderStatus(db, s.id, a.account.id, urls, { source: true }))!;
    expect(body.text).toBe("src");
    expect(body).not.toHaveProperty("content");
  });

  it("loads any page in the same number of queries", async () => {
    const viewer = await makeUser(t);
    const authors = await Promise.all([1, 2, 3, 4].map(() => makeUser(t)));
    const [app] = await db.select().from(oauthApplications).limit(1);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const author = authors[i % authors.length]!;
      const s = await insertStatus({
        accountId: author.account.id,
        applicationId: app!.id,
        text: `post ${i} :blobcat:`,
      });
      await db.insert(mentions).values({
        id: newId(),
        statusId: s.id,
        accountId: authors[(i + 1) % authors.length]!.account.id,
      });
      const tg = await tag(`t${i % 5}`);
      await db.insert(statusesTags).values({ statusId: s.id, tagId: tg.id }).onConflictDoNothing();
      if (i % 3 === 0) {
        const boost = await insertStatus({
          accountId: authors[(i + 2) % authors.length]!.account.id,
          reblogOfId: s.id,
          text: "",
        });
        ids.push(boost.id);
      } else {
        ids.push(s.id);
      }
    }

    const counting = connect(t.url, 2);
    let queries = 0;
    const original = counting.pool.query.bind(counting.pool);
    counting.pool.query = ((...args: Parameters<typeof original>) => {
      queries++;
      return original(...args);
    }) as typeof counting.pool.query;
    try {
      const count = async (page: string[]) => {
        queries = 0;
        const out = await renderStatuses(counting.db, page, viewer.account.id, urls);
        expect(out.length).toBe(page.length);
        return queries;
      };
      const one = await count(ids.slice(0, 1));
      const small = await count(ids.slice(0, 4));
      const large = await count(ids);
      expect(one).toBeGreaterThan(0);
      expect(small).toBe(large);
      expect(large).toBeLessThanOrEqual(8);
    } finally {
      await counting.close();
    }
  });
});
