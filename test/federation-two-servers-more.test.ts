// More actions between real Herd servers over HTTP (issue P3, "Two Herd
// servers federate every action above over HTTP with signatures checked"),
// as test/federation-two-servers.test.ts runs them (test/kit/herd-process.ts):
// reports (a Flag from A's instance actor, filed on B for its staff), replies
// forwarded by the replied-to author's server to that author's followers on a
// third server (Mastodon's Create#forward_for_reply, checked by C against
// the replier's own signature inside the activity), and the custom emojis of
// a profile. Every effect is polled for with a deadline.
import { chmod, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTar } from "../src/lib/tar.ts";
import {
  account,
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

/** A gzipped tar of 16×16 PNGs named `<shortcode>.png`, as `herd emoji import` reads. */
async function emojiArchive(...shortcodes: string[]): Promise<string> {
  const files = await Promise.all(
    shortcodes.map(async (name, i) => ({
      name: `${name}.png`,
      data: await sharp({
        create: { width: 16, height: 16, channels: 4, background: i % 2 ? "#00c" : "#c00" },
      })
        .png()
        .toBuffer(),
    })),
  );
  const dir = await tempFolder("herd-emoji-");
  const archive = path.join(dir, "emoji.tar.gz");
  await writeFile(archive, gzipSync(writeTar(files)));
  await chmod(dir, 0o755);
  return archive;
}

describe("more actions between real Herd servers", { timeout: 60_000 }, () => {
  let a: Server;
  let b: Server;
  let c: Server;
  let alice: Account;
  let bob: Account;
  let erin: Account;
  let emo: Account;
  let staff: Account;
  let fan: Account;

  beforeAll(async () => {
    [a, b, c] = await Promise.all([startServer("A"), startServer("B"), startServer("C")]);
    [alice, bob, erin, emo, staff, fan] = await Promise.all([
      account(a, "alice"),
      account(b, "bob"),
      account(b, "erin"),
      account(b, "emo"),
      account(b, "staff"),
      account(c, "fan"),
    ]);
    await Promise.all([
      herd(b, "accounts", "modify", "staff", "--role", "Admin"),
      herd(b, "emoji", "import", await emojiArchive("herdy", "herdy_two")),
    ]);
  }, 60_000);

  /** The id on `server` of `who` (resolved by WebFinger when `server` does not know it yet). */
  async function idOn(server: Server, who: Account): Promise<string> {
    if (who.server === server) return who.id;
    return (await ok(server, `/api/v1/accounts/lookup?acct=${who.acct}`)).id;
  }

  /** The status at `uri` as `viewer`'s server has it, fetched from its origin if need be. */
  async function resolveStatus(viewer: Account, uri: string): Promise<any> {
    const found = await ok(
      viewer.server,
      `/api/v2/search?q=${encodeURIComponent(uri)}&resolve=true&type=statuses`,
      { token: viewer.token },
    );
    expect(found.statuses).toHaveLength(1);
    return found.statuses[0];
  }

  async function follow(viewer: Account, who: Account): Promise<void> {
    const id = await idOn(viewer.server, who);
    await ok(viewer.server, `/api/v1/accounts/${id}/follow`, { token: viewer.token, json: {} });
    await until(`${viewer.acct} following ${who.acct}`, async () => {
      const [rel] = await ok(viewer.server, `/api/v1/accounts/relationships?id[]=${id}`, {
        token: viewer.token,
      });
      return rel.following;
    });
  }

  async function post(author: Account, params: Record<string, unknown>): Promise<any> {
    return ok(author.server, "/api/v1/statuses", { token: author.token, json: params });
  }

  /** The `admin.report` notifications of B's staff member. */
  async function reportNotifications(): Promise<any[]> {
    return ok(b, "/api/v1/notifications?types[]=admin.report", { token: staff.token });
  }

  it("a report forwarded from A is filed on B, whose staff is notified; one not forwarded stays on A", async () => {
    const reported = await post(bob, { status: "Something reportable" });
    const onA = await resolveStatus(alice, reported.uri);
    const erinOnA = await idOn(a, erin);
    const bobOnA = await idOn(a, bob);

    // Not forwarded first: were it sent, it would be on its way before the other.
    const kept = await ok(a, "/api/v1/reports", {
      token: alice.token,
      json: { account_id: erinOnA, comment: "Only for A's moderators", forward: false },
    });
    expect(kept.forwarded).toBe(false);
    const sent = await ok(a, "/api/v1/reports", {
      token: alice.token,
      json: {
        account_id: bobOnA,
        status_ids: [onA.id],
        comment: "Please look at this",
        forward: true,
      },
    });
    expect(sent).toMatchObject({ forwarded: true, status_ids: [onA.id] });

    const notified = await until("the admin.report notification on B", async () => {
      const list = await reportNotifications();
      return list.find((n) => n.report?.target_account.id === bob.id) ?? null;
    });
    expect(notified.report).toMatchObject({
      comment: "Please look at this",
      category: "other",
      action_taken: false,
      forwarded: false,
      status_ids: [reported.id],
      target_account: { id: bob.id, acct: "bob" },
    });
    // Filed by A's instance actor (named mastodon.internal, A's domain having a
    // port): who reported stays on A.
    expect(notified.account).toMatchObject({
      acct: `mastodon.internal@${a.domain}`,
      url: `${a.base}/about/more?instance_actor=true`,
    });
    // The report that was not forwarded never reached B.
    const all = await reportNotifications();
    expect(all.map((n) => n.report.target_account.acct)).toEqual(["bob"]);
  });

  it("a public reply from B to a post on A reaches the author's followers on C, forwarded by A", async () => {
    // fan (C) follows alice (A); nobody on C follows bob (B).
    await follow(fan, alice);
    const original = await post(alice, { status: "Who wants to reply?" });
    const onC = await until("alice's post in fan's home on C", async () => {
      const home = await ok(c, "/api/v1/timelines/home", { token: fan.token });
      return home.find((s: { uri: string }) => s.uri === original.uri) ?? null;
    });

    const onB = await resolveStatus(bob, original.uri);
    const reply = await post(bob, { status: "Me, from B", in_reply_to_id: onB.id });
    // B delivers the reply to A only; A forwards it, unchanged, to alice's
    // followers elsewhere, and C accepts it on the strength of the
    // signature B made inside it (the HTTP request is signed by alice).
    const thread = await until("bob's reply in the thread on C", async () => {
      const context = await ok(c, `/api/v1/statuses/${onC.id}/context`, { token: fan.token });
      return context.descendants.length > 0 ? context : null;
    });
    expect(thread.descendants).toEqual([
      expect.objectContaining({
        uri: reply.uri,
        in_reply_to_id: onC.id,
        visibility: "public",
        account: expect.objectContaining({ acct: bob.acct }),
      }),
    ]);
    expect(thread.descendants[0].content).toContain("Me, from B");
    // It is on A as well, where it was delivered.
    const onA = await until("bob's reply on A", async () => {
      const context = await ok(a, `/api/v1/statuses/${original.id}/context`);
      return context.descendants.length > 0 ? context.descendants[0] : null;
    });
    expect(onA.uri).toBe(reply.uri);
  });

  it("custom emojis of a profile on B are listed by A, and an Update changes them", async () => {
    const local = await ok(b, "/api/v1/custom_emojis");
    const image = (code: string) => local.find((e: any) => e.shortcode === code);
    expect(image("herdy")).toBeDefined();
    await ok(b, "/api/v1/accounts/update_credentials", {
      token: emo.token,
      method: "PATCH",
      json: { display_name: "Emo :herdy:", note: "Plain bio" },
    });

    const seen = await ok(a, `/api/v1/accounts/lookup?acct=${emo.acct}`);
    expect(seen.display_name).toBe("Emo :herdy:");
    expect(seen.emojis).toEqual([
      expect.objectContaining({
        shortcode: "herdy",
        url: image("herdy").url,
        static_url: expect.stringMatching(/^http:\/\//),
      }),
    ]);
    // Not A's own emoji.
    expect(await ok(a, "/api/v1/custom_emojis")).toEqual([]);

    // A follower's server hears of a new name, with its emoji.
    await follow(alice, emo);
    await ok(b, "/api/v1/accounts/update_credentials", {
      token: emo.token,
      method: "PATCH",
      json: { display_name: "Emo :herdy_two:" },
    });
    const updated = await until("emo's new name on A", async () => {
      const account = await ok(a, `/api/v1/accounts/${seen.id}`);
      return account.display_name === "Emo :herdy_two:" ? account : null;
    });
    expect(updated.emojis).toEqual([
      expect.objectContaining({ shortcode: "herdy_two", url: image("herdy_two").url }),
    ]);
  });
});
