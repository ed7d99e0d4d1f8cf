import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { customEmojis, domainBlocks, instances } from "../src/db/schema/index.ts";
import { renderMarkdown } from "../src/domain/instance/markdown.ts";
import { addRule, listRules, removeRule } from "../src/domain/instance/rules.ts";
import { DEFAULT_SETTINGS, setSettings } from "../src/domain/instance/settings.ts";
import { forgetInstanceStats } from "../src/domain/instance/stats.ts";
import { obfuscateDomain } from "../src/domain/instance/domain-blocks.ts";
import { DomainError } from "../src/domain/errors.ts";
import { newId } from "../src/lib/ids.ts";
import { makeUser, tokenFor } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
// A server whose accounts are @user@herd.test but which is served from another host.
const split = await createTestInstance({ env: { WEB_DOMAIN: "social.herd.test" } });

const db = t.database.db;

async function resetSettings() {
  await db.execute(sql`DELETE FROM site_settings`);
}

afterEach(resetSettings);

describe("GET /api/v2/instance", () => {
  it("describes the server with Herd's limits and defaults", async () => {
    const { status, body, res } = await t.json("/api/v2/instance");
    expect(status).toBe(200);
    // Mastodon's cache_even_if_authenticated! with vary_by '': the same for everyone.
    expect(res.headers.get("cache-control")).toBe(
      "max-age=300, public, stale-while-revalidate=30, stale-if-error=86400",
    );
    expect(res.headers.get("vary")).toBeNull();
    expect(res.headers.get("deprecation")).toBeNull();
    expect(body.domain).toBe("herd.test");
    expect(body.title).toBe("Herd");
    expect(body.version).toBe("4.5.0 (compatible; Herd 0.1.0)");
    expect(body.version).toMatch(/^4\.5\.0\b/);
    expect(body.source_url).toMatch(/^https:\/\//);
    expect(body.description).toBe("");
    expect(body.thumbnail.url).toBe("https://herd.test/images/preview.png");
    expect(body.icon).toEqual([]);
    expect(body.languages).toEqual(["en"]);
    expect(body.api_versions).toEqual({ mastodon: 6 });
    expect(body.wrapstodon).toBeNull();
    expect(body.contact).toEqual({ email: "", account: null });
    expect(body.rules).toEqual([]);
    expect(body.registrations).toEqual({
      enabled: true,
      approval_required: false,
      reason_required: false,
      message: null,
      min_age: null,
      url: null,
    });
    const conf = body.configuration;
    expect(conf.urls).toEqual({
      streaming: "wss://herd.test",
      status: null,
      about: "https://herd.test/about",
      privacy_policy: "https://herd.test/privacy-policy",
      terms_of_service: null,
    });
    expect(conf.vapid).toEqual({ public_key: "" });
    expect(conf.accounts).toEqual({
      max_display_name_length: 30,
      max_note_length: 500,
      max_featured_tags: 10,
      max_pinned_statuses: 5,
      max_profile_fields: 4,
      profile_field_name_limit: 255,
      profile_field_value_limit: 255,
    });
    expect(conf.statuses).toEqual({
      max_characters: 500,
      max_media_attachments: 4,
      characters_reserved_per_url: 23,
    });
    expect(conf.media_attachments).toMatchObject({
      description_limit: 1500,
      image_size_limit: 16777216,
      image_matrix_limit: 33177600,
      video_size_limit: 103809024,
      video_frame_rate_limit: 120,
      video_matrix_limit: 8294400,
    });
    expect(conf.media_attachments.supported_mime_types).toEqual(
      expect.arrayContaining(["image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4"]),
    );
    expect(conf.polls).toEqual({
      max_options: 4,
      max_characters_per_option: 50,
      min_expiration: 300,
      max_expiration: 2629746,
    });
    expect(conf.translation).toEqual({ enabled: false });
    expect(conf.timelines_access).toEqual({
      live_feeds: { local: "public", remote: "public" },
      hashtag_feeds: { local: "public", remote: "public" },
      trending_link_feeds: { local: "public", remote: "public" },
    });
    expect(conf.limited_federation).toBe(false);
  });

  it("shows the site settings, the contact account and the rules", async () => {
    const contact = await makeUser(t, { username: "staff_contact" });
    await setSettings(db, {
      site_title: "Herd Test",
      site_short_description: "A place for tests",
      site_contact_email: "staff@herd.test",
      site_contact_username: "@Staff_Contact",
      registrations_mode: "approved",
      require_invite_text: true,
      status_page_url: "https://status.herd.test",
      terms_of_service: "Be **kind**.",
      timeline_preview: false,
    });
    const second = await addRule(db, "Second", "");
    const first = await addRule(db, "No spam", "Nothing automated");
    // Priority orders the rules before ids do.
    await db.execute(sql`UPDATE rules SET priority = -1 WHERE id = ${first.id}`);

    const { body } = await t.json("/api/v2/instance");
    expect(body.title).toBe("Herd Test");
    expect(body.description).toBe("A place for tests");
    expect(body.contact.email).toBe("staff@herd.test");
    expect(body.contact.account).toMatchObject({
      id: contact.account.id,
      username: "staff_contact",
      acct: "staff_contact",
      url: "https://herd.test/@staff_contact",
    });
    expect(body.registrations).toMatchObject({
      enabled: true,
      approval_required: true,
      reason_required: true,
      message: null,
    });
    expect(body.configuration.urls.status).toBe("https://status.herd.test");
    expect(body.configuration.urls.terms_of_service).toBe("https://herd.test/terms-of-service");
    expect(body.configuration.timelines_access.live_feeds).toEqual({
      local: "authenticated",
      remote: "authenticated",
    });
    expect(body.rules).toEqual([
      { id: first.id, text: "No spam", hint: "Nothing automated", translations: {} },
      { id: second.id, text: "Second", hint: "", translations: {} },
    ]);
    await removeRule(db, first.id);
    await removeRule(db, second.id);
  });

  it("gives the closed-registrations message as HTML when registrations are closed", async () => {
    await setSettings(db, {
      registrations_mode: "none",
      closed_registrations_message: "Closed. See <b>news</b>.",
    });
    const { body } = await t.json("/api/v2/instance");
    expect(body.registrations.enabled).toBe(false);
    expect(body.registrations.message).toBe("<p>Closed. See &lt;b&gt;news&lt;/b&gt;.</p>\n");
    const v1 = await t.json("/api/v1/instance");
    expect(v1.body.registrations).toBe(false);
  });

  it("ignores a contact username that matches no account", async () => {
    await setSettings(db, { site_contact_username: "nobody_here" });
    const { body } = await t.json("/api/v2/instance");
    expect(body.contact.account).toBeNull();
  });

  it("names LOCAL_DOMAIN as the domain and WEB_DOMAIN in URLs", async () => {
    const { body } = await split.json("/api/v2/instance");
    expect(body.domain).toBe("herd.test");
    expect(body.configuration.urls.streaming).toBe("wss://social.herd.test");
    expect(body.thumbnail.url).toBe("https://social.herd.test/images/preview.png");
    const v1 = await split.json("/api/v1/instance");
    expect(v1.body.uri).toBe("herd.test");
    expect(v1.body.urls.streaming_api).toBe("wss://social.herd.test");
  });

  it("needs no token and ignores one", async () => {
    const { token } = await makeUser(t);
    expect((await t.json("/api/v2/instance", { token })).status).toBe(200);
  });
});

describe("GET /api/v1/instance", () => {
  it("has every V1::Instance field", async () => {
    const contact = await makeUser(t, { username: "v1_contact" });
    await setSettings(db, {
      site_title: "Herd V1",
      site_short_description: "Short",
      site_contact_email: "admin@herd.test",
      site_contact_username: "v1_contact@herd.test",
    });
    const { status, body, res } = await t.json("/api/v1/instance");
    expect(status).toBe(200);
    // Deprecated since 2022-11-14 (Api::V1::InstancesController's deprecate_api).
    expect(res.headers.get("deprecation")).toBe("@1668384000");
    expect(res.headers.get("cache-control")).toMatch(/^max-age=300, public,/);
    expect(body).toMatchObject({
      uri: "herd.test",
      title: "Herd V1",
      short_description: "Short",
      description: "Short",
      email: "admin@herd.test",
      version: "4.5.0 (compatible; Herd 0.1.0)",
      urls: { streaming_api: "wss://herd.test" },
      thumbnail: "https://herd.test/images/preview.png",
      languages: ["en"],
      registrations: true,
      approval_required: false,
      invites_enabled: true,
      rules: [],
    });
    expect(body.contact_account.id).toBe(contact.account.id);
    expect(Object.keys(body.stats).sort()).toEqual(["domain_count", "status_count", "user_count"]);
    expect(body.configuration).toEqual({
      accounts: { max_featured_tags: 10 },
      statuses: { max_characters: 500, max_media_attachments: 4, characters_reserved_per_url: 23 },
      media_attachments: {
        supported_mime_types: expect.arrayContaining(["image/png"]),
        image_size_limit: 16777216,
        image_matrix_limit: 33177600,
        video_size_limit: 103809024,
        video_frame_rate_limit: 120,
        video_matrix_limit: 8294400,
      },
      polls: {
        max_options: 4,
        max_characters_per_option: 50,
        min_expiration: 300,
        max_expiration: 2629746,
      },
    });
  });
});

describe("usage and stats", () => {
  // `split` has its own database: the counts are exact.
  const sdb = split.database.db;

  it("reuses the counts for a while rather than counting on every request", async () => {
    forgetInstanceStats(split.deps.database.db);
    const before = (await split.json("/api/v1/instance")).body.stats.domain_count;
    await sdb.insert(instances).values({ domain: "later.example" });
    expect((await split.json("/api/v1/instance")).body.stats.domain_count).toBe(before);
    forgetInstanceStats(split.deps.database.db);
    expect((await split.json("/api/v1/instance")).body.stats.domain_count).toBe(before + 1);
    await sdb.delete(instances).where(sql`domain = 'later.example'`);
  });

  it("counts confirmed, unsuspended local users, local statuses, known domains and active users", async () => {
    const active = await makeUser(split);
    const old = await makeUser(split);
    await sdb.execute(
      sql`UPDATE users SET created_at = now() - interval '60 days', current_sign_in_at = now() - interval '45 days' WHERE id = ${old.user.id}`,
    );
    const dormant = await makeUser(split);
    await sdb.execute(
      sql`UPDATE users SET created_at = now() - interval '300 days' WHERE id = ${dormant.user.id}`,
    );
    await makeUser(split, { confirmed: false });
    const suspended = await makeUser(split);
    await sdb.execute(
      sql`UPDATE accounts SET suspended_at = now() WHERE id = ${suspended.account.id}`,
    );
    await sdb.execute(sql`UPDATE accounts SET statuses_count = 7 WHERE id = ${active.account.id}`);
    await sdb.execute(sql`UPDATE accounts SET statuses_count = 5 WHERE id = ${old.account.id}`);
    await sdb.insert(instances).values([{ domain: "a.example" }, { domain: "b.example" }]);

    // The counts are reused for 30 s (stats.ts): start afresh.
    forgetInstanceStats(split.deps.database.db);
    const v1 = await split.json("/api/v1/instance");
    expect(v1.body.stats).toEqual({ user_count: 3, status_count: 12, domain_count: 2 });
    const v2 = await split.json("/api/v2/instance");
    expect(v2.body.usage).toEqual({ users: { active_month: 1 } });
    const nodeinfo = await split.json("/nodeinfo/2.0");
    expect(nodeinfo.body.usage).toEqual({
      users: { total: 3, activeMonth: 1, activeHalfyear: 2 },
      localPosts: 12,
    });
  });
});

describe("GET /api/v1/instance/peers", () => {
  it("lists known domains, except blocked ones", async () => {
    await db
      .insert(instances)
      .values([
        { domain: "peer-one.example" },
        { domain: "peer-two.example" },
        { domain: "blocked.example" },
      ]);
    await db
      .insert(domainBlocks)
      .values({ id: newId(), domain: "blocked.example", severity: "suspend" });
    const { status, body, res } = await t.json("/api/v1/instance/peers");
    expect(status).toBe(200);
    expect(body).toEqual(["peer-one.example", "peer-two.example"]);
    expect(res.headers.get("cache-control")).toBe(
      "max-age=300, public, stale-while-revalidate=30, stale-if-error=86400",
    );
    await db.execute(sql`DELETE FROM domain_blocks`);
    await db.execute(sql`DELETE FROM instances`);
  });

  it("answers 404 when the admin turned the API off", async () => {
    await setSettings(db, { peers_api_enabled: false });
    const res = await t.request("/api/v1/instance/peers");
    expect(res.status).toBe(404);
    expect(await res.text()).toBe("");
  });
});

describe("GET /api/v1/instance/activity", () => {
  it("gives twelve weeks of real registrations and logins, newest first", async () => {
    const fresh = await makeUser(t);
    await db.execute(sql`UPDATE users SET current_sign_in_at = now() WHERE id = ${fresh.user.id}`);
    const older = await makeUser(t);
    await db.execute(
      sql`UPDATE users SET created_at = date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '3 days',
            last_sign_in_at = date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '10 days'
          WHERE id = ${older.user.id}`,
    );
    const before = await t.json("/api/v1/instance/activity");
    expect(before.status).toBe(200);
    const weeks = before.body as {
      week: string;
      statuses: string;
      logins: string;
      registrations: string;
    }[];
    expect(weeks).toHaveLength(12);
    const today = new Date();
    const midnight =
      Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()) / 1000;
    expect(weeks[0]!.week).toBe(String(midnight));
    for (let i = 1; i < 12; i++) {
      expect(Number(weeks[i - 1]!.week) - Number(weeks[i]!.week)).toBe(7 * 86400);
    }
    for (const w of weeks) {
      expect(w.statuses).toBe("0");
      expect(typeof w.logins).toBe("string");
      expect(typeof w.registrations).toBe("string");
    }
    expect(Number(weeks[0]!.logins)).toBeGreaterThanOrEqual(1);
    // Three days before today's midnight is in the previous week, ten days before in the one before.
    expect(Number(weeks[1]!.registrations)).toBe(1);
    expect(Number(weeks[2]!.logins)).toBe(1);
    expect(Number(weeks[2]!.registrations)).toBe(0);

    // One more sign-up this week shows at once.
    await makeUser(t);
    const after = await t.json("/api/v1/instance/activity");
    expect(Number(after.body[0].registrations)).toBe(Number(weeks[0]!.registrations) + 1);
  });

  it("answers 404 when the admin turned the API off", async () => {
    await setSettings(db, { activity_api_enabled: false });
    expect((await t.request("/api/v1/instance/activity")).status).toBe(404);
  });
});

describe("rules", () => {
  it("lists rules in force by priority then id", async () => {
    const a = await addRule(db, "  Be kind  ", "Really");
    const b = await addRule(db, "No ads");
    expect(a.priority).toBeLessThan(b.priority);
    const { status, body } = await t.json("/api/v1/instance/rules");
    expect(status).toBe(200);
    expect(body).toEqual([
      { id: a.id, text: "Be kind", hint: "Really", translations: {} },
      { id: b.id, text: "No ads", hint: "", translations: {} },
    ]);
    await removeRule(db, a.id);
    expect((await t.json("/api/v1/instance/rules")).body.map((r: { id: string }) => r.id)).toEqual([
      b.id,
    ]);
    expect((await listRules(db)).map((r) => r.id)).toEqual([b.id]);
    await removeRule(db, b.id);
  });

  it("validates rules as Mastodon does", async () => {
    await expect(addRule(db, "   ")).rejects.toMatchObject({
      kind: "unprocessable",
      message: "Validation failed: Text can't be blank",
    });
    await expect(addRule(db, "x".repeat(301))).rejects.toMatchObject({
      kind: "unprocessable",
      details: { text: [{ error: "ERR_TOO_LONG" }] },
    });
    expect((await addRule(db, "y".repeat(300))).text).toHaveLength(300);
    await expect(removeRule(db, "123")).rejects.toBeInstanceOf(DomainError);
    await expect(removeRule(db, "not-an-id")).rejects.toMatchObject({ kind: "not_found" });
    const rule = (await listRules(db))[0]!;
    await removeRule(db, rule.id);
    await expect(removeRule(db, rule.id)).rejects.toMatchObject({ kind: "not_found" });
  });
});

describe("texts", () => {
  it("gives an empty extended description until one is set, then renders it", async () => {
    expect((await t.json("/api/v1/instance/extended_description")).body).toEqual({
      updated_at: null,
      content: "",
    });
    await setSettings(db, { site_extended_description: "# About\n\nWe run <this> for *fun*." });
    const { status, body } = await t.json("/api/v1/instance/extended_description");
    expect(status).toBe(200);
    expect(body.content).toBe("<h1>About</h1>\n\n<p>We run &lt;this&gt; for <em>fun</em>.</p>\n");
    expect(body.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it("ships a default privacy policy and shows the admin's once set", async () => {
    const def = await t.json("/api/v1/instance/privacy_policy");
    expect(def.status).toBe(200);
    expect(def.body.updated_at).toBe("2025-01-01T00:00:00Z");
    expect(def.body.content).toContain("herd.test");
    expect(def.body.content).toContain("<h1>");
    expect(def.res.headers.get("cache-control")).toBe(
      "max-age=300, public, stale-while-revalidate=30, stale-if-error=86400",
    );

    await setSettings(db, { site_terms: "Data on %{domain} stays on %{domain}." });
    const custom = await t.json("/api/v1/instance/privacy_policy");
    expect(custom.body.content).toBe("<p>Data on herd.test stays on herd.test.</p>\n");
    expect(custom.body.updated_at).not.toBe("2025-01-01T00:00:00Z");
  });

  it("answers 404 for terms of service until they are set", async () => {
    const none = await t.json("/api/v1/instance/terms_of_service");
    expect(none.status).toBe(404);
    expect(none.body).toEqual({ error: "Record not found" });

    await setSettings(db, { terms_of_service: "1. Be nice\n2. Have fun" });
    const { status, body } = await t.json("/api/v1/instance/terms_of_service");
    expect(status).toBe(200);
    expect(body).toEqual({
      effective_date: expect.stringMatching(/^\d{4}-\d\d-\d\d$/),
      effective: true,
      content: "<ol>\n<li>Be nice</li>\n<li>Have fun</li>\n</ol>\n",
      succeeded_by: null,
    });
    const dated = await t.json(`/api/v1/instance/terms_of_service/${body.effective_date}`);
    expect(dated.status).toBe(200);
    expect(dated.body).toEqual(body);
    const other = await t.json("/api/v1/instance/terms_of_service/1999-01-01");
    expect(other.status).toBe(404);
    expect(other.body).toEqual({ error: "Record not found" });
  });

  it("has no translation languages", async () => {
    const { status, body } = await t.json("/api/v1/instance/translation_languages");
    expect(status).toBe(200);
    expect(body).toEqual({});
  });
});

describe("GET /api/v1/instance/domain_blocks", () => {
  const seed = async () => {
    await db.insert(domainBlocks).values([
      { id: newId(), domain: "zzz-suspended.example", severity: "suspend", publicComment: "Spam" },
      {
        id: newId(),
        domain: "hidden-server.example",
        severity: "silence",
        obfuscate: true,
        publicComment: null,
      },
      { id: newId(), domain: "aaa-silenced.example", severity: "silence", publicComment: "Rude" },
      { id: newId(), domain: "noop.example", severity: "noop", rejectMedia: true },
    ]);
  };
  const clear = () => db.execute(sql`DELETE FROM domain_blocks`);

  it("shows blocks to signed-in users by default, with comments", async () => {
    await seed();
    const anon = await t.request("/api/v1/instance/domain_blocks");
    expect(anon.status).toBe(404);
    const { token } = await makeUser(t);
    const { status, body, res } = await t.json("/api/v1/instance/domain_blocks", { token });
    expect(status).toBe(200);
    // Shown to users only: not for shared caches.
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(res.headers.get("vary")).toBe("Authorization");
    const sha = (d: string) => createHash("sha256").update(d).digest("hex");
    expect(body).toEqual([
      {
        domain: "aaa-silenced.example",
        digest: sha("aaa-silenced.example"),
        severity: "silence",
        comment: "Rude",
      },
      {
        domain: obfuscateDomain("hidden-server.example"),
        digest: sha("hidden-server.example"),
        severity: "silence",
        comment: null,
      },
      {
        domain: "zzz-suspended.example",
        digest: sha("zzz-suspended.example"),
        severity: "suspend",
        comment: "Spam",
      },
    ]);
    await clear();
  });

  it("shows blocks to everyone without comments when so set, and to no one when disabled", async () => {
    await seed();
    await setSettings(db, { show_domain_blocks: "all", show_domain_blocks_rationale: "disabled" });
    const { status, body, res } = await t.json("/api/v1/instance/domain_blocks");
    expect(status).toBe(200);
    expect(res.headers.get("cache-control")).toBe(
      "max-age=300, public, stale-while-revalidate=30, stale-if-error=86400",
    );
    expect(body).toHaveLength(3);
    expect(body[0]).toEqual({
      domain: "aaa-silenced.example",
      digest: expect.stringMatching(/^[0-9a-f]{64}$/),
      severity: "silence",
    });
    await setSettings(db, { show_domain_blocks: "disabled" });
    const { token } = await makeUser(t);
    expect((await t.request("/api/v1/instance/domain_blocks", { token })).status).toBe(404);
    await clear();
  });

  it("stars the middle of an obfuscated domain as Mastodon does", () => {
    expect(obfuscateDomain("hidden-server.example")).toBe("hidden*******.**ample");
    expect(obfuscateDomain("a.b")).toBe("a.*");
  });
});

describe("GET /api/v1/custom_emojis", () => {
  it("lists local, enabled emojis shown in the picker", async () => {
    await db.insert(customEmojis).values([
      {
        id: newId(),
        shortcode: "herd",
        imageUrl: "/system/emojis/herd.png",
        staticImageUrl: "/system/emojis/herd_static.png",
        category: "Animals",
      },
      {
        id: newId(),
        shortcode: "plain",
        imageUrl: "https://cdn.herd.test/plain.gif",
        staticImageUrl: "https://cdn.herd.test/plain.png",
      },
      { id: newId(), shortcode: "off", imageUrl: "x", staticImageUrl: "x", disabled: true },
      {
        id: newId(),
        shortcode: "secret",
        imageUrl: "x",
        staticImageUrl: "x",
        visibleInPicker: false,
      },
      {
        id: newId(),
        shortcode: "remote",
        domain: "other.example",
        imageUrl: "x",
        staticImageUrl: "x",
      },
    ]);
    const { status, body, res } = await t.json("/api/v1/custom_emojis", {
      token: (await makeUser(t)).token,
    });
    expect(status).toBe(200);
    // Public even for a token: the same list for everyone.
    expect(res.headers.get("cache-control")).toBe(
      "max-age=300, public, stale-while-revalidate=30, stale-if-error=86400",
    );
    expect(res.headers.get("vary")).toBeNull();
    expect(body).toEqual([
      {
        shortcode: "herd",
        url: "https://herd.test/system/emojis/herd.png",
        static_url: "https://herd.test/system/emojis/herd_static.png",
        visible_in_picker: true,
        category: "Animals",
      },
      {
        shortcode: "plain",
        url: "https://cdn.herd.test/plain.gif",
        static_url: "https://cdn.herd.test/plain.png",
        visible_in_picker: true,
      },
    ]);
  });
});

describe("Markdown of admin texts", () => {
  it("escapes HTML and renders the common subset", () => {
    expect(renderMarkdown("")).toBe("");
    expect(renderMarkdown("  \n ")).toBe("");
    expect(renderMarkdown("<script>alert(1)</script>")).toBe(
      "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n",
    );
    expect(renderMarkdown("- one\n- **two**\n\n---\n\n> quoted `code`")).toBe(
      "<ul>\n<li>one</li>\n<li><strong>two</strong></li>\n</ul>\n\n<hr>\n\n<blockquote>\n<p>quoted <code>code</code></p>\n</blockquote>\n",
    );
    expect(renderMarkdown("[site](https://herd.test/?a=1&b=2) [bad](javascript:alert(1))")).toBe(
      '<p><a href="https://herd.test/?a=1&amp;b=2">site</a> [bad](javascript:alert(1))</p>\n',
    );
    expect(renderMarkdown("snake_case_name and _em_")).toBe(
      "<p>snake_case_name and <em>em</em></p>\n",
    );
  });
});

describe("site settings stay as they were", () => {
  it("resets between tests", async () => {
    const { body } = await t.json("/api/v2/instance");
    expect(body.title).toBe(DEFAULT_SETTINGS.site_title);
  });

  it("has no write methods: POST answers 404 as an unknown route", async () => {
    const token = await tokenFor(t, null, ["read"]);
    const res = await t.request("/api/v1/instance", { method: "POST", token, json: {} });
    expect(res.status).toBe(404);
  });
});
