// GET /api/v1/statuses/:id, GET /api/v1/statuses?id[]=, .../context,
// .../history and .../source (https://docs.joinmastodon.org/methods/statuses/).
// Who may see what is covered in statuses-privacy.test.ts.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { blocks, mutes, oauthAccessTokens, statuses } from "../src/db/schema/index.ts";
import { newId } from "../src/lib/ids.ts";
import { sha256 } from "../src/lib/tokens.ts";
import { makeUser, postStatus, tokenFor, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const db = t.database.db;

const get = (path: string, token?: string) => t.json(path, { token });
const reply = (user: TestUser, to: { id: string }, text = "reply") =>
  postStatus(t, user, { status: text, in_reply_to_id: to.id });

describe("GET /api/v1/statuses/:id", () => {
  it("shows a public status to anyone, with viewer flags only for users", async () => {
    const alice = await makeUser(t);
    const posted = await postStatus(t, alice, "hello");
    const anon = await get(`/api/v1/statuses/${posted.id}`);
    expect(anon.status).toBe(200);
    expect(anon.body).toMatchObject({ id: posted.id, content: "<p>hello</p>" });
    expect(anon.body).not.toHaveProperty("favourited");
    const bob = await makeUser(t);
    const signed = await get(`/api/v1/statuses/${posted.id}`, bob.token);
    expect(signed.body).toMatchObject({ favourited: false, bookmarked: false });
    expect(signed.body).not.toHaveProperty("pinned");
  });

  it("answers 404 for unknown, malformed and deleted statuses", async () => {
    const alice = await makeUser(t);
    const posted = await postStatus(t, alice, "soon gone");
    await db.update(statuses).set({ deletedAt: new Date() }).where(eq(statuses.id, posted.id));
    for (const id of ["1", "abc", "99999999999999999999", posted.id]) {
      expect(await get(`/api/v1/statuses/${id}`)).toMatchObject({
        status: 404,
        body: { error: "Record not found" },
      });
    }
  });

  it("checks a token only when one is sent", async () => {
    const alice = await makeUser(t);
    const posted = await postStatus(t, alice, "hello");
    const wrongScope = await tokenFor(t, alice.user.id, ["write"]);
    expect(await get(`/api/v1/statuses/${posted.id}`, wrongScope)).toMatchObject({
      status: 403,
      body: { error: "This action is outside the authorized scopes" },
    });
    // A token the server does not know is as no token (authorize_if_got_token!).
    expect((await get(`/api/v1/statuses/${posted.id}`, "unknown")).status).toBe(200);
    const revoked = await tokenFor(t, alice.user.id, ["read"]);
    await db
      .update(oauthAccessTokens)
      .set({ revokedAt: new Date() })
      .where(eq(oauthAccessTokens.tokenDigest, sha256(revoked)));
    expect(await get(`/api/v1/statuses/${posted.id}`, revoked)).toMatchObject({
      status: 401,
      body: { error: "The access token was revoked" },
    });
    // An app token sees what a visitor sees.
    const app = await tokenFor(t, null, ["read"]);
    const priv = await postStatus(t, alice, { status: "p", visibility: "private" });
    expect((await get(`/api/v1/statuses/${posted.id}`, app)).status).toBe(200);
    expect((await get(`/api/v1/statuses/${priv.id}`, app)).status).toBe(404);
  });

  it("shows a boost with the boosted status nested", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const posted = await postStatus(t, alice, "boost me");
    const boost = await t.json(`/api/v1/statuses/${posted.id}/reblog`, {
      method: "POST",
      token: bob.token,
    });
    const { body } = await get(`/api/v1/statuses/${boost.body.id}`);
    expect(body).toMatchObject({
      id: boost.body.id,
      account: { id: bob.account.id },
      reblog: { id: posted.id, account: { id: alice.account.id } },
    });
  });
});

describe("GET /api/v1/statuses?id[]=", () => {
  it("answers the statuses the viewer may see, in the order asked", async () => {
    const alice = await makeUser(t);
    const a = await postStatus(t, alice, "a");
    const b = await postStatus(t, alice, "b");
    const hidden = await postStatus(t, alice, { status: "h", visibility: "private" });
    const { status, body } = await get(
      `/api/v1/statuses?id[]=${b.id}&id[]=1&id[]=${hidden.id}&id[]=${a.id}&id[]=${b.id}`,
    );
    expect(status).toBe(200);
    expect(body.map((s: { id: string }) => s.id)).toEqual([b.id, a.id]);
    expect(
      (await get(`/api/v1/statuses?id=${a.id}`)).body.map((s: { id: string }) => s.id),
    ).toEqual([a.id]);
    expect((await get("/api/v1/statuses")).body).toEqual([]);
  });

  it("leaves out statuses of accounts the viewer mutes or blocks", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const carol = await makeUser(t);
    const a = await postStatus(t, alice, "a");
    const c = await postStatus(t, carol, "c");
    await db
      .insert(mutes)
      .values({ id: newId(), accountId: bob.account.id, targetAccountId: alice.account.id });
    await db
      .insert(blocks)
      .values({ id: newId(), accountId: bob.account.id, targetAccountId: carol.account.id });
    const { body } = await get(`/api/v1/statuses?id[]=${a.id}&id[]=${c.id}`, bob.token);
    expect(body).toEqual([]);
    // Viewing one status directly is not filtered by mutes (StatusPolicy only).
    expect((await get(`/api/v1/statuses/${a.id}`, bob.token)).status).toBe(200);
  });

  it("refuses more than 20 ids", async () => {
    const query = Array.from({ length: 21 }, (_, i) => `id[]=${i + 1}`).join("&");
    expect(await get(`/api/v1/statuses?${query}`)).toMatchObject({
      status: 422,
      body: { error: "Mastodon::ValidationError" },
    });
    const twenty = Array.from({ length: 20 }, (_, i) => `id[]=${i + 1}`).join("&");
    expect((await get(`/api/v1/statuses?${twenty}`)).status).toBe(200);
  });
});

describe("GET /api/v1/statuses/:id/context", () => {
  it("answers ancestors root first and descendants depth first, self-replies first", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const root = await postStatus(t, alice, "root");
    const a1 = await reply(bob, root, "bob answers");
    const a2 = await reply(alice, root, "alice continues");
    const a1x = await reply(alice, a1, "alice answers bob");
    const a2x = await reply(alice, a2, "alice continues again");
    const ctx = await get(`/api/v1/statuses/${root.id}/context`);
    expect(ctx.status).toBe(200);
    expect(ctx.body.ancestors).toEqual([]);
    // Depth first, oldest sibling first: a1, a1x, a2, a2x; then alice's replies
    // to herself (a2, a2x) move up before bob's branch.
    expect(ctx.body.descendants.map((s: { id: string }) => s.id)).toEqual([
      a2.id,
      a2x.id,
      a1.id,
      a1x.id,
    ]);
    const leaf = await get(`/api/v1/statuses/${a1x.id}/context`);
    expect(leaf.body.ancestors.map((s: { id: string }) => s.id)).toEqual([root.id, a1.id]);
    expect(leaf.body.descendants).toEqual([]);
  });

  it("limits what visitors get: 40 ancestors, a depth of 20", async () => {
    const alice = await makeUser(t);
    let last = await postStatus(t, alice, "0");
    const chain = [last];
    for (let i = 1; i <= 45; i++) {
      last = await reply(alice, last, String(i));
      chain.push(last);
    }
    const bob = await makeUser(t);
    const anonUp = await get(`/api/v1/statuses/${last.id}/context`);
    expect(anonUp.body.ancestors.map((s: { id: string }) => s.id)).toEqual(
      chain.slice(5, 45).map((s) => s.id),
    );
    const signedUp = await get(`/api/v1/statuses/${last.id}/context`, bob.token);
    expect(signedUp.body.ancestors).toHaveLength(45);
    const anonDown = await get(`/api/v1/statuses/${chain[0]!.id}/context`);
    expect(anonDown.body.descendants.map((s: { id: string }) => s.id)).toEqual(
      chain.slice(1, 21).map((s) => s.id),
    );
    const signedDown = await get(`/api/v1/statuses/${chain[0]!.id}/context`, bob.token);
    expect(signedDown.body.descendants).toHaveLength(45);
  });

  it("hides replies by accounts the viewer blocks or mutes, but never the viewer's own", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const carol = await makeUser(t);
    const root = await postStatus(t, alice, "root");
    const byBob = await reply(bob, root);
    const byCarol = await reply(carol, root);
    await db
      .insert(mutes)
      .values({ id: newId(), accountId: carol.account.id, targetAccountId: bob.account.id });
    const ctx = await get(`/api/v1/statuses/${root.id}/context`, carol.token);
    expect(ctx.body.descendants.map((s: { id: string }) => s.id)).toEqual([byCarol.id]);
    expect(
      (await get(`/api/v1/statuses/${root.id}/context`)).body.descendants.map(
        (s: { id: string }) => s.id,
      ),
    ).toEqual([byBob.id, byCarol.id]);
    // Deleted replies leave the thread; their replies stay.
    const under = await reply(alice, byBob, "under");
    await t.request(`/api/v1/statuses/${byBob.id}`, { method: "DELETE", token: bob.token });
    expect(
      (await get(`/api/v1/statuses/${root.id}/context`)).body.descendants.map(
        (s: { id: string }) => s.id,
      ),
    ).toEqual([under.id, byCarol.id]);
  });

  it("answers 404 for unknown statuses", async () => {
    expect(await get("/api/v1/statuses/1/context")).toMatchObject({
      status: 404,
      body: { error: "Record not found" },
    });
    expect((await get("/api/v1/statuses/x/context")).status).toBe(404);
  });
});

describe("GET /api/v1/statuses/:id/history and /source", () => {
  it("shows a status never edited as one version", async () => {
    const alice = await makeUser(t);
    const posted = await postStatus(t, alice, { status: "v1 :nope:", spoiler_text: "cw" });
    const { status, body } = await get(`/api/v1/statuses/${posted.id}/history`);
    expect(status).toBe(200);
    expect(body).toEqual([
      {
        content: "<p>v1 :nope:</p>",
        spoiler_text: "cw",
        sensitive: true,
        created_at: posted.created_at,
        account: expect.objectContaining({ id: alice.account.id }),
        media_attachments: [],
        emojis: [],
      },
    ]);
  });

  it("shows the source to any token with a read scope", async () => {
    const alice = await makeUser(t);
    const posted = await postStatus(t, alice, { status: "@nobody #tag", spoiler_text: "cw" });
    expect(await get(`/api/v1/statuses/${posted.id}/source`)).toMatchObject({
      status: 401,
      body: { error: "The access token is invalid" },
    });
    const app = await tokenFor(t, null, ["read:statuses"]);
    expect(await get(`/api/v1/statuses/${posted.id}/source`, app)).toMatchObject({
      status: 200,
      body: { id: posted.id, text: "@nobody #tag", spoiler_text: "cw" },
    });
    const wrong = await tokenFor(t, alice.user.id, ["write"]);
    expect((await get(`/api/v1/statuses/${posted.id}/source`, wrong)).status).toBe(403);
    expect((await get("/api/v1/statuses/1/source", alice.token)).status).toBe(404);
  });
});
