// Who sees which status on every read path of statuses: one status of each
// visibility, read by a visitor, an outsider, a follower, the mentioned
// account, the author, and an account the author blocks, as Mastodon's
// StatusPolicy#show? and AccountStatusesFilter allow.
import { describe, expect, it } from "vitest";
import { blocks, follows } from "../src/db/schema/index.ts";
import { newId } from "../src/lib/ids.ts";
import { makeUser, postStatus, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const db = t.database.db;

const author = await makeUser(t);
const mentioned = await makeUser(t);
const follower = await makeUser(t);
const outsider = await makeUser(t);
const blocked = await makeUser(t);
await db
  .insert(follows)
  .values({ id: newId(), accountId: follower.account.id, targetAccountId: author.account.id });
await db
  .insert(blocks)
  .values({ id: newId(), accountId: author.account.id, targetAccountId: blocked.account.id });

const root = await postStatus(t, author, { status: "root", visibility: "public" });

type Viewer = "visitor" | "outsider" | "follower" | "mentioned" | "author" | "blocked";
const users: Record<Exclude<Viewer, "visitor">, TestUser> = {
  outsider,
  follower,
  mentioned,
  author,
  blocked,
};
const tokenOf = (viewer: Viewer) => (viewer === "visitor" ? undefined : users[viewer].token);

/** Who may see a status of each visibility (StatusPolicy#show?). */
const ALLOWED: Record<string, Viewer[]> = {
  public: ["visitor", "outsider", "follower", "mentioned", "author"],
  unlisted: ["visitor", "outsider", "follower", "mentioned", "author"],
  private: ["follower", "mentioned", "author"],
  direct: ["mentioned", "author"],
};

const posted: Record<string, { id: string }> = {};
for (const visibility of Object.keys(ALLOWED)) {
  const status = await postStatus(t, author, {
    status: `@${mentioned.account.username} ${visibility}`,
    visibility,
    in_reply_to_id: root.id,
  });
  const edited = await t.json(`/api/v1/statuses/${status.id}`, {
    method: "PUT",
    token: author.token,
    json: { status: `@${mentioned.account.username} ${visibility}, edited` },
  });
  expect(edited.status).toBe(200);
  posted[visibility] = status;
}

const viewers: Viewer[] = ["visitor", "outsider", "follower", "mentioned", "author", "blocked"];

describe.each(Object.keys(ALLOWED))("a %s status", (visibility) => {
  it.each(viewers)("as the %s sees it", async (viewer) => {
    const id = posted[visibility]!.id;
    const token = tokenOf(viewer);
    const sees = ALLOWED[visibility]!.includes(viewer);
    const expected = sees ? 200 : 404;

    expect((await t.json(`/api/v1/statuses/${id}`, { token })).status).toBe(expected);

    const many = await t.json(`/api/v1/statuses?id[]=${id}&id[]=${root.id}`, { token });
    expect(many.body.map((s: { id: string }) => s.id).includes(id)).toBe(sees);

    expect((await t.json(`/api/v1/statuses/${id}/context`, { token })).status).toBe(expected);
    const thread = await t.json(`/api/v1/statuses/${root.id}/context`, { token });
    if (viewer === "blocked") {
      // The author blocks them: not even the public root is there.
      expect(thread.status).toBe(404);
    } else {
      expect(thread.body.descendants.map((s: { id: string }) => s.id).includes(id)).toBe(sees);
    }

    const profile = await t.json(`/api/v1/accounts/${author.account.id}/statuses`, { token });
    expect(profile.status).toBe(200);
    expect(profile.body.map((s: { id: string }) => s.id).includes(id)).toBe(sees);

    const history = await t.json(`/api/v1/statuses/${id}/history`, { token });
    expect(history.status).toBe(expected);
    if (sees) expect(history.body).toHaveLength(2);

    const source = await t.json(`/api/v1/statuses/${id}/source`, { token });
    expect(source.status).toBe(viewer === "visitor" ? 401 : expected);
    if (sees && viewer !== "visitor") {
      expect(source.body.text).toBe(`@${mentioned.account.username} ${visibility}, edited`);
    }

    // What the viewer may not see, the viewer cannot reply to either.
    if (viewer !== "visitor") {
      const reply = await t.json("/api/v1/statuses", {
        method: "POST",
        token,
        json: { status: "re", in_reply_to_id: id },
      });
      expect(reply.status).toBe(sees ? 200 : 404);
    }
  });
});
