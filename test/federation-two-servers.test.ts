// Two real Herd servers federating over HTTP on loopback, as README's "Two
// servers on one machine" runs them (issue P3, points 5 and 7): two
// `node bin/start.js` processes, each with its own port, LOCAL_DOMAIN
// (localhost:PORT, so http URLs), database (a copy of the test template) and
// ALLOW_PRIVATE_ADDRESS=true; accounts made with `herd accounts create`,
// tokens by the OAuth password grant, and from then on the client API only.
// Every signature is made and checked by the servers themselves, and every
// delivery is a job of the sending server: results are polled for with a
// deadline, never waited for with a fixed sleep.
import { chmod, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTar } from "../src/lib/tar.ts";
import {
  account,
  api,
  herd,
  ok,
  startServer,
  stopHerdProcesses,
  tempFolder,
  until,
  type HerdAccount as Account,
  type HerdServer as Server,
} from "./kit/herd-process.ts";

afterAll(stopHerdProcesses);

describe("two Herd servers federate over HTTP", { timeout: 60_000 }, () => {
  let a: Server;
  let b: Server;
  let alice: Account;
  let dave: Account;
  let bob: Account;
  let carol: Account;
  let erin: Account;

  beforeAll(async () => {
    [a, b] = await Promise.all([startServer("A"), startServer("B")]);
    [alice, dave, bob, carol, erin] = await Promise.all([
      account(a, "alice"),
      account(a, "dave"),
      account(b, "bob"),
      account(b, "carol"),
      account(b, "erin"),
    ]);
    await ok(b, "/api/v1/accounts/update_credentials", {
      token: carol.token,
      method: "PATCH",
      json: { locked: true },
    });
  }, 60_000);

  /** The id on `server` of `who` (resolved by WebFinger when `server` does not know it yet). */
  async function idOn(server: Server, who: Account): Promise<string> {
    if (who.server === server) return who.id;
    return (await ok(server, `/api/v1/accounts/lookup?acct=${who.acct}`)).id;
  }

  /** The relationship of `viewer` with `who` (another server's account), seen on viewer's server. */
  async function relationship(viewer: Account, who: Account): Promise<any> {
    const id = await idOn(viewer.server, who);
    const [rel] = await ok(viewer.server, `/api/v1/accounts/relationships?id[]=${id}`, {
      token: viewer.token,
    });
    return rel;
  }

  /** The status of `viewer`'s server whose content contains `text`, in its home timeline. */
  async function inHome(viewer: Account, text: string): Promise<any> {
    const home = await ok(viewer.server, "/api/v1/timelines/home?limit=40", {
      token: viewer.token,
    });
    return home.find((s: { content: string }) => s.content.includes(text)) ?? null;
  }

  async function notification(viewer: Account, type: string, from: Account): Promise<any> {
    const list = await ok(viewer.server, `/api/v1/notifications?types[]=${type}`, {
      token: viewer.token,
    });
    return list.find((n: { account: { acct: string } }) => n.account.acct === from.acct) ?? null;
  }

  async function post(author: Account, params: Record<string, unknown>): Promise<any> {
    return ok(author.server, "/api/v1/statuses", { token: author.token, json: params });
  }

  it("looks up a remote account by lookup and by search with resolve", async () => {
    const found = await ok(a, `/api/v1/accounts/lookup?acct=${bob.acct}`);
    expect(found).toMatchObject({
      username: "bob",
      acct: bob.acct,
      url: `${b.base}/@bob`,
      note: bob.me.note,
      locked: false,
    });
    const search = await ok(a, `/api/v2/search?q=@${carol.acct}&resolve=true&type=accounts`, {
      token: alice.token,
    });
    expect(search.accounts).toHaveLength(1);
    expect(search.accounts[0]).toMatchObject({ acct: carol.acct, locked: true });
    // Without resolve, an unknown handle stays unknown.
    const unknown = await ok(a, `/api/v2/search?q=@nobody@${b.domain}&resolve=true`, {
      token: alice.token,
    });
    expect(unknown.accounts).toEqual([]);
  });

  it("backfills the posts and pins of an account seen for the first time", async () => {
    await post(erin, { status: "Erin's first post" });
    await post(erin, { status: "Erin's secret", visibility: "private" });
    const pinned = await post(erin, { status: "Erin's pinned post" });
    await ok(b, `/api/v1/statuses/${pinned.id}/pin`, { token: erin.token, method: "POST" });

    const erinOnA = await idOn(a, erin);
    const shown = await until("erin's posts on A", async () => {
      const list = await ok(a, `/api/v1/accounts/${erinOnA}/statuses`, { token: alice.token });
      return list.length >= 2 ? (list as { content: string; uri: string }[]) : null;
    });
    expect(shown.map((s) => s.content.replace(/<[^>]+>/g, "")).sort()).toEqual([
      "Erin's first post",
      "Erin's pinned post",
    ]);
    const pins = await ok(a, `/api/v1/accounts/${erinOnA}/statuses?pinned=true`, {
      token: alice.token,
    });
    expect(pins.map((s: { uri: string }) => s.uri)).toEqual([pinned.uri]);
    // The count is the remote actor's own, read again once the backfill job
    // has stored the posts (which count them meanwhile): wait for the job.
    const profile = await until("erin's statuses_count on A", async () => {
      const p = await ok(a, `/api/v1/accounts/${erinOnA}`);
      return p.statuses_count === 3 ? p : null;
    });
    expect(profile.statuses_count).toBe(3);
  });

  it("follows an unlocked account: accepted at once, and the followee is notified", async () => {
    const bobOnA = await idOn(a, bob);
    const rel = await ok(a, `/api/v1/accounts/${bobOnA}/follow`, { token: alice.token, json: {} });
    expect(rel.id).toBe(bobOnA);
    await until("alice following bob", async () => (await relationship(alice, bob)).following);
    const followed = await until("bob's follow notification", () =>
      notification(bob, "follow", alice),
    );
    expect(followed.account).toMatchObject({ acct: alice.acct, url: `${a.base}/@alice` });
    const followers = await ok(b, `/api/v1/accounts/${bob.id}/followers`);
    expect(followers.map((x: { acct: string }) => x.acct)).toEqual([alice.acct]);
  });

  it("follows a locked account: pending until authorised, or rejected", async () => {
    const carolOnA = await idOn(a, carol);
    const rel = await ok(a, `/api/v1/accounts/${carolOnA}/follow`, {
      token: alice.token,
      json: {},
    });
    expect(rel).toMatchObject({ following: false, requested: true });
    await ok(a, `/api/v1/accounts/${carolOnA}/follow`, { token: dave.token, json: {} });
    const requests = await until("carol's two follow requests", async () => {
      const list = await ok(b, "/api/v1/follow_requests", { token: carol.token });
      return list.length === 2 ? (list as { id: string; acct: string }[]) : null;
    });
    expect(requests.map((r) => r.acct).sort()).toEqual([alice.acct, dave.acct].sort());
    expect(await relationship(alice, carol)).toMatchObject({ following: false, requested: true });

    const byAcct = (acct: string) => requests.find((r) => r.acct === acct)!.id;
    await ok(b, `/api/v1/follow_requests/${byAcct(alice.acct)}/authorize`, {
      token: carol.token,
      method: "POST",
    });
    await ok(b, `/api/v1/follow_requests/${byAcct(dave.acct)}/reject`, {
      token: carol.token,
      method: "POST",
    });
    await until("alice following carol", async () => (await relationship(alice, carol)).following);
    await until("dave's request rejected", async () => {
      const r = await relationship(dave, carol);
      return !r.requested && !r.following;
    });
  });

  it("delivers public, unlisted and followers-only posts to a follower's home", async () => {
    const publicPost = await post(bob, { status: "Public from bob", visibility: "public" });
    await post(bob, { status: "Unlisted from bob", visibility: "unlisted" });
    const privatePost = await post(bob, { status: "Followers of bob only", visibility: "private" });
    await post(carol, { status: "Followers of carol only", visibility: "private" });

    const seen = await until("bob's and carol's posts in alice's home", async () => {
      const found = await Promise.all(
        [
          "Public from bob",
          "Unlisted from bob",
          "Followers of bob only",
          "Followers of carol only",
        ].map((text) => inHome(alice, text)),
      );
      return found.every(Boolean) ? found : null;
    });
    expect(seen.map((s) => s.visibility)).toEqual(["public", "unlisted", "private", "private"]);
    expect(seen[0]).toMatchObject({
      uri: publicPost.uri,
      url: publicPost.url,
      account: { acct: bob.acct },
    });
    expect(seen[2].uri).toBe(privatePost.uri);

    // Only followers see a followers-only post: not dave (rejected by carol, not following bob).
    expect((await api(a, `/api/v1/statuses/${seen[2].id}`, { token: dave.token })).status).toBe(
      404,
    );
    expect((await api(a, `/api/v1/statuses/${seen[3].id}`, { token: dave.token })).status).toBe(
      404,
    );
    expect((await api(a, `/api/v1/statuses/${seen[2].id}`)).status).toBe(404);
    expect((await api(a, `/api/v1/statuses/${seen[0].id}`, { token: dave.token })).status).toBe(
      200,
    );
    expect(await inHome(dave, "from bob")).toBeNull();
  });

  it("replies, favourites and boosts reach the author, who is notified", async () => {
    const original = await post(bob, { status: "Talk to me" });
    const onA = await until("bob's post on A", () => inHome(alice, "Talk to me"));
    const reply = await post(alice, { status: "Hello bob", in_reply_to_id: onA.id });
    expect(reply.in_reply_to_account_id).toBe(onA.account.id);
    await ok(a, `/api/v1/statuses/${onA.id}/favourite`, { token: alice.token, method: "POST" });
    await ok(a, `/api/v1/statuses/${onA.id}/reblog`, { token: alice.token, method: "POST" });

    const favourite = await until("bob's favourite notification", () =>
      notification(bob, "favourite", alice),
    );
    expect(favourite.status.id).toBe(original.id);
    const reblog = await until("bob's reblog notification", () =>
      notification(bob, "reblog", alice),
    );
    expect(reblog.status.id).toBe(original.id);
    const context = await until("alice's reply in the thread on B", async () => {
      const c = await ok(b, `/api/v1/statuses/${original.id}/context`, { token: bob.token });
      return c.descendants.length > 0 ? c : null;
    });
    expect(context.descendants[0]).toMatchObject({
      uri: reply.uri,
      in_reply_to_id: original.id,
      account: { acct: alice.acct },
    });
    const counted = await until("the counters on B", async () => {
      const s = await ok(b, `/api/v1/statuses/${original.id}`, { token: bob.token });
      return s.replies_count === 1 && s.reblogs_count === 1 && s.favourites_count === 1 ? s : null;
    });
    expect(counted.account.acct).toBe("bob");
  });

  it("mentions and direct messages cross servers, and reach no one else", async () => {
    // erin (B) mentions alice (A) by her handle with A's port, then writes to her directly.
    await idOn(b, alice); // B knows alice, as after any lookup
    const mention = await post(erin, { status: `Hi @${alice.acct}, welcome` });
    expect(mention.mentions).toEqual([expect.objectContaining({ acct: alice.acct })]);
    const mentioned = await until("alice's mention notification", () =>
      notification(alice, "mention", erin),
    );
    expect(mentioned.status.content).toContain("welcome");

    // A private mention from a stranger is held as a notification request (as
    // Mastodon's default policy): alice follows erin first.
    await ok(a, `/api/v1/accounts/${await idOn(a, erin)}/follow`, {
      token: alice.token,
      method: "POST",
    });
    await until("alice following erin", async () =>
      (await relationship(alice, erin)).following ? true : null,
    );
    const dm = await post(erin, { status: `@${alice.acct} just between us`, visibility: "direct" });
    const conversation = await until("the conversation on A", async () => {
      const list = await ok(a, "/api/v1/conversations", { token: alice.token });
      return list.find((c: any) => c.last_status?.content.includes("just between us")) ?? null;
    });
    expect(conversation.last_status.visibility).toBe("direct");
    // dave, on A too, never sees it, nor does an anonymous reader.
    const onA = conversation.last_status.id;
    expect((await api(a, `/api/v1/statuses/${onA}`, { token: dave.token })).status).toBe(404);
    expect((await api(a, `/api/v1/statuses/${onA}`)).status).toBe(404);
    expect(dm.visibility).toBe("direct");
  });

  it("media, polls, votes and custom emoji cross servers", async () => {
    // alice (A) follows bob (B) since the follow test above.
    const red = await sharp({
      create: { width: 16, height: 16, channels: 4, background: "#c00" },
    })
      .png()
      .toBuffer();
    const dir = await tempFolder("herd-emoji-");
    const archive = path.join(dir, "emoji.tar.gz");
    await writeFile(archive, gzipSync(writeTar([{ name: "herdy.png", data: red }])));
    await chmod(dir, 0o755);
    await herd(b, "emoji", "import", archive);

    const form = new FormData();
    form.append("file", new File([new Uint8Array(red)], "square.png", { type: "image/png" }));
    form.append("description", "A red square");
    const uploaded = await fetch(`http://127.0.0.1:${b.port}/api/v2/media`, {
      method: "POST",
      headers: { authorization: `Bearer ${bob.token}` },
      body: form,
    });
    expect(uploaded.status).toBe(200);
    const media = (await uploaded.json()) as { id: string };
    await post(bob, { status: "A picture :herdy:", media_ids: [media.id] });
    const asked = await post(bob, {
      status: "Cats or dogs?",
      poll: { options: ["cats", "dogs"], expires_in: 3600 },
    });

    const picture = await until("bob's picture on A", () => inHome(alice, "A picture"));
    expect(picture.media_attachments).toEqual([
      expect.objectContaining({ type: "image", description: "A red square" }),
    ]);
    expect(picture.emojis).toEqual([expect.objectContaining({ shortcode: "herdy" })]);
    const question = await until("bob's poll on A", () => inHome(alice, "Cats or dogs"));
    expect(question.poll.options.map((o: { title: string }) => o.title)).toEqual(["cats", "dogs"]);
    await ok(a, `/api/v1/polls/${question.poll.id}/votes`, {
      token: alice.token,
      json: { choices: ["1"] },
    });
    const counted = await until("alice's vote on B", async () => {
      const p = await ok(b, `/api/v1/polls/${asked.poll.id}`, { token: bob.token });
      return p.votes_count === 1 ? p : null;
    });
    expect(counted.options.map((o: { votes_count: number }) => o.votes_count)).toEqual([0, 1]);
  });

  it("edits and deletions reach the follower", async () => {
    const original = await post(bob, { status: "First draft" });
    const gone = await post(bob, { status: "Soon gone", visibility: "private" });
    const onA = await until("bob's draft on A", () => inHome(alice, "First draft"));
    const goneOnA = await until("bob's doomed post on A", () => inHome(alice, "Soon gone"));

    await ok(b, `/api/v1/statuses/${original.id}`, {
      token: bob.token,
      method: "PUT",
      json: { status: "Second draft", spoiler_text: "edited" },
    });
    await ok(b, `/api/v1/statuses/${gone.id}`, { token: bob.token, method: "DELETE" });

    const edited = await until("the edit on A", async () => {
      const s = await ok(a, `/api/v1/statuses/${onA.id}`, { token: alice.token });
      return s.content.includes("Second draft") ? s : null;
    });
    expect(edited).toMatchObject({ spoiler_text: "edited", uri: original.uri });
    expect(edited.edited_at).not.toBeNull();
    const history = await ok(a, `/api/v1/statuses/${onA.id}/history`, { token: alice.token });
    expect(history.map((h: { content: string }) => h.content.replace(/<[^>]+>/g, ""))).toEqual([
      "First draft",
      "Second draft",
    ]);
    await until("the deletion on A", async () => {
      const { status } = await api(a, `/api/v1/statuses/${goneOnA.id}`, { token: alice.token });
      return status === 404;
    });
    expect(await inHome(alice, "Soon gone")).toBeNull();
  });

  it("unfollows and blocks reach the other server", async () => {
    const bobOnA = await idOn(a, bob);
    await ok(a, `/api/v1/accounts/${bobOnA}/unfollow`, { token: alice.token, method: "POST" });
    await until("bob losing alice as a follower", async () => {
      const followers = await ok(b, `/api/v1/accounts/${bob.id}/followers`);
      return followers.length === 0;
    });
    expect(await relationship(bob, alice)).toMatchObject({ followed_by: false });

    const carolOnA = await idOn(a, carol);
    expect(await relationship(carol, alice)).toMatchObject({ followed_by: true });
    await ok(a, `/api/v1/accounts/${carolOnA}/block`, { token: alice.token, method: "POST" });
    const blocked = await until("carol blocked by alice", async () => {
      const r = await relationship(carol, alice);
      return r.blocked_by ? r : null;
    });
    // A block ends the follow both ways (Mastodon's BlockService and Activity::Block).
    expect(blocked).toMatchObject({ followed_by: false, following: false });
    await ok(a, `/api/v1/accounts/${carolOnA}/unblock`, { token: alice.token, method: "POST" });
    await until("carol unblocked", async () => !(await relationship(carol, alice)).blocked_by);
  });

  it("an account deleted with `herd accounts delete` is deleted on the other server", async () => {
    const bobOnA = await idOn(a, bob);
    const replied = await until("bob's posts on A", async () => {
      const list = await ok(a, `/api/v1/accounts/${bobOnA}/statuses`, { token: alice.token });
      return list.length > 0 ? list : null;
    });
    // The command queues the Delete; the running server B delivers it.
    const out = await herd(b, "accounts", "delete", "bob");
    expect(out).toContain("OK");
    await until("bob gone from A", async () => {
      const { status } = await api(a, `/api/v1/accounts/${bobOnA}`, { token: alice.token });
      return status === 404;
    });
    const { status } = await api(a, `/api/v1/statuses/${replied[0].id}`, { token: alice.token });
    expect(status).toBe(404);
  });
});
