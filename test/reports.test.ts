// POST /api/v1/reports (https://docs.joinmastodon.org/methods/reports/#post):
// the Report entity, categories and rules, the statuses a reporter may
// attach (theirs to see, the target's own), Mastodon's errors, scopes, and
// the `admin.report` notifications of the staff (v1 and grouped).
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accounts } from "../src/db/schema/index.ts";
import { addRule, removeRule } from "../src/domain/instance/rules.ts";
import {
  follow,
  makeRemoteAccount,
  makeUser,
  postStatus,
  tokenFor,
  type TestUser,
} from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const db = t.database.db;
const NOT_FOUND = { error: "Record not found" };

async function report(user: Pick<TestUser, "token">, json: Record<string, unknown>) {
  return t.json("/api/v1/reports", { method: "POST", token: user.token, json });
}

/** The admin.report notifications of `staff`, newest first. */
async function reportNotices(staff: TestUser) {
  const res = await t.json("/api/v1/notifications?types[]=admin.report", { token: staff.token });
  expect(res.status).toBe(200);
  return res.body as any[];
}

describe("filing a report", () => {
  it("answers the Report entity, with the statuses attached", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const post = await postStatus(t, bob, "Buy cheap sheep");
    const res = await report(alice, {
      account_id: bob.account.id,
      status_ids: [post.id],
      comment: "Spam account",
      category: "spam",
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^\d+$/),
      action_taken: false,
      action_taken_at: null,
      category: "spam",
      comment: "Spam account",
      forwarded: false,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      status_ids: [post.id],
      rule_ids: null,
      target_account: expect.objectContaining({ id: bob.account.id, acct: bob.account.username }),
    });
  });

  it("defaults to `other` with an empty comment, and reads form parameters", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const one = await postStatus(t, bob, "One");
    const two = await postStatus(t, bob, "Two");
    const res = await t.json("/api/v1/reports", {
      method: "POST",
      token: alice.token,
      form: { account_id: bob.account.id, "status_ids[]": [one.id, two.id, one.id] },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      category: "other",
      comment: "",
      status_ids: [one.id, two.id],
    });
  });

  it("is a violation whenever rules are cited, which must be rules in force", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const rule = await addRule(db, "No spam");
    const gone = await addRule(db, "Old rule");
    await removeRule(db, gone.id);

    const cited = await report(alice, {
      account_id: bob.account.id,
      category: "spam",
      rule_ids: [rule.id],
    });
    expect(cited.status).toBe(200);
    expect(cited.body).toMatchObject({ category: "violation", rule_ids: [rule.id] });

    const invalid = { error: "Validation failed: Rule ids does not reference valid rules" };
    for (const json of [
      { category: "violation" },
      { rule_ids: ["123456"] },
      { rule_ids: [gone.id] },
      { rule_ids: [rule.id, rule.id] },
      { rule_ids: ["nope"] },
    ]) {
      const res = await report(alice, { account_id: bob.account.id, ...json });
      expect(res, JSON.stringify(json)).toMatchObject({ status: 422, body: invalid });
    }
  });

  it("refuses a comment over 1,000 characters and an unknown category", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const longest = await report(alice, { account_id: bob.account.id, comment: "🐑".repeat(1000) });
    expect(longest.status).toBe(200);
    expect(
      await report(alice, { account_id: bob.account.id, comment: "x".repeat(1001) }),
    ).toMatchObject({
      status: 422,
      body: { error: "Validation failed: Comment is too long (maximum is 1000 characters)" },
    });
    expect(await report(alice, { account_id: bob.account.id, category: "rude" })).toMatchObject({
      status: 422,
      body: { error: "Validation failed: Category is not included in the list" },
    });
  });

  it("answers 404 for a missing, unknown, hidden or suspended account", async () => {
    const alice = await makeUser(t);
    const suspended = await makeUser(t);
    await db
      .update(accounts)
      .set({ suspendedAt: new Date() })
      .where(eq(accounts.id, suspended.account.id));
    const unconfirmed = await makeUser(t, { confirmed: false });
    for (const json of [
      {},
      { account_id: "" },
      { account_id: "99999999999" },
      { account_id: "abc" },
      { account_id: suspended.account.id },
      { account_id: unconfirmed.account.id },
    ]) {
      const res = await report(alice, json);
      expect(res, JSON.stringify(json)).toMatchObject({ status: 404, body: NOT_FOUND });
    }
  });

  it("answers 404 for statuses that are unknown or someone else's", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const carol = await makeUser(t);
    const bobs = await postStatus(t, bob, "Mine");
    const carols = await postStatus(t, carol, "Not bob's");
    for (const ids of [["99999999999"], ["abc"], [bobs.id, carols.id]]) {
      const res = await report(alice, { account_id: bob.account.id, status_ids: ids });
      expect(res, ids.join()).toMatchObject({ status: 404, body: NOT_FOUND });
    }
  });

  it("accepts a remote account, not forwarded without `forward`", async () => {
    const alice = await makeUser(t);
    const remote = await makeRemoteAccount(t, { domain: "elsewhere.example" });
    const res = await report(alice, { account_id: remote.id, comment: "Troll" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      forwarded: false,
      target_account: { acct: `${remote.username}@elsewhere.example` },
    });
    // A local account is never forwarded anywhere.
    const bob = await makeUser(t);
    const local = await report(alice, { account_id: bob.account.id, forward: true });
    expect(local.body.forwarded).toBe(false);
  });
});

describe("privacy", () => {
  it("cannot attach a status one may not see", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const secret = await postStatus(t, bob, { status: "Followers only", visibility: "private" });
    const dm = await postStatus(t, bob, { status: "Psst", visibility: "direct" });
    for (const id of [secret.id, dm.id]) {
      const res = await report(alice, { account_id: bob.account.id, status_ids: [id] });
      expect(res).toMatchObject({ status: 404, body: NOT_FOUND });
    }
    // Once a follower, the private status is alice's to see, and to report.
    await follow(t, alice, bob.account.id);
    const res = await report(alice, { account_id: bob.account.id, status_ids: [secret.id] });
    expect(res).toMatchObject({ status: 200, body: { status_ids: [secret.id] } });
    // A direct message to alice she may report too.
    const toAlice = await postStatus(t, bob, {
      status: `@${alice.account.username} psst`,
      visibility: "direct",
    });
    const dmReport = await report(alice, { account_id: bob.account.id, status_ids: [toAlice.id] });
    expect(dmReport.status).toBe(200);
  });
});

describe("authorization", () => {
  it("needs a user token with write:reports", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const json = { account_id: bob.account.id };
    expect((await t.json("/api/v1/reports", { method: "POST", json })).status).toBe(401);
    const readOnly = await tokenFor(t, alice.user.id, ["read"]);
    expect(await report({ token: readOnly }, json)).toMatchObject({
      status: 403,
      body: { error: "This action is outside the authorized scopes" },
    });
    const appOnly = await tokenFor(t, null, ["write"]);
    expect(await report({ token: appOnly }, json)).toMatchObject({
      status: 422,
      body: { error: "This method requires an authenticated user" },
    });
    const narrow = await tokenFor(t, alice.user.id, ["write:reports"]);
    expect((await report({ token: narrow }, json)).status).toBe(200);
  });
});

describe("admin.report notifications", () => {
  it("tell everyone who manages reports, once per unresolved target", async () => {
    const admin = await makeUser(t, { roleId: 2 });
    const moderator = await makeUser(t, { roleId: 1 });
    const alice = await makeUser(t);
    const carol = await makeUser(t);
    const bob = await makeUser(t);
    const post = await postStatus(t, bob, "Bad");

    const first = await report(alice, {
      account_id: bob.account.id,
      status_ids: [post.id],
      comment: "Look",
    });
    expect(first.status).toBe(200);
    for (const staff of [admin, moderator]) {
      const notices = (await reportNotices(staff)).filter(
        (n) => n.report?.target_account.id === bob.account.id,
      );
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatchObject({
        type: "admin.report",
        account: { id: alice.account.id },
        report: { id: first.body.id, comment: "Look", status_ids: [post.id] },
      });
    }
    // A second report while the first is unresolved: the staff know already.
    expect((await report(carol, { account_id: bob.account.id })).status).toBe(200);
    const again = (await reportNotices(admin)).filter(
      (n) => n.report?.target_account.id === bob.account.id,
    );
    expect(again).toHaveLength(1);

    // Grouped notifications carry the report too.
    const grouped = await t.json("/api/v2/notifications?types[]=admin.report", {
      token: moderator.token,
    });
    expect(grouped.status).toBe(200);
    const group = grouped.body.notification_groups.find((g: any) => g.report?.id === first.body.id);
    expect(group).toMatchObject({ type: "admin.report", sample_account_ids: [alice.account.id] });
    expect(group.report.target_account.id).toBe(bob.account.id);
  });

  it("do not tell a staff member of their own report, nor users without the role", async () => {
    const admin = await makeUser(t, { roleId: 2 });
    const bystander = await makeUser(t);
    const target = await makeUser(t);
    expect((await report(admin, { account_id: target.account.id })).status).toBe(200);
    const mine = (await reportNotices(admin)).filter(
      (n) => n.report?.target_account.id === target.account.id,
    );
    expect(mine).toEqual([]);
    expect(await reportNotices(bystander)).toEqual([]);
  });
});
