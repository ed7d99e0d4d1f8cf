// Which API answers shared caches may keep, as Mastodon's controllers mark
// them (Api::CachingConcern, CacheConcern#enforce_cache_control!,
// DeprecationConcern): public reads are public for 15 seconds when no token
// came, private for anyone who sent one; the instance and custom emojis are
// public for five minutes whoever asks, with no Vary; deprecated endpoints
// say since when.
import { describe, expect, it } from "vitest";
import { setSettings } from "../src/domain/instance/settings.ts";
import { makeUser, postStatus, tokenFor } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();

const BRIEFLY = "max-age=15, public, stale-while-revalidate=30, stale-if-error=86400";
const FIVE_MINUTES = "max-age=300, public, stale-while-revalidate=30, stale-if-error=86400";
const PRIVATE = "private, no-store";

const author = await makeUser(t);
const reader = await makeUser(t);
const appToken = await tokenFor(t, null, ["read"]);
const status = await postStatus(t, author, {
  status: "Tea or coffee? #drinks",
  poll: { options: ["tea", "coffee"], expires_in: 3600 },
});
const hidden = await postStatus(t, author, { status: "Only for followers", visibility: "private" });

const PUBLIC_READS = [
  `/api/v1/accounts/${author.account.id}`,
  `/api/v1/accounts/lookup?acct=${author.account.username}`,
  `/api/v1/accounts/${author.account.id}/statuses`,
  `/api/v1/accounts/${author.account.id}/followers`,
  `/api/v1/accounts/${author.account.id}/following`,
  `/api/v1/accounts/${author.account.id}/endorsements`,
  `/api/v1/statuses/${status.id}`,
  `/api/v1/statuses/${status.id}/context`,
  `/api/v1/statuses/${status.id}/history`,
  `/api/v1/statuses/${status.id}/favourited_by`,
  `/api/v1/statuses/${status.id}/reblogged_by`,
  `/api/v1/polls/${status.poll.id}`,
  "/api/v1/tags/drinks",
  "/api/v1/timelines/public",
  "/api/v1/timelines/tag/drinks",
  "/api/v1/trends",
  "/api/v1/trends/tags",
  "/api/v1/trends/statuses",
  "/api/v1/trends/links",
  "/api/v1/directory",
];

describe("public reads (cache_if_unauthenticated!)", () => {
  it.each(PUBLIC_READS)("%s is public without a token, private with any", async (path) => {
    const anonymous = await t.request(path);
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers.get("cache-control")).toBe(BRIEFLY);
    expect(anonymous.headers.get("vary")).toMatch(/^Authorization\b/);

    const user = await t.request(path, { token: reader.token });
    expect(user.status).toBe(200);
    expect(user.headers.get("cache-control")).toBe(PRIVATE);
    expect(user.headers.get("vary")).toMatch(/^Authorization\b/);

    // An app's token is no signed-in user, but it came in the varying header.
    const app = await t.request(path, { token: appToken });
    expect(app.status).toBe(200);
    expect(app.headers.get("cache-control")).toBe(PRIVATE);
  });

  it("keeps refusals and what a visitor may not see private", async () => {
    for (const path of [
      `/api/v1/statuses/${hidden.id}`,
      `/api/v1/statuses/${hidden.id}/context`,
      "/api/v1/statuses/99999999/context",
      "/api/v1/accounts/99999999",
      "/api/v1/accounts/lookup?acct=nobody",
      "/api/v1/timelines/link?url=https%3A%2F%2Fnowhere.example%2F",
    ]) {
      const res = await t.request(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get("cache-control"), path).toBe(PRIVATE);
    }
    // The follower-only status, to its author: private.
    const own = await t.request(`/api/v1/statuses/${hidden.id}`, { token: author.token });
    expect(own.status).toBe(200);
    expect(own.headers.get("cache-control")).toBe(PRIVATE);
  });

  it("keeps what a signed-in user reads private when the token comes in the query", async () => {
    // No Authorization header to vary by: the user's own answer must still
    // not be kept for others (the follower-only status, the poll's own votes).
    const own = await t.request(`/api/v1/statuses/${hidden.id}?access_token=${author.token}`);
    expect(own.status).toBe(200);
    expect(own.headers.get("cache-control")).toBe(PRIVATE);
    const poll = await t.request(`/api/v1/polls/${status.poll.id}?access_token=${reader.token}`);
    expect(poll.status).toBe(200);
    expect(poll.headers.get("cache-control")).toBe(PRIVATE);
    // An app's token in the query is no signed-in user: what a visitor sees.
    const app = await t.request(`/api/v1/statuses/${status.id}?access_token=${appToken}`);
    expect(app.status).toBe(200);
    expect(app.headers.get("cache-control")).toBe(BRIEFLY);
  });

  it("varies trending statuses and links by language too", async () => {
    for (const path of ["/api/v1/trends/statuses", "/api/v1/trends/links"]) {
      expect((await t.request(path)).headers.get("vary")).toBe("Authorization, Accept-Language");
    }
    expect((await t.request("/api/v1/trends/tags")).headers.get("vary")).toBe("Authorization");
  });

  it("leaves an API answer that says nothing of caching private", async () => {
    const home = await t.request("/api/v1/timelines/home", { token: reader.token });
    expect(home.headers.get("cache-control")).toBe(PRIVATE);
    expect(home.headers.get("vary")).toBe("Authorization");
    const unknown = await t.request("/api/v1/nothing-here");
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("cache-control")).toBe(PRIVATE);
  });
});

describe("answers the same for everyone (cache_even_if_authenticated!)", () => {
  it.each([
    "/api/v1/instance",
    "/api/v2/instance",
    "/api/v1/instance/peers",
    "/api/v1/instance/activity",
    "/api/v1/instance/rules",
    "/api/v1/instance/extended_description",
    "/api/v1/instance/privacy_policy",
    "/api/v1/instance/translation_languages",
    "/api/v1/custom_emojis",
  ])("%s is public for five minutes, with a token too, and varies by nothing", async (path) => {
    for (const token of [undefined, reader.token]) {
      const res = await t.request(path, { token });
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe(FIVE_MINUTES);
      expect(res.headers.get("vary")).toBeNull();
    }
  });
});

describe("the terms of service", () => {
  it("are public for five minutes once there are any; their absence is private", async () => {
    const none = await t.request("/api/v1/instance/terms_of_service");
    expect(none.status).toBe(404);
    expect(none.headers.get("cache-control")).toBe(PRIVATE);
    await setSettings(t.database.db, { terms_of_service: "Be kind." });
    const terms = await t.request("/api/v1/instance/terms_of_service", { token: reader.token });
    expect(terms.status).toBe(200);
    expect(terms.headers.get("cache-control")).toBe(FIVE_MINUTES);
    expect(terms.headers.get("vary")).toBeNull();
  });
});

describe("the server's domain blocks", () => {
  it("are public whoever asks only when everyone sees the same", async () => {
    const blocks = (token?: string) => t.request("/api/v1/instance/domain_blocks", { token });
    await setSettings(t.database.db, {
      show_domain_blocks: "all",
      show_domain_blocks_rationale: "all",
    });
    for (const token of [undefined, reader.token]) {
      const res = await blocks(token);
      expect(res.headers.get("cache-control")).toBe(FIVE_MINUTES);
      expect(res.headers.get("vary")).toBeNull();
    }
    // Comments for users only: what a visitor gets may be kept, a user's not.
    await setSettings(t.database.db, { show_domain_blocks_rationale: "users" });
    const visitor = await blocks();
    expect(visitor.headers.get("cache-control")).toBe(BRIEFLY);
    expect(visitor.headers.get("vary")).toBe("Authorization");
    expect((await blocks(reader.token)).headers.get("cache-control")).toBe(PRIVATE);
    // Blocks for users only: a user's answer is private, a visitor's a 404.
    await setSettings(t.database.db, { show_domain_blocks: "users" });
    expect((await blocks(reader.token)).headers.get("cache-control")).toBe(PRIVATE);
    const refused = await blocks();
    expect(refused.status).toBe(404);
    expect(refused.headers.get("cache-control")).toBe(PRIVATE);
  });
});

describe("deprecated endpoints (deprecate_api)", () => {
  it("say since when, on answers and refusals alike", async () => {
    const since = async (path: string, token?: string) => {
      const res = await t.request(path, { token });
      return [res.status, res.headers.get("deprecation")];
    };
    expect(await since("/api/v1/trends")).toEqual([200, "@1648598400"]);
    expect(await since("/api/v1/trends/tags")).toEqual([200, null]);
    expect(await since("/api/v1/instance")).toEqual([200, "@1668384000"]);
    expect(await since("/api/v2/instance")).toEqual([200, null]);
    expect(await since("/api/v1/filters", reader.token)).toEqual([200, "@1668384000"]);
    expect(await since("/api/v1/filters")).toEqual([401, "@1668384000"]);
    expect(await since("/api/v2/filters", reader.token)).toEqual([200, null]);
    expect(await since("/api/v1/suggestions", reader.token)).toEqual([200, "@1621123200"]);
    expect(await since("/api/v2/suggestions", reader.token)).toEqual([200, null]);
    expect(
      await since(`/api/v1/accounts/${author.account.id}/identity_proofs`, reader.token),
    ).toEqual([200, "@1648598400"]);
    expect(await since(`/api/v1/accounts/${author.account.id}/identity_proofs`)).toEqual([
      422,
      "@1648598400",
    ]);
  });
});
