// Reports between servers: a forwarded report goes out as a Flag from the
// instance actor (src/federation/outbox/reports.ts), to the target's inbox
// and to the servers its reported posts reply to (forward_to_domains[]); an
// incoming Flag files reports about the local accounts it names, with the
// posts that may have reached its server (src/federation/inbox/reports.ts).
import { eq, sql } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import {
  accounts,
  domainBlocks,
  reports,
  statuses,
  type AccountRow,
  type ReportRow,
} from "../src/db/schema/index.ts";
import { newId } from "../src/lib/ids.ts";
import { ofType, remoteAccountAt, startFakeInbox } from "./kit/fake-inbox.ts";
import { startFakeRemote } from "./kit/fake-remote.ts";
import { makeUser, postStatus, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance({ env: { ALLOW_PRIVATE_ADDRESS: "true" } });
const db = t.database.db;
const alice = await makeUser(t, { username: "alice" });
const admin = await makeUser(t, { username: "staff", roleId: 2 });

/** A status of remote `author` stored directly (`inReplyTo`: a status it answers). */
async function remotePost(
  author: AccountRow,
  inReplyTo: { id: string; accountId: string } | null = null,
): Promise<{ id: string; uri: string }> {
  const id = newId();
  const uri = `${author.uri}/statuses/${id}`;
  await db.insert(statuses).values({
    id,
    accountId: author.id,
    uri,
    local: false,
    visibility: "public",
    text: "",
    content: "<p>Nasty</p>",
    inReplyToId: inReplyTo?.id ?? null,
    inReplyToAccountId: inReplyTo?.accountId ?? null,
  });
  return { id, uri };
}

async function report(user: TestUser, json: Record<string, unknown>) {
  const res = await t.json("/api/v1/reports", { method: "POST", token: user.token, json });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  await t.drainJobs();
  return res.body;
}

// Two other servers: the reported account's, and one its posts reply to.
const origin = await startFakeInbox();
const other = await startFakeInbox();
const troll = await remoteAccountAt(t, origin, "troll", "troll.example");
const victim = await remoteAccountAt(t, other, "victim", "victim.example");
const victimPost = await remotePost(victim);
// A server sending Flags, from its instance actor.
const remote = await startFakeRemote();
const reporter = await remote.addActor("moderation", { type: "Application" });

describe("outgoing Flag", () => {
  beforeEach(() => {
    origin.received.length = 0;
    other.received.length = 0;
  });

  it("goes to the target's own inbox from the instance actor when forwarded", async () => {
    const post = await remotePost(troll);
    const body = await report(alice, {
      account_id: troll.id,
      status_ids: [post.id],
      comment: "Please look",
      forward: true,
    });
    expect(body.forwarded).toBe(true);
    const flags = ofType(origin.received, "Flag");
    expect(flags).toHaveLength(1);
    expect(flags[0]!.path).toBe("/users/troll/inbox");
    expect(flags[0]!.body).toMatchObject({
      id: `https://herd.test/reports/${body.id}`,
      actor: "https://herd.test/actor",
      object: [troll.uri, post.uri],
      content: "Please look",
    });
    // Signed with the instance actor's key.
    expect(JSON.stringify(flags[0]!.headers)).toContain("https://herd.test/actor#main-key");
    // Who reported stays here.
    expect(JSON.stringify(flags[0]!.body)).not.toContain("alice");
    expect(other.received).toEqual([]);
  });

  it("sends nothing without `forward`", async () => {
    const body = await report(alice, { account_id: troll.id, comment: "Between us" });
    expect(body.forwarded).toBe(false);
    expect(origin.received).toEqual([]);
  });

  it("goes to the servers the reported posts reply to, among forward_to_domains", async () => {
    const reply = await remotePost(troll, { id: victimPost.id, accountId: victim.id });

    // By default only the target's server hears of it.
    await report(alice, { account_id: troll.id, status_ids: [reply.id], forward: true });
    expect(ofType(origin.received, "Flag")).toHaveLength(1);
    expect(other.received).toEqual([]);
    origin.received.length = 0;

    // Only the replied-to server: its shared inbox, and the report is not `forwarded`.
    const onlyVictim = await report(alice, {
      account_id: troll.id,
      status_ids: [reply.id],
      forward: true,
      forward_to_domains: ["Victim.Example"],
    });
    expect(onlyVictim.forwarded).toBe(false);
    expect(origin.received).toEqual([]);
    const flags = ofType(other.received, "Flag");
    expect(flags).toHaveLength(1);
    expect(flags[0]!.path).toBe("/inbox");
    expect(flags[0]!.body).toMatchObject({ object: [troll.uri, reply.uri] });
    other.received.length = 0;

    // Both.
    const both = await report(alice, {
      account_id: troll.id,
      status_ids: [reply.id],
      forward: true,
      forward_to_domains: ["troll.example", "victim.example"],
    });
    expect(both.forwarded).toBe(true);
    expect(ofType(origin.received, "Flag")).toHaveLength(1);
    expect(ofType(other.received, "Flag")).toHaveLength(1);
  });

  it("names a status deleted since it was reported, and nothing for a local target", async () => {
    const post = await remotePost(troll);
    const bob = await makeUser(t);
    const body = await report(alice, { account_id: bob.account.id, forward: true });
    expect(body.forwarded).toBe(false);
    expect(origin.received).toEqual([]);

    // The report is queued; the post goes before the Flag is built.
    const res = await t.json("/api/v1/reports", {
      method: "POST",
      token: alice.token,
      json: { account_id: troll.id, status_ids: [post.id], forward: true },
    });
    expect(res.status).toBe(200);
    await db.update(statuses).set({ deletedAt: new Date() }).where(eq(statuses.id, post.id));
    await t.drainJobs();
    expect(ofType(origin.received, "Flag")[0]!.body).toMatchObject({
      object: [troll.uri, post.uri],
    });
  });
});

describe("incoming Flag", () => {
  const ALICE = "https://herd.test/users/alice";

  async function reportsAbout(target: { id: string }): Promise<ReportRow[]> {
    return db
      .select()
      .from(reports)
      .where(eq(reports.targetAccountId, target.id))
      .orderBy(reports.id);
  }

  async function flag(object: unknown, extra: Record<string, unknown> = {}) {
    const id = remote.id();
    await remote.deliverAndRun(t, reporter, {
      id,
      type: "Flag",
      actor: reporter.id,
      object,
      content: "Spam from your user",
      ...extra,
    });
    return id;
  }

  it("files a report about the local account with its posts the server may have seen", async () => {
    const open = await postStatus(t, alice, { status: "Public", visibility: "public" });
    const secret = await postStatus(t, alice, { status: "Followers", visibility: "private" });
    const bob = await makeUser(t);
    const bobs = await postStatus(t, bob, "Not alice's");
    const id = await flag([ALICE, open.uri, secret.uri, bobs.uri, `${remote.origin}/notes/1`]);

    const [filed, ...more] = await reportsAbout(alice.account);
    expect(more).toEqual([]);
    expect(filed).toMatchObject({
      statusIds: [open.id],
      comment: "Spam from your user",
      category: "other",
      forwarded: false,
      uri: id,
    });
    const [reporterRow] = await db
      .select({ id: accounts.id })
      .from(accounts)
      .where(eq(accounts.uri, reporter.id));
    expect(filed!.accountId).toBe(reporterRow!.id);
    expect(await reportsAbout(bob.account)).toEqual([]);

    // The staff hear of it from the reporting actor.
    const notices = await t.json("/api/v1/notifications?types[]=admin.report", {
      token: admin.token,
    });
    expect(notices.body.find((n: any) => n.report?.id === filed!.id)).toMatchObject({
      account: { id: reporterRow!.id },
      report: { target_account: { id: alice.account.id }, status_ids: [open.id] },
    });
  });

  it("attaches private posts when the target has followers on that server", async () => {
    const carol = await makeUser(t, { username: "carol" });
    const secret = await postStatus(t, carol, { status: "Followers", visibility: "private" });
    const fan = await remote.addActor("fan");
    await remote.deliverAndRun(t, fan, {
      id: remote.id(),
      type: "Follow",
      actor: fan.id,
      object: "https://herd.test/users/carol",
    });
    await flag(["https://herd.test/@carol", secret.uri]);
    expect((await reportsAbout(carol.account)).map((r) => r.statusIds)).toEqual([[secret.id]]);
  });

  it("files one report per local account named, none for a suspended one", async () => {
    const dave = await makeUser(t, { username: "dave" });
    const erin = await makeUser(t, { username: "erin" });
    const gone = await makeUser(t, { username: "gone" });
    await db
      .update(accounts)
      .set({ suspendedAt: new Date() })
      .where(eq(accounts.id, gone.account.id));
    await flag([
      "https://herd.test/users/dave",
      "https://herd.test/users/erin",
      "https://herd.test/users/gone",
    ]);
    expect(await reportsAbout(dave.account)).toHaveLength(1);
    expect(await reportsAbout(erin.account)).toHaveLength(1);
    expect(await reportsAbout(gone.account)).toEqual([]);
  });

  it("ignores a Flag naming no local account, or from a server whose reports are rejected", async () => {
    const before = await db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM reports`);
    const frank = await makeUser(t, { username: "frank" });
    const post = await postStatus(t, frank, "Hi");
    await flag([`${remote.origin}/users/someone`, post.uri]);
    await flag(post.uri);
    const after = await db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM reports`);
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);

    // An instance block that rejects reports (DomainBlock#reject_reports).
    await db.insert(domainBlocks).values({
      id: newId(),
      domain: remote.host,
      severity: "noop",
      rejectReports: true,
    });
    await flag(["https://herd.test/users/frank"]);
    expect(await reportsAbout(frank.account)).toEqual([]);
    await db.delete(domainBlocks);
    await flag(["https://herd.test/users/frank"]);
    expect(await reportsAbout(frank.account)).toHaveLength(1);
  });

  it("survives hostile Flags without failing", async () => {
    const grace = await makeUser(t, { username: "grace" });
    const hostile: Record<string, unknown>[] = [
      { object: undefined },
      { object: 42 },
      { object: "not a url" },
      { object: "javascript:alert(1)" },
      { object: [{ type: "Person", id: "https://herd.test/users/grace" }], content: { a: 1 } },
      { object: Array.from({ length: 500 }, (_, i) => `https://herd.test/users/nobody${i}`) },
      { object: ["https://herd.test/users/grace"], content: 7, id: "https://elsewhere.example/x" },
      { object: ["https://herd.test/users/%zz", "https://herd.test/users/grace/statuses/abc"] },
    ];
    for (const extra of hostile) {
      const res = await remote.deliver(t, reporter, {
        type: "Flag",
        actor: reporter.id,
        id: remote.id(),
        ...extra,
      });
      expect(res.status, JSON.stringify(extra)).toBeLessThan(500);
      await t.drainJobs();
    }
    // No listener failed (a failure would leave the activity queued for a retry).
    const pending = await db.execute(sql`SELECT 1 FROM pgboss.job
      WHERE name = 'federation.inbox' AND state NOT IN ('completed', 'cancelled')`);
    expect(pending.rows).toEqual([]);
    // The embedded Person is named; a foreign id is not kept as the report's URI.
    const filed = await reportsAbout(grace.account);
    expect(filed).toHaveLength(2);
    expect(filed.map((r) => r.comment)).toEqual(["", ""]); // content not a string: none
    expect(filed.map((r) => r.uri)).toEqual([expect.stringContaining(remote.origin), null]);
  });
});
