// Custom emojis through the client API
// (https://docs.joinmastodon.org/methods/custom_emojis/): the picker's list
// with categories, and the `emojis` arrays of Account (display name, note,
// fields) and Status entities, wherever accounts and statuses are shown.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accounts, customEmojis, statuses } from "../src/db/schema/index.ts";
import { newId } from "../src/lib/ids.ts";
import { makeRemoteAccount, makeUser, postStatus } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const db = t.database.db;

const emoji = (shortcode: string, extra: Partial<typeof customEmojis.$inferInsert> = {}) => ({
  id: newId(),
  shortcode,
  imageUrl: `custom_emojis/images/000/000/001/original/${shortcode}.png`,
  staticImageUrl: `custom_emojis/images/000/000/001/static/${shortcode}.png`,
  ...extra,
});

await db.insert(customEmojis).values([
  emoji("blobcat", { category: "Blobs" }),
  emoji("blobfox", { category: "Blobs" }),
  emoji("wave"),
  emoji("hidden", { visibleInPicker: false, category: "Blobs" }),
  emoji("off", { disabled: true }),
  emoji("blobcat", {
    domain: "remote.example",
    imageUrl: "https://remote.example/emoji/blobcat.png",
    staticImageUrl: "https://remote.example/emoji/blobcat_static.png",
  }),
]);

const entity = (shortcode: string, category?: string) => ({
  shortcode,
  url: `https://herd.test/system/custom_emojis/images/000/000/001/original/${shortcode}.png`,
  static_url: `https://herd.test/system/custom_emojis/images/000/000/001/static/${shortcode}.png`,
  visible_in_picker: true,
  ...(category ? { category } : {}),
});

describe("GET /api/v1/custom_emojis", () => {
  it("lists the local, enabled emojis shown in the picker, with their categories, to anyone", async () => {
    const { status, body } = await t.json("/api/v1/custom_emojis");
    expect(status).toBe(200);
    expect(body).toEqual(
      expect.arrayContaining([
        entity("blobcat", "Blobs"),
        entity("blobfox", "Blobs"),
        entity("wave"),
      ]),
    );
    expect(body).toHaveLength(3);
    // `category` is absent (not null) for an emoji without one, as Mastodon.
    expect(body.find((e: any) => e.shortcode === "wave")).not.toHaveProperty("category");
  });
});

const alice = await makeUser(t);
await t.json("/api/v1/accounts/update_credentials", {
  method: "PATCH",
  token: alice.token,
  json: {
    display_name: ":blobcat: Alice :off: :nope:",
    note: "I like :blobfox: and:wave:glued",
    fields_attributes: [{ name: "Hi :wave:", value: "see :blobcat:" }],
  },
});

describe("emojis of accounts", () => {
  it("shows those of the display name, note and fields, once each, not disabled or unknown ones", async () => {
    const { body } = await t.json(`/api/v1/accounts/${alice.account.id}`);
    expect(body.display_name).toBe(":blobcat: Alice :off: :nope:");
    // Account#emojifiable_text: the note, then the name, then the fields.
    expect(body.emojis).toEqual([
      entity("blobfox", "Blobs"),
      entity("blobcat", "Blobs"),
      entity("wave"),
    ]);
  });

  it("shows them in verify_credentials, lists of accounts and search", async () => {
    const own = await t.json("/api/v1/accounts/verify_credentials", { token: alice.token });
    expect(own.body.emojis.map((e: any) => e.shortcode)).toEqual(["blobfox", "blobcat", "wave"]);

    const bob = await makeUser(t);
    const many = await t.json(`/api/v1/accounts?id[]=${alice.account.id}&id[]=${bob.account.id}`, {
      token: bob.token,
    });
    expect(many.body.map((a: any) => a.emojis.length)).toEqual([3, 0]);

    const search = await t.json(`/api/v2/search?q=${alice.account.username}&type=accounts`, {
      token: bob.token,
    });
    expect(search.body.accounts[0].emojis).toHaveLength(3);
  });

  it("takes a remote account's emojis from its own domain only", async () => {
    const remote = await makeRemoteAccount(t, { domain: "remote.example" });
    await db
      .update(accounts)
      .set({ displayName: ":blobcat: :blobfox: Remote" })
      .where(eq(accounts.id, remote.id));
    const { body } = await t.json(`/api/v1/accounts/${remote.id}`);
    expect(body.emojis).toEqual([
      {
        shortcode: "blobcat",
        url: "https://remote.example/emoji/blobcat.png",
        static_url: "https://remote.example/emoji/blobcat_static.png",
        visible_in_picker: true,
      },
    ]);
  });

  it("shows none for a suspended account", async () => {
    const carol = await makeUser(t);
    await db
      .update(accounts)
      .set({ displayName: ":blobcat:", suspendedAt: new Date() })
      .where(eq(accounts.id, carol.account.id));
    const { body } = await t.json(`/api/v1/accounts/${carol.account.id}`);
    expect(body.emojis).toEqual([]);
  });
});

describe("emojis of statuses", () => {
  it("shows the status's emojis and its author's, in a status and in timelines", async () => {
    const dave = await makeUser(t);
    await db
      .update(accounts)
      .set({ displayName: "Dave :wave:" })
      .where(eq(accounts.id, dave.account.id));
    const posted = await postStatus(t, dave, {
      status: "hello :blobfox:",
      spoiler_text: ":blobcat: cw",
      visibility: "public",
    });
    expect(posted.emojis.map((e: any) => e.shortcode)).toEqual(["blobfox", "blobcat"]);
    expect(posted.account.emojis).toEqual([entity("wave")]);

    const { body } = await t.json(`/api/v1/statuses/${posted.id}`);
    expect(body.account.emojis).toEqual([entity("wave")]);

    const boost = await t.json(`/api/v1/statuses/${posted.id}/reblog`, {
      method: "POST",
      token: dave.token,
    });
    expect(boost.body.account.emojis).toEqual([entity("wave")]);
    expect(boost.body.reblog.emojis).toHaveLength(2);

    const timeline = await t.json(`/api/v1/accounts/${dave.account.id}/statuses`);
    for (const status of timeline.body) {
      expect(status.account.emojis).toEqual([entity("wave")]);
    }
  });

  it("uses a remote author's own emojis in its statuses", async () => {
    const remote = await makeRemoteAccount(t, { domain: "remote.example" });
    await db.update(accounts).set({ displayName: ":blobcat:" }).where(eq(accounts.id, remote.id));
    const id = newId();
    await db.insert(statuses).values({
      id,
      accountId: remote.id,
      uri: `https://remote.example/statuses/${id}`,
      text: "",
      content: "<p>remote :blobcat: :wave:</p>",
      visibility: "public",
      local: false,
    });
    const { body } = await t.json(`/api/v1/statuses/${id}`);
    expect(body.emojis.map((e: any) => e.url)).toEqual([
      "https://remote.example/emoji/blobcat.png",
    ]);
    expect(body.account.emojis.map((e: any) => e.url)).toEqual([
      "https://remote.example/emoji/blobcat.png",
    ]);
  });
});
