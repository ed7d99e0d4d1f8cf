import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accounts, followRequests, users } from "../src/db/schema/index.ts";
import { newId } from "../src/lib/ids.ts";
import { follow, makeRemoteAccount, makeUser, tokenFor } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const db = t.database.db;

const link = (href: string, shown: string, rel = "nofollow noopener noreferrer") =>
  `<a href="${href}" target="_blank" rel="${rel}" translate="no"><span class="invisible">https://</span>` +
  `<span class="">${shown}</span><span class="invisible"></span></a>`;

describe("GET /api/v1/accounts/verify_credentials", () => {
  it("answers the CredentialAccount of the token's user", async () => {
    const { account, token } = await makeUser(t);
    const { status, body } = await t.json("/api/v1/accounts/verify_credentials", { token });
    expect(status).toBe(200);
    expect(body).toEqual({
      id: account.id,
      username: account.username,
      acct: account.username,
      display_name: "",
      locked: false,
      bot: false,
      discoverable: null,
      indexable: false,
      group: false,
      created_at: `${account.createdAt.toISOString().slice(0, 10)}T00:00:00.000Z`,
      note: "",
      url: `https://herd.test/@${account.username}`,
      uri: `https://herd.test/users/${account.username}`,
      avatar: "https://herd.test/avatars/original/missing.png",
      avatar_static: "https://herd.test/avatars/original/missing.png",
      avatar_description: "",
      header: "https://herd.test/headers/original/missing.png",
      header_static: "https://herd.test/headers/original/missing.png",
      header_description: "",
      followers_count: 0,
      following_count: 0,
      statuses_count: 0,
      last_status_at: null,
      hide_collections: null,
      show_media: true,
      show_media_replies: true,
      show_featured: true,
      noindex: false,
      emojis: [],
      roles: [],
      fields: [],
      source: {
        privacy: "public",
        sensitive: false,
        language: "",
        note: "",
        fields: [],
        follow_requests_count: 0,
        hide_collections: null,
        discoverable: null,
        indexable: false,
        attribution_domains: [],
        quote_policy: "public",
      },
      role: { id: "-99", name: "", color: "", permissions: "65536", highlighted: false },
    });
  });

  it("shows a highlighted role", async () => {
    const { token } = await makeUser(t, { roleId: 3 });
    const { body } = await t.json("/api/v1/accounts/verify_credentials", { token });
    expect(body.roles).toEqual([{ id: "3", name: "Owner", color: "" }]);
    expect(body.role).toMatchObject({ id: "3", name: "Owner", highlighted: true });
  });

  it("takes the profile, read or read:accounts scope", async () => {
    const { user } = await makeUser(t);
    for (const scope of ["profile", "read", "read:accounts"]) {
      const token = await tokenFor(t, user.id, [scope]);
      expect((await t.json("/api/v1/accounts/verify_credentials", { token })).status).toBe(200);
    }
    const write = await tokenFor(t, user.id, ["write"]);
    const denied = await t.json("/api/v1/accounts/verify_credentials", { token: write });
    expect(denied).toMatchObject({
      status: 403,
      body: { error: "This action is outside the authorized scopes" },
    });
  });

  it("refuses missing tokens, app tokens and unusable users", async () => {
    expect(await t.json("/api/v1/accounts/verify_credentials")).toMatchObject({
      status: 401,
      body: { error: "The access token is invalid" },
    });
    expect(
      await t.json("/api/v1/accounts/verify_credentials", {
        token: await tokenFor(t, null, ["read"]),
      }),
    ).toMatchObject({ status: 422, body: { error: "This method requires an authenticated user" } });
    const { user, token } = await makeUser(t);
    await db.update(users).set({ disabled: true }).where(eq(users.id, user.id));
    expect(await t.json("/api/v1/accounts/verify_credentials", { token })).toMatchObject({
      status: 403,
      body: { error: "Your login is currently disabled" },
    });
  });
});

describe("source.follow_requests_count", () => {
  it("counts pending follow requests in verify_credentials and update_credentials", async () => {
    const owner = await makeUser(t);
    await db.update(accounts).set({ locked: true }).where(eq(accounts.id, owner.account.id));
    const count = async () => {
      const verified = await t.json("/api/v1/accounts/verify_credentials", { token: owner.token });
      const updated = await t.json("/api/v1/accounts/update_credentials", {
        method: "PATCH",
        token: owner.token,
        json: {},
      });
      expect(updated.body.source.follow_requests_count).toBe(
        verified.body.source.follow_requests_count,
      );
      return verified.body.source.follow_requests_count;
    };
    expect(await count()).toBe(0);
    const [asker, other, quitter] = [await makeUser(t), await makeUser(t), await makeUser(t)];
    for (const user of [asker, other, quitter]) await follow(t, user, owner.account.id);
    expect(await count()).toBe(3);
    // Withdrawn, accepted and rejected requests are no longer pending.
    await t.json(`/api/v1/accounts/${owner.account.id}/unfollow`, {
      method: "POST",
      token: quitter.token,
    });
    await t.json(`/api/v1/follow_requests/${asker.account.id}/authorize`, {
      method: "POST",
      token: owner.token,
    });
    expect(await count()).toBe(1);
    await t.json(`/api/v1/follow_requests/${other.account.id}/reject`, {
      method: "POST",
      token: owner.token,
    });
    expect(await count()).toBe(0);
    // Nor are requests others receive counted.
    const elsewhere = await makeUser(t);
    await db.update(accounts).set({ locked: true }).where(eq(accounts.id, elsewhere.account.id));
    await follow(t, asker, elsewhere.account.id);
    expect(await count()).toBe(0);
  });

  it("stops counting at 40, as Mastodon", async () => {
    const owner = await makeUser(t);
    const askers = await Promise.all(Array.from({ length: 41 }, () => makeRemoteAccount(t)));
    await db
      .insert(followRequests)
      .values(
        askers.map((a) => ({ id: newId(), accountId: a.id, targetAccountId: owner.account.id })),
      );
    const { body } = await t.json("/api/v1/accounts/verify_credentials", { token: owner.token });
    expect(body.source.follow_requests_count).toBe(40);
  });
});

describe("PATCH /api/v1/accounts/update_credentials", () => {
  const patch = (token: string, init: Record<string, unknown>) =>
    t.json("/api/v1/accounts/update_credentials", { method: "PATCH", token, ...init });

  it("updates the profile and renders the bio as Mastodon does", async () => {
    const friend = await makeUser(t, { username: `Friend${Date.now().toString(36)}` });
    const { account, token } = await makeUser(t);
    const note = `Hi @${friend.account.username.toLowerCase()} and @nobody!\n\nI like #goats <3\nhttps://example.com`;
    const { status, body } = await patch(token, {
      json: {
        display_name: "  Goat Herder  ",
        note,
        locked: true,
        bot: "1",
        discoverable: true,
        hide_collections: "true",
        indexable: false,
      },
    });
    expect(status).toBe(200);
    expect(body.display_name).toBe("Goat Herder");
    expect(body.note).toBe(
      `<p>Hi <span class="h-card" translate="no"><a href="https://herd.test/@${friend.account.username}" class="u-url mention">` +
        `@<span>${friend.account.username}</span></a></span> and @nobody!</p>` +
        `<p>I like <a href="https://herd.test/tags/goats" class="mention hashtag" rel="tag">#<span>goats</span></a> &lt;3<br />` +
        `${link("https://example.com", "example.com")}</p>`,
    );
    expect(body.source.note).toBe(note);
    expect(body).toMatchObject({
      locked: true,
      bot: true,
      discoverable: true,
      hide_collections: true,
      indexable: false,
    });
    // A locked account posts to followers by default.
    expect(body.source.privacy).toBe("private");

    const [row] = await db.select().from(accounts).where(eq(accounts.id, account.id));
    expect(row!.noteSource).toBe(note);
    expect(row!.note).toBe(body.note);
    const again = await t.json(`/api/v1/accounts/${account.id}`);
    expect(again.body.note).toBe(body.note);
    expect(again.body.display_name).toBe("Goat Herder");
  });

  it("takes fields as a Rails hash in a form, with values linkified (rel=me)", async () => {
    const { token } = await makeUser(t);
    const { status, body } = await patch(token, {
      form: {
        "fields_attributes[0][name]": "Website",
        "fields_attributes[0][value]": "https://example.com",
        "fields_attributes[1][name]": "Pronouns",
        "fields_attributes[1][value]": "they/them <3",
        "fields_attributes[2][name]": "",
        "fields_attributes[2][value]": "",
      },
    });
    expect(status).toBe(200);
    expect(body.fields).toEqual([
      {
        name: "Website",
        value: link("https://example.com", "example.com", "nofollow noopener noreferrer me"),
        verified_at: null,
      },
      { name: "Pronouns", value: "they/them &lt;3", verified_at: null },
    ]);
    expect(body.source.fields).toEqual([
      { name: "Website", value: "https://example.com", verified_at: null },
      { name: "Pronouns", value: "they/them <3", verified_at: null },
    ]);
  });

  it("takes fields as a JSON array or multipart", async () => {
    const { token } = await makeUser(t);
    const json = await patch(token, {
      json: {
        fields_attributes: [
          { name: "a", value: "1" },
          { name: "b", value: "2" },
        ],
      },
    });
    expect(json.body.source.fields.map((f: { name: string }) => f.name)).toEqual(["a", "b"]);

    const form = new FormData();
    form.set("fields_attributes[0][name]", "c");
    form.set("fields_attributes[0][value]", "3");
    form.set("display_name", "Multi");
    // An empty file input arrives as "", and changes nothing (avatars: test/profile-images.test.ts).
    form.set("avatar", "");
    const mp = await patch(token, { multipart: form });
    expect(mp.status).toBe(200);
    expect(mp.body.display_name).toBe("Multi");
    expect(mp.body.source.fields).toEqual([{ name: "c", value: "3", verified_at: null }]);
    expect(mp.body.avatar).toBe("https://herd.test/avatars/original/missing.png");
  });

  it("cuts field names and values at 255 characters and keeps verification of unchanged values", async () => {
    const { account, token } = await makeUser(t);
    const long = await patch(token, {
      json: { fields_attributes: { "0": { name: "n".repeat(300), value: "v".repeat(300) } } },
    });
    expect(long.status).toBe(200);
    expect(long.body.source.fields[0].name).toHaveLength(255);
    expect(long.body.source.fields[0].value).toHaveLength(255);

    await patch(token, {
      json: { fields_attributes: [{ name: "Site", value: "https://example.com" }] },
    });
    const [row] = await db.select().from(accounts).where(eq(accounts.id, account.id));
    const verifiedAt = "2024-01-02T03:04:05.000Z";
    await db
      .update(accounts)
      .set({ fields: row!.fields.map((f) => ({ ...f, verified_at: verifiedAt })) })
      .where(eq(accounts.id, account.id));
    const kept = await patch(token, {
      json: {
        fields_attributes: [
          { name: "Home", value: "https://example.com" },
          { name: "Other", value: "https://example.org" },
        ],
      },
    });
    expect(kept.body.fields.map((f: { verified_at: string | null }) => f.verified_at)).toEqual([
      verifiedAt,
      null,
    ]);
  });

  it("sets posting defaults from source[...]", async () => {
    const { token } = await makeUser(t);
    const { status, body } = await patch(token, {
      form: {
        "source[privacy]": "unlisted",
        "source[sensitive]": "true",
        "source[language]": "de",
        "source[quote_policy]": "followers",
      },
    });
    expect(status).toBe(200);
    expect(body.source).toMatchObject({
      privacy: "unlisted",
      sensitive: true,
      language: "de",
      quote_policy: "followers",
    });
    const prefs = await t.json("/api/v1/preferences", { token });
    expect(prefs.body).toEqual({
      "posting:default:visibility": "unlisted",
      "posting:default:sensitive": true,
      "posting:default:language": "de",
      "posting:default:quote_policy": "followers",
      "reading:expand:media": "default",
      "reading:expand:spoilers": false,
    });
    const cleared = await patch(token, { json: { source: { language: "" }, display_name: null } });
    expect(cleared.body.source.language).toBe("");
    expect(cleared.body.display_name).toBe("");
  });

  it("answers Mastodon's validation errors", async () => {
    const { token } = await makeUser(t);
    const tooLong = await patch(token, {
      json: { display_name: "x".repeat(31), note: "y".repeat(501) },
    });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body).toEqual({
      error:
        "Validation failed: Display name is too long (maximum is 30 characters), " +
        "Note is too long (maximum is 500 characters)",
      details: {
        display_name: [
          { error: "ERR_TOO_LONG", description: "is too long (maximum is 30 characters)" },
        ],
        note: [{ error: "ERR_TOO_LONG", description: "is too long (maximum is 500 characters)" }],
      },
    });
    // A URL counts as 23 characters in a bio.
    const withUrl = await patch(token, {
      json: { note: `${"y".repeat(470)} https://example.com/${"p".repeat(200)}` },
    });
    expect(withUrl.status).toBe(200);

    const five = Array.from({ length: 5 }, (_, i) => ({ name: `n${i}`, value: `v${i}` }));
    const fields = await patch(token, { json: { fields_attributes: five } });
    expect(fields.status).toBe(422);
    expect(fields.body.details).toEqual({
      fields: [{ error: "ERR_TOO_LONG", description: "is too long (maximum is 4 characters)" }],
    });
    const unnamed = await patch(token, {
      json: { fields_attributes: [{ name: " ", value: "v" }] },
    });
    expect(unnamed.body).toEqual({
      error: "Validation failed: Fields contains values with missing labels",
      details: {
        fields: [
          {
            error: "ERR_FIELDS_WITH_VALUES_MISSING_LABELS",
            description: "contains values with missing labels",
          },
        ],
      },
    });
    for (const source of [
      { privacy: "direct" },
      { language: "not a language" },
      { quote_policy: "x" },
    ]) {
      expect((await patch(token, { json: { source } })).status).toBe(422);
    }
    // Nothing was changed by the refused requests.
    const me = await t.json("/api/v1/accounts/verify_credentials", { token });
    expect(me.body.display_name).toBe("");
    expect(me.body.source.privacy).toBe("public");
  });

  it("refuses wrong types and malformed bodies", async () => {
    const { token } = await makeUser(t);
    expect((await patch(token, { json: { display_name: { a: 1 } } })).status).toBe(422);
    expect((await patch(token, { json: { locked: [true] } })).status).toBe(422);
    expect((await patch(token, { json: { fields_attributes: ["x"] } })).status).toBe(422);
    expect((await patch(token, { json: { source: "public" } })).status).toBe(422);
    const malformed = await patch(token, {
      body: "{",
      headers: { "content-type": "application/json" },
    });
    expect(malformed).toMatchObject({
      status: 400,
      body: { error: "Error occurred while parsing request parameters" },
    });
  });

  it("needs a user token with write:accounts", async () => {
    const { user } = await makeUser(t);
    expect((await t.json("/api/v1/accounts/update_credentials", { method: "PATCH" })).status).toBe(
      401,
    );
    const read = await tokenFor(t, user.id, ["read"]);
    expect((await patch(read, { json: {} })).status).toBe(403);
    const granular = await tokenFor(t, user.id, ["write:accounts"]);
    expect((await patch(granular, { json: { display_name: "ok" } })).body.display_name).toBe("ok");
    const app = await tokenFor(t, null, ["write"]);
    expect(await patch(app, { json: {} })).toMatchObject({
      status: 422,
      body: { error: "This method requires an authenticated user" },
    });
  });
});

describe("GET /api/v1/preferences", () => {
  it("answers the defaults", async () => {
    const { token } = await makeUser(t, { locale: "fr" });
    const { status, body } = await t.json("/api/v1/preferences", { token });
    expect(status).toBe(200);
    expect(body).toEqual({
      "posting:default:visibility": "public",
      "posting:default:sensitive": false,
      "posting:default:language": "fr",
      "posting:default:quote_policy": "public",
      "reading:expand:media": "default",
      "reading:expand:spoilers": false,
    });
  });

  it("reads expand_media and expand_spoilers from the user's settings", async () => {
    const { user, token } = await makeUser(t, {
      settings: { expand_media: "show_all", expand_spoilers: true },
    });
    const { body } = await t.json("/api/v1/preferences", { token });
    expect(body["reading:expand:media"]).toBe("show_all");
    expect(body["reading:expand:spoilers"]).toBe(true);
    expect(body["posting:default:language"]).toBeNull();
    const write = await tokenFor(t, user.id, ["write"]);
    expect((await t.json("/api/v1/preferences", { token: write })).status).toBe(403);
    expect((await t.json("/api/v1/preferences")).status).toBe(401);
  });
});
