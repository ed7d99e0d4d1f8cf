// Lists: /api/v1/lists, /api/v1/lists/:id, /api/v1/lists/:id/accounts and
// /api/v1/accounts/:id/lists, as Mastodon's controllers answer them.
import { describe, expect, it } from "vitest";
import { followRequests } from "../src/db/schema/index.ts";
import { newId } from "../src/lib/ids.ts";
import { follow, insertStatus } from "./kit/direct-statuses.ts";
import { makeUser, tokenFor } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();

async function newList(token: string, title = "Friends", extra: Record<string, unknown> = {}) {
  const res = await t.json("/api/v1/lists", { token, json: { title, ...extra } });
  expect(res.status).toBe(200);
  return res.body as { id: string; title: string; replies_policy: string; exclusive: boolean };
}

describe("lists", () => {
  it("create, show, update and delete a list", async () => {
    const me = await makeUser(t);
    expect((await t.json("/api/v1/lists", { token: me.token })).body).toEqual([]);
    const list = await newList(me.token);
    expect(list).toEqual({
      id: expect.stringMatching(/^\d+$/),
      title: "Friends",
      replies_policy: "list",
      exclusive: false,
    });
    expect((await t.json(`/api/v1/lists/${list.id}`, { token: me.token })).body).toEqual(list);

    const updated = await t.json(`/api/v1/lists/${list.id}`, {
      method: "PUT",
      token: me.token,
      form: { title: "Close friends", replies_policy: "followed", exclusive: "true" },
    });
    expect(updated.body).toEqual({
      id: list.id,
      title: "Close friends",
      replies_policy: "followed",
      exclusive: true,
    });
    // Only what is sent changes; PATCH works too.
    const patched = await t.json(`/api/v1/lists/${list.id}`, {
      method: "PATCH",
      token: me.token,
      json: { exclusive: false },
    });
    expect(patched.body).toMatchObject({ title: "Close friends", exclusive: false });

    const second = await newList(me.token, "Work", { replies_policy: "none", exclusive: "1" });
    expect(second).toMatchObject({ replies_policy: "none", exclusive: true });
    const all = await t.json("/api/v1/lists", { token: me.token });
    expect(all.body.map((l: { id: string }) => l.id)).toEqual([list.id, second.id]);

    const deleted = await t.json(`/api/v1/lists/${list.id}`, { method: "DELETE", token: me.token });
    expect(deleted).toMatchObject({ status: 200, body: {} });
    expect((await t.json(`/api/v1/lists/${list.id}`, { token: me.token })).status).toBe(404);
  });

  it("accepts forms and multipart, and refuses bad input with Mastodon's errors", async () => {
    const me = await makeUser(t);
    const form = new FormData();
    form.set("title", "Multipart");
    form.set("replies_policy", "followed");
    const viaMultipart = await t.json("/api/v1/lists", { token: me.token, multipart: form });
    expect(viaMultipart.body).toMatchObject({ title: "Multipart", replies_policy: "followed" });
    const viaForm = await t.json("/api/v1/lists", { token: me.token, form: { title: "Form" } });
    expect(viaForm.body).toMatchObject({ title: "Form" });

    expect(await t.json("/api/v1/lists", { token: me.token, json: {} })).toMatchObject({
      status: 422,
      body: { error: "Validation failed: Title can't be blank" },
    });
    expect(
      (await t.json("/api/v1/lists", { token: me.token, json: { title: ["a"] } })).status,
    ).toBe(422);
    expect(
      await t.json("/api/v1/lists", {
        token: me.token,
        json: { title: "x", replies_policy: "some" },
      }),
    ).toMatchObject({ status: 422, body: { error: "'some' is not a valid replies_policy" } });
    expect(
      (await t.json("/api/v1/lists", { token: me.token, json: { title: "x".repeat(257) } })).status,
    ).toBe(422);
    expect(
      (
        await t.json("/api/v1/lists", {
          token: me.token,
          body: "{",
          headers: { "content-type": "application/json" },
        })
      ).status,
    ).toBe(400);
    const list = viaForm.body as { id: string };
    expect(
      await t.json(`/api/v1/lists/${list.id}`, {
        method: "PUT",
        token: me.token,
        json: { title: "" },
      }),
    ).toMatchObject({ status: 422, body: { error: "Validation failed: Title can't be blank" } });
  });

  it("limits an account to 50 lists", async () => {
    const me = await makeUser(t);
    for (let i = 0; i < 50; i++) await newList(me.token, `List ${i}`);
    expect(
      await t.json("/api/v1/lists", { token: me.token, json: { title: "one more" } }),
    ).toMatchObject({
      status: 422,
      body: { error: "Validation failed: You have reached the maximum number of lists" },
    });
  });

  it("hides other users' lists and checks tokens and scopes", async () => {
    const me = await makeUser(t);
    const other = await makeUser(t);
    const list = await newList(me.token);
    for (const path of [`/api/v1/lists/${list.id}`, `/api/v1/lists/${list.id}/accounts`]) {
      expect((await t.json(path, { token: other.token })).status).toBe(404);
    }
    expect(
      (await t.json(`/api/v1/lists/${list.id}`, { method: "DELETE", token: other.token })).status,
    ).toBe(404);
    expect((await t.json("/api/v1/lists/999", { token: me.token })).status).toBe(404);
    expect((await t.json("/api/v1/lists/abc", { token: me.token })).status).toBe(404);
    expect((await t.json("/api/v1/lists")).status).toBe(401);
    const readOnly = await tokenFor(t, me.user.id, ["read:lists"]);
    expect((await t.json("/api/v1/lists", { token: readOnly })).status).toBe(200);
    expect((await t.json("/api/v1/lists", { token: readOnly, json: { title: "x" } })).status).toBe(
      403,
    );
    const writeOnly = await tokenFor(t, me.user.id, ["write:lists"]);
    expect((await t.json("/api/v1/lists", { token: writeOnly })).status).toBe(403);
    const appOnly = await tokenFor(t, null, ["read", "write"]);
    expect((await t.json("/api/v1/lists", { token: appOnly })).status).toBe(422);
  });
});

describe("list accounts", () => {
  it("adds followed and requested accounts, refuses others, and lists members", async () => {
    const me = await makeUser(t);
    const followed = await makeUser(t);
    const requested = await makeUser(t);
    const stranger = await makeUser(t);
    await follow(t, me.account, followed.account);
    await t.database.db.insert(followRequests).values({
      id: newId(),
      accountId: me.account.id,
      targetAccountId: requested.account.id,
    });
    const list = await newList(me.token);
    const path = `/api/v1/lists/${list.id}/accounts`;

    expect(
      await t.json(path, { token: me.token, json: { account_ids: [followed.account.id] } }),
    ).toMatchObject({ status: 200, body: {} });
    expect(
      (await t.json(path, { token: me.token, form: { "account_ids[]": requested.account.id } }))
        .status,
    ).toBe(200);
    expect(
      (await t.json(path, { token: me.token, json: { account_ids: [me.account.id] } })).status,
    ).toBe(200);
    expect(
      await t.json(path, { token: me.token, json: { account_ids: [stranger.account.id] } }),
    ).toMatchObject({ status: 404, body: { error: "Record not found" } });
    expect(
      (await t.json(path, { token: me.token, json: { account_ids: ["123", "abc"] } })).status,
    ).toBe(404);
    expect(
      await t.json(path, { token: me.token, json: { account_ids: [followed.account.id] } }),
    ).toMatchObject({
      status: 422,
      body: { error: "Validation failed: Account has already been taken" },
    });
    expect((await t.json(path, { token: me.token, json: {} })).status).toBe(200);

    const members = await t.json(path, { token: me.token });
    const expected = [followed.account.id, requested.account.id, me.account.id].sort((a, b) =>
      BigInt(b) > BigInt(a) ? 1 : -1,
    );
    expect(members.body.map((a: { id: string }) => a.id)).toEqual(expected);
    expect(members.body[0]).toHaveProperty("acct");
    // Not a full page: only a prev link, by since_id.
    const base = `https://herd.test${path}`;
    expect(members.res.headers.get("link")).toBe(`<${base}?since_id=${expected[0]}>; rel="prev"`);

    const page = await t.json(`${path}?limit=2`, { token: me.token });
    expect(page.body.map((a: { id: string }) => a.id)).toEqual(expected.slice(0, 2));
    expect(page.res.headers.get("link")).toBe(
      `<${base}?limit=2&max_id=${expected[1]}>; rel="next", <${base}?limit=2&since_id=${expected[0]}>; rel="prev"`,
    );
    const rest = await t.json(`${path}?limit=2&max_id=${expected[1]}`, { token: me.token });
    expect(rest.body.map((a: { id: string }) => a.id)).toEqual(expected.slice(2));
    const all = await t.json(`${path}?limit=0`, { token: me.token });
    expect(all.body).toHaveLength(3);
    expect(all.res.headers.get("link")).toBeNull();

    const removed = await t.json(path, {
      method: "DELETE",
      token: me.token,
      json: { account_ids: [followed.account.id, stranger.account.id, "nope"] },
    });
    expect(removed).toMatchObject({ status: 200, body: {} });
    expect((await t.json(path, { token: me.token })).body).toHaveLength(2);
  });

  it("brings a new member's statuses into the list, and takes them out on removal", async () => {
    const me = await makeUser(t);
    const friend = await makeUser(t);
    await follow(t, me.account, friend.account);
    const earlier = await insertStatus(t, friend.account);
    await t.drainJobs();
    const list = await newList(me.token);
    await t.json(`/api/v1/lists/${list.id}/accounts`, {
      token: me.token,
      json: { account_ids: [friend.account.id] },
    });
    await t.drainJobs();
    const later = await insertStatus(t, friend.account);
    await t.drainJobs();
    const timeline = await t.json(`/api/v1/timelines/list/${list.id}`, { token: me.token });
    expect(timeline.body.map((s: { id: string }) => s.id)).toEqual([later.id, earlier.id]);
    await t.json(`/api/v1/lists/${list.id}/accounts`, {
      method: "DELETE",
      token: me.token,
      form: { "account_ids[]": friend.account.id },
    });
    expect((await t.json(`/api/v1/timelines/list/${list.id}`, { token: me.token })).body).toEqual(
      [],
    );
  });

  it("checks scopes on members", async () => {
    const me = await makeUser(t);
    const list = await newList(me.token);
    const path = `/api/v1/lists/${list.id}/accounts`;
    const readOnly = await tokenFor(t, me.user.id, ["read"]);
    expect((await t.json(path, { token: readOnly })).status).toBe(200);
    expect((await t.json(path, { token: readOnly, json: { account_ids: [] } })).status).toBe(403);
    expect((await t.json(path)).status).toBe(401);
  });
});

describe("GET /api/v1/accounts/:id/lists", () => {
  it("lists the viewer's lists that include the account", async () => {
    const me = await makeUser(t);
    const friend = await makeUser(t);
    const other = await makeUser(t);
    await follow(t, me.account, friend.account);
    const a = await newList(me.token, "A");
    await newList(me.token, "B");
    const c = await newList(me.token, "C");
    for (const list of [a, c]) {
      await t.json(`/api/v1/lists/${list.id}/accounts`, {
        token: me.token,
        json: { account_ids: [friend.account.id] },
      });
    }
    const res = await t.json(`/api/v1/accounts/${friend.account.id}/lists`, { token: me.token });
    expect(res.body).toEqual([a, c]);
    // Someone else's lists are not shown.
    expect(
      (await t.json(`/api/v1/accounts/${friend.account.id}/lists`, { token: other.token })).body,
    ).toEqual([]);
    expect((await t.json("/api/v1/accounts/123/lists", { token: me.token })).status).toBe(404);
    expect((await t.json(`/api/v1/accounts/${friend.account.id}/lists`)).status).toBe(401);
    const noLists = await tokenFor(t, me.user.id, ["read:accounts"]);
    expect(
      (await t.json(`/api/v1/accounts/${friend.account.id}/lists`, { token: noLists })).status,
    ).toBe(403);
  });
});
