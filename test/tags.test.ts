// Hashtags: showing, following and featuring them
// (https://docs.joinmastodon.org/methods/tags/, methods/followed_tags/).
import { describe, expect, it } from "vitest";
import { isHashtagName } from "../src/domain/graph/hashtags.ts";
import { normalizeTagName } from "../src/domain/statuses/tags.ts";
import { makeUser, tokenFor } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();

const post = (path: string, user: { token: string }) =>
  t.json(path, { method: "POST", token: user.token });

describe("hashtag names", () => {
  it("are normalised as Mastodon's HashtagNormalizer", () => {
    expect(normalizeTagName("Café")).toBe("cafe");
    expect(normalizeTagName("ＣＡＦＥ")).toBe("cafe");
    expect(normalizeTagName("Ñandú")).toBe("nandu");
    expect(normalizeTagName("東京")).toBe("東京");
    expect(normalizeTagName("a·b")).toBe("a·b");
  });

  it("fold Latin letters to ASCII with Mastodon's ASCIIFolding table, and only those", () => {
    expect(normalizeTagName("Łódź")).toBe("lodz");
    expect(normalizeTagName("Øresund")).toBe("oresund");
    expect(normalizeTagName("Đakovo")).toBe("dakovo");
    expect(normalizeTagName("Ħamrun")).toBe("hamrun");
    expect(normalizeTagName("ıstanbul")).toBe("istanbul");
    expect(normalizeTagName("Ŧŧ_Ŋŋ_ĸ")).toBe("tt_nn_k");
    expect(normalizeTagName("Straße")).toBe("straße");
    // Letters the table leaves out keep their marks, as in Mastodon.
    expect(normalizeTagName("ǍbcỆ")).toBe("ǎbcệ");
    // NFKC first: ſ is s, ² is 2; then only letters, marks, digits and separators.
    expect(normalizeTagName("ſx²")).toBe("sx2");
    expect(normalizeTagName("a-b.c")).toBe("abc");
  });

  it("are the same tag however they are written in a status", async () => {
    const me = await makeUser(t);
    const { status, body } = await t.json("/api/v1/statuses", {
      method: "POST",
      token: me.token,
      json: { status: "#Łódź and #Lodz and #ŁÓDŹ" },
    });
    expect(status).toBe(200);
    expect(body.tags).toHaveLength(1);
    expect(body.tags[0].url).toBe("https://herd.test/tags/lodz");
    // The tag now exists (a tag never used has the id "").
    expect((await t.json("/api/v1/tags/Łodz")).body.id).not.toBe("");
  });

  it("need a letter", () => {
    for (const ok of ["cats", "_x", "2024election", "東京", "a·b"])
      expect(isHashtagName(ok)).toBe(true);
    for (const bad of ["", "123", "a b", "a-b", "#x"]) expect(isHashtagName(bad)).toBe(false);
  });
});

describe("GET /api/v1/tags/:name", () => {
  it("shows a tag not used yet, with the viewer's flags only when signed in", async () => {
    const anonymous = await t.json("/api/v1/tags/Unseen");
    expect(anonymous).toMatchObject({
      status: 200,
      body: { id: "", name: "Unseen", url: "https://herd.test/tags/unseen", history: [] },
    });
    expect(anonymous.body).not.toHaveProperty("following");
    const me = await makeUser(t);
    const signedIn = await t.json("/api/v1/tags/Unseen", { token: me.token });
    expect(signedIn.body).toMatchObject({ following: false, featuring: false });
    expect((await t.json("/api/v1/tags/123")).status).toBe(404);
    expect((await t.json("/api/v1/tags/a%20b")).status).toBe(404);
  });
});

describe("POST /api/v1/tags/:name/follow and /unfollow", () => {
  it("follows a tag (saving it), idempotently, and unfollows", async () => {
    const me = await makeUser(t);
    const { status, body } = await post("/api/v1/tags/Caturday/follow", me);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: expect.stringMatching(/^\d+$/),
      name: "Caturday",
      url: "https://herd.test/tags/caturday",
      following: true,
      featuring: false,
    });
    const again = await post("/api/v1/tags/caturday/follow", me);
    expect(again.body).toMatchObject({ id: body.id, name: "Caturday", following: true });
    const shown = await t.json("/api/v1/tags/CATURDAY", { token: me.token });
    expect(shown.body).toMatchObject({ id: body.id, following: true });
    const other = await makeUser(t);
    expect((await t.json("/api/v1/tags/caturday", { token: other.token })).body.following).toBe(
      false,
    );

    const un = await post("/api/v1/tags/caturday/unfollow", me);
    expect(un.body).toMatchObject({ id: body.id, following: false });
    expect((await post("/api/v1/tags/neverfollowed/unfollow", me)).body).toMatchObject({
      id: "",
      following: false,
    });
    expect((await post("/api/v1/tags/123/follow", me)).status).toBe(404);
  });

  it("needs write:follows or follow", async () => {
    const me = await makeUser(t);
    expect((await t.json("/api/v1/tags/x/follow", { method: "POST" })).status).toBe(401);
    const wrong = await tokenFor(t, me.user.id, ["write:accounts"]);
    expect((await t.json("/api/v1/tags/x/follow", { method: "POST", token: wrong })).status).toBe(
      403,
    );
    const app = await tokenFor(t, null, ["write"]);
    expect((await t.json("/api/v1/tags/x/follow", { method: "POST", token: app })).status).toBe(
      422,
    );
    for (const scope of ["write:follows", "follow"]) {
      const token = await tokenFor(t, me.user.id, [scope]);
      expect((await t.json("/api/v1/tags/x/follow", { method: "POST", token })).status).toBe(200);
    }
  });
});

describe("POST /api/v1/tags/:name/feature and /unfeature", () => {
  it("features the tag on the profile", async () => {
    const me = await makeUser(t);
    const { status, body } = await post("/api/v1/tags/Knitting/feature", me);
    expect(status).toBe(200);
    expect(body).toMatchObject({ name: "Knitting", featuring: true, following: false });
    const featured = await t.json("/api/v1/featured_tags", { token: me.token });
    expect(featured.body).toEqual([
      expect.objectContaining({ name: "Knitting", statuses_count: "0" }),
    ]);
    expect((await post("/api/v1/tags/knitting/feature", me)).body.featuring).toBe(true);
    expect((await t.json("/api/v1/featured_tags", { token: me.token })).body).toHaveLength(1);
    const un = await post("/api/v1/tags/knitting/unfeature", me);
    expect(un.body).toMatchObject({ featuring: false });
    expect((await t.json("/api/v1/featured_tags", { token: me.token })).body).toEqual([]);
    const wrong = await tokenFor(t, me.user.id, ["write:follows"]);
    expect((await t.json("/api/v1/tags/x/feature", { method: "POST", token: wrong })).status).toBe(
      403,
    );
  });
});

describe("GET /api/v1/followed_tags", () => {
  it("lists followed tags newest follow first, paginated by the follow's id", async () => {
    const me = await makeUser(t);
    for (const name of ["one", "two", "three"]) await post(`/api/v1/tags/${name}/follow`, me);
    const page = await t.json("/api/v1/followed_tags?limit=2", { token: me.token });
    expect(page.status).toBe(200);
    expect(page.body.map((tag: { name: string }) => tag.name)).toEqual(["three", "two"]);
    expect(page.body[0]).toMatchObject({ following: true, history: [] });
    const next = /<([^>]+)>; rel="next"/.exec(page.res.headers.get("link")!)![1]!;
    const rest = await t.json(next.replace("https://herd.test", ""), { token: me.token });
    expect(rest.body.map((tag: { name: string }) => tag.name)).toEqual(["one"]);
    expect((await t.json("/api/v1/followed_tags")).status).toBe(401);
    for (const scope of ["read:follows", "read", "follow"]) {
      const token = await tokenFor(t, me.user.id, [scope]);
      expect((await t.json("/api/v1/followed_tags", { token })).body).toHaveLength(3);
    }
    const wrong = await tokenFor(t, me.user.id, ["read:accounts"]);
    expect(await t.json("/api/v1/followed_tags", { token: wrong })).toMatchObject({
      status: 403,
      body: { error: "This action is outside the authorized scopes" },
    });
    const app = await tokenFor(t, null, ["read", "follow"]);
    expect(await t.json("/api/v1/followed_tags", { token: app })).toMatchObject({
      status: 422,
      body: { error: "This method requires an authenticated user" },
    });
  });
});
