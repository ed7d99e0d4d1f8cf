// GET /api/v1/bookmarks and GET /api/v1/favourites
// (https://docs.joinmastodon.org/methods/bookmarks/, methods/favourites/):
// newest bookmark (favourite) first, paginated by its own id with Link
// headers, and only statuses the viewer may still see.
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { blocks, bookmarks, favourites, follows, statuses } from "../src/db/schema/index.ts";
import { newId } from "../src/lib/ids.ts";
import { makeUser, postStatus, tokenFor, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const db = t.database.db;

/** A status by `author`, posted through POST /api/v1/statuses. */
async function post(
  author: TestUser,
  visibility: "public" | "unlisted" | "private" | "direct" = "public",
): Promise<string> {
  const status = await postStatus(t, author, { status: "hello", visibility });
  return status.id as string;
}

async function follow(a: TestUser, b: TestUser) {
  await db
    .insert(follows)
    .values({ id: newId(), accountId: a.account.id, targetAccountId: b.account.id });
}

const ids = (body: { id: string }[]) => body.map((s) => s.id);

const KINDS = [
  {
    path: "/api/v1/bookmarks",
    action: "bookmark",
    undo: "unbookmark",
    flag: "bookmarked",
    scope: "read:bookmarks",
    writeScope: "write:bookmarks",
    table: bookmarks,
  },
  {
    path: "/api/v1/favourites",
    action: "favourite",
    undo: "unfavourite",
    flag: "favourited",
    scope: "read:favourites",
    writeScope: "write:favourites",
    table: favourites,
  },
] as const;

describe.each(KINDS)("$path", ({ path, action, undo, flag, scope, writeScope, table }) => {
  const save = async (user: TestUser, id: string) => {
    const res = await t.json(`/api/v1/statuses/${id}/${action}`, {
      method: "POST",
      token: user.token,
    });
    expect(res.status).toBe(200);
    expect(res.body[flag]).toBe(true);
  };

  /** The viewer's saved rows (bookmarks or favourites), oldest first. */
  const savedIds = async (user: TestUser) =>
    (
      await db
        .select({ id: table.id, statusId: table.statusId })
        .from(table)
        .where(eq(table.accountId, user.account.id))
        .orderBy(table.id)
    ).map((r) => r.id);

  it("needs a user token with the scope", async () => {
    const me = await makeUser(t);
    const none = await t.json(path);
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: "The access token is invalid" });
    const wrong = await tokenFor(t, me.user.id, ["write"]);
    const outOfScope = await t.json(path, { token: wrong });
    expect(outOfScope.status).toBe(403);
    expect(outOfScope.body).toEqual({ error: "This action is outside the authorized scopes" });
    const app = await tokenFor(t, null, ["read"]);
    const appOnly = await t.json(path, { token: app });
    expect(appOnly.status).toBe(422);
    expect(appOnly.body).toEqual({ error: "This method requires an authenticated user" });
    const granular = await tokenFor(t, me.user.id, [scope]);
    const ok = await t.json(path, { token: granular });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual([]);
    expect(ok.res.headers.get("link")).toBeNull();
    const writeOnly = await tokenFor(t, me.user.id, [writeScope]);
    expect((await t.json(path, { token: writeOnly })).status).toBe(403);
    // The legacy `follow` scope is not enough here, as in Mastodon.
    const legacy = await tokenFor(t, me.user.id, ["follow"]);
    expect((await t.json(path, { token: legacy })).status).toBe(403);
  });

  it("lists newest saved first, whatever the statuses' own order, with their flags", async () => {
    const author = await makeUser(t);
    const me = await makeUser(t);
    const older = await post(author);
    const newer = await post(author);
    await save(me, newer);
    await save(me, older);
    const res = await t.json(path, { token: me.token });
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual([older, newer]);
    expect(res.body[0]).toMatchObject({
      id: older,
      [flag]: true,
      account: { id: author.account.id },
      content: "<p>hello</p>",
    });
    // Someone else's list is their own.
    const other = await makeUser(t);
    expect((await t.json(path, { token: other.token })).body).toEqual([]);

    await t.json(`/api/v1/statuses/${older}/${undo}`, { method: "POST", token: me.token });
    expect(ids((await t.json(path, { token: me.token })).body)).toEqual([newer]);
  });

  it("pages by the saved row's id, not the status id, with Link headers", async () => {
    const author = await makeUser(t);
    const me = await makeUser(t);
    const made = [await post(author), await post(author), await post(author)];
    // Saved in the reverse of the statuses' order.
    for (const id of [...made].reverse()) await save(me, id);
    const saved = await savedIds(me); // oldest first: made[2], made[1], made[0]

    const first = await t.json(`${path}?limit=2`, { token: me.token });
    expect(ids(first.body)).toEqual([made[0], made[1]]);
    expect(first.res.headers.get("link")).toBe(
      `<https://herd.test${path}?limit=2&max_id=${saved[1]}>; rel="next", ` +
        `<https://herd.test${path}?limit=2&min_id=${saved[2]}>; rel="prev"`,
    );
    const second = await t.json(`${path}?limit=2&max_id=${saved[1]}`, { token: me.token });
    expect(ids(second.body)).toEqual([made[2]]);
    expect(second.res.headers.get("link")).toBe(
      `<https://herd.test${path}?limit=2&min_id=${saved[0]}>; rel="prev"`,
    );
    const past = await t.json(`${path}?limit=2&max_id=${saved[0]}`, { token: me.token });
    expect(past.body).toEqual([]);
    expect(past.res.headers.get("link")).toBeNull();

    // min_id reads forward from the cursor, oldest first, shown newest first.
    const forward = await t.json(`${path}?limit=1&min_id=${saved[0]}`, { token: me.token });
    expect(ids(forward.body)).toEqual([made[1]]);
    const since = await t.json(`${path}?limit=1&since_id=${saved[0]}`, { token: me.token });
    expect(ids(since.body)).toEqual([made[0]]);
    const between = await t.json(`${path}?min_id=${saved[0]}&max_id=${saved[2]}`, {
      token: me.token,
    });
    expect(ids(between.body)).toEqual([made[1]]);
    // Ids that are not ids are ignored, as Mastodon.
    const junk = await t.json(`${path}?max_id=abc&limit=x`, { token: me.token });
    expect(ids(junk.body)).toEqual([made[0], made[1], made[2]]);
  });

  it("reads 20 by default and 40 at most", async () => {
    const author = await makeUser(t);
    const me = await makeUser(t);
    const rows = [];
    for (let i = 0; i < 45; i++) rows.push(await post(author));
    await db
      .insert(table)
      .values(rows.map((statusId) => ({ id: newId(), accountId: me.account.id, statusId })));
    const byDefault = await t.json(path, { token: me.token });
    expect(byDefault.body).toHaveLength(20);
    expect(byDefault.res.headers.get("link")).toContain('rel="next"');
    const capped = await t.json(`${path}?limit=100`, { token: me.token });
    expect(capped.body).toHaveLength(40);
  });

  it("drops statuses the viewer may no longer see, without shortening the page", async () => {
    const author = await makeUser(t);
    const me = await makeUser(t);
    await follow(me, author);
    const pub = await post(author);
    const priv = await post(author, "private");
    const deleted = await post(author);
    const later = await post(author);
    for (const id of [pub, priv, deleted, later]) await save(me, id);
    expect(ids((await t.json(path, { token: me.token })).body)).toEqual([
      later,
      deleted,
      priv,
      pub,
    ]);

    await db
      .delete(follows)
      .where(
        and(eq(follows.accountId, me.account.id), eq(follows.targetAccountId, author.account.id)),
      );
    await db.update(statuses).set({ deletedAt: new Date() }).where(eq(statuses.id, deleted));
    const after = await t.json(`${path}?limit=2`, { token: me.token });
    expect(ids(after.body)).toEqual([later, pub]);

    // Blocked by the author: nothing of theirs is left.
    await db
      .insert(blocks)
      .values({ id: newId(), accountId: author.account.id, targetAccountId: me.account.id });
    expect((await t.json(path, { token: me.token })).body).toEqual([]);
  });

  it(`${undo} works for a saved status the viewer can no longer see`, async () => {
    const author = await makeUser(t);
    const me = await makeUser(t);
    await follow(me, author);
    const priv = await post(author, "private");
    await save(me, priv);
    await db.delete(follows).where(eq(follows.accountId, me.account.id));
    const res = await t.json(`/api/v1/statuses/${priv}/${undo}`, {
      method: "POST",
      token: me.token,
    });
    // Carried out, but the answer does not show what the viewer may no longer see.
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: "Record not found" });
    expect(await savedIds(me)).toEqual([]);
    const again = await t.json(`/api/v1/statuses/${priv}/${undo}`, {
      method: "POST",
      token: me.token,
    });
    expect(again.status).toBe(404);
  });
});

describe("bookmark and unbookmark", () => {
  it("bookmarks once, idempotently, and bookmarks the original of a boost", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const carol = await makeUser(t);
    const id = await post(alice);
    const first = await t.json(`/api/v1/statuses/${id}/bookmark`, {
      method: "POST",
      token: bob.token,
    });
    expect(first.body).toMatchObject({ id, bookmarked: true });
    await t.json(`/api/v1/statuses/${id}/bookmark`, { method: "POST", token: bob.token });
    const rows = await db.select().from(bookmarks).where(eq(bookmarks.accountId, bob.account.id));
    expect(rows.map((r) => r.statusId)).toEqual([id]);

    const boost = await t.json(`/api/v1/statuses/${id}/reblog`, {
      method: "POST",
      token: carol.token,
    });
    const viaBoost = await t.json(`/api/v1/statuses/${boost.body.id}/bookmark`, {
      method: "POST",
      token: alice.token,
    });
    expect(viaBoost.body.reblog).toMatchObject({ id, bookmarked: true });
    const list = await t.json("/api/v1/bookmarks", { token: alice.token });
    expect(ids(list.body)).toEqual([id]);
  });

  it("hides private and direct statuses from outsiders", async () => {
    const alice = await makeUser(t);
    const outsider = await makeUser(t);
    for (const visibility of ["private", "direct"] as const) {
      const id = await post(alice, visibility);
      for (const action of ["bookmark", "unbookmark"]) {
        const res = await t.json(`/api/v1/statuses/${id}/${action}`, {
          method: "POST",
          token: outsider.token,
        });
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ error: "Record not found" });
      }
    }
    const rows = await db
      .select()
      .from(bookmarks)
      .where(eq(bookmarks.accountId, outsider.account.id));
    expect(rows).toEqual([]);
  });
});
