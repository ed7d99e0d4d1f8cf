// Endpoints not built yet answer as Mastodon does with no data, behind
// Mastodon's own token, scope and user checks.
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { setSettings } from "../src/domain/instance/settings.ts";
import { makeUser, tokenFor } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const me = await makeUser(t);
const appToken = await tokenFor(t, null, ["read", "write", "follow", "push"]);
/** A user token that can do nothing these endpoints ask for. */
const profileOnly = await tokenFor(t, me.user.id, ["profile"]);

afterEach(async () => {
  await t.database.db.execute(sql`DELETE FROM site_settings`);
});

const USER_REQUIRED = { error: "This method requires an authenticated user" };
const INVALID_TOKEN = { error: "The access token is invalid" };
const OUT_OF_SCOPE = { error: "This action is outside the authorized scopes" };

/** [path, empty body, a granular scope Mastodon accepts for it] */
const USER_ENDPOINTS: [string, unknown, string][] = [
  ["/api/v1/timelines/home", [], "read:statuses"],
  ["/api/v1/lists", [], "read:lists"],
  ["/api/v1/filters", [], "read:filters"],
  ["/api/v2/filters", [], "read:filters"],
  ["/api/v1/markers", {}, "read:statuses"],
  ["/api/v1/suggestions", [], "read"],
  ["/api/v2/suggestions", [], "read"],
];

describe("endpoints for a signed-in user", () => {
  it.each(USER_ENDPOINTS)("%s answers %j to a user", async (path, empty) => {
    const { status, body, res } = await t.json(path, { token: me.token });
    expect(status).toBe(200);
    expect(body).toEqual(empty);
    expect(res.headers.get("link")).toBeNull();
  });

  it.each(USER_ENDPOINTS)("%s accepts the granular scope %#", async (path, empty, scope) => {
    const token = await tokenFor(t, me.user.id, [scope]);
    const { status, body } = await t.json(path, { token });
    expect(status).toBe(200);
    expect(body).toEqual(empty);
  });

  it.each(USER_ENDPOINTS)(
    "%s refuses requests without a token, out of scope or app-only",
    async (path) => {
      const none = await t.json(path);
      expect(none.status).toBe(401);
      expect(none.body).toEqual(INVALID_TOKEN);
      const wrong = await t.json(path, { token: profileOnly });
      expect(wrong.status).toBe(403);
      expect(wrong.body).toEqual(OUT_OF_SCOPE);
      const app = await t.json(path, { token: appToken });
      expect(app.status).toBe(422);
      expect(app.body).toEqual(USER_REQUIRED);
      const bogus = await t.json(path, { token: "not-a-token" });
      expect(bogus.status).toBe(401);
    },
  );

  it("refuses an unconfirmed user", async () => {
    const unconfirmed = await makeUser(t, { confirmed: false });
    const res = await t.json("/api/v1/timelines/home", { token: unconfirmed.token });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: "Your login is missing a confirmed e-mail address" });
  });
});

describe("announcements", () => {
  it("needs a user but no particular scope, as Mastodon", async () => {
    expect((await t.json("/api/v1/announcements", { token: me.token })).body).toEqual([]);
    const pushOnly = await tokenFor(t, me.user.id, ["push"]);
    expect((await t.json("/api/v1/announcements", { token: pushOnly })).status).toBe(200);
    const none = await t.json("/api/v1/announcements");
    expect(none.status).toBe(422);
    expect(none.body).toEqual(USER_REQUIRED);
    expect((await t.json("/api/v1/announcements", { token: appToken })).status).toBe(422);
  });
});

describe("public timelines", () => {
  for (const path of [
    "/api/v1/timelines/public",
    "/api/v1/timelines/public?local=true",
    "/api/v1/timelines/tag/herd",
  ]) {
    it(`${path} is open while previews are on`, async () => {
      expect((await t.json(path)).body).toEqual([]);
      expect((await t.json(path, { token: appToken })).status).toBe(200);
      expect((await t.json(path, { token: me.token })).status).toBe(200);
      // A token, when sent, must hold the scope.
      const wrong = await t.json(path, { token: profileOnly });
      expect(wrong.status).toBe(403);
      expect((await t.json(path, { token: "not-a-token" })).status).toBe(401);
    });

    it(`${path} needs a user when previews are off`, async () => {
      await setSettings(t.database.db, { timeline_preview: false });
      const none = await t.json(path);
      expect(none.status).toBe(422);
      expect(none.body).toEqual(USER_REQUIRED);
      expect((await t.json(path, { token: appToken })).status).toBe(422);
      expect((await t.json(path, { token: me.token })).body).toEqual([]);
    });
  }
});

describe("list timeline", () => {
  it("answers 404 to its user (no list exists) after the usual checks", async () => {
    const { status, body } = await t.json("/api/v1/timelines/list/12345", { token: me.token });
    expect(status).toBe(404);
    expect(body).toEqual({ error: "Record not found" });
    expect((await t.json("/api/v1/timelines/list/12345")).status).toBe(401);
    expect((await t.json("/api/v1/timelines/list/12345", { token: profileOnly })).status).toBe(403);
    expect((await t.json("/api/v1/timelines/list/12345", { token: appToken })).status).toBe(422);
  });
});

describe("public lists", () => {
  it.each([
    "/api/v1/trends",
    "/api/v1/trends/tags",
    "/api/v1/trends/statuses",
    "/api/v1/trends/links",
    "/api/v1/directory",
  ])("%s is [] for anyone", async (path) => {
    expect((await t.json(path)).body).toEqual([]);
    expect((await t.json(path, { token: me.token })).body).toEqual([]);
  });
});

describe("GET /api/v1/push/subscription", () => {
  it("answers 404 to a push token: no subscription exists", async () => {
    const { status, body } = await t.json("/api/v1/push/subscription", { token: me.token });
    expect(status).toBe(404);
    expect(body).toEqual({ error: "Record not found" });
  });

  it("needs the push scope and a user", async () => {
    const readOnly = await tokenFor(t, me.user.id, ["read"]);
    expect((await t.json("/api/v1/push/subscription", { token: readOnly })).status).toBe(403);
    expect((await t.json("/api/v1/push/subscription")).status).toBe(401);
    expect((await t.json("/api/v1/push/subscription", { token: appToken })).status).toBe(422);
  });
});
