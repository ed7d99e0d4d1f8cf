// Scheduled statuses (https://docs.joinmastodon.org/methods/scheduled_statuses/,
// POST /api/v1/statuses with `scheduled_at`): Mastodon's checks and limits,
// reading, moving and cancelling them, their media, and posting them at
// their time by a durable job (or the sweep), exactly once.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import {
  publishScheduledStatus,
  sweepDueScheduledStatuses,
} from "../src/domain/scheduled-statuses/publish.ts";
import { newId } from "../src/lib/ids.ts";
import { urlsFor } from "../src/urls.ts";
import { makeUser, postStatus, tokenFor, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import { form, png } from "./media-fixtures.ts";

const dataDir = await mkdtemp(path.join(os.tmpdir(), "herd-scheduled-"));
afterAll(() => rm(dataDir, { recursive: true, force: true }));
const t = await createTestInstance({ env: { DATA_DIR: dataDir } });
const db = t.database.db;
const ctx = { urls: urlsFor(t.config), localDomains: ["herd.test"], jobs: t.jobs };

const HOUR = 3_600_000;
const inHours = (h: number) => new Date(Date.now() + h * HOUR).toISOString();

const post = (user: Pick<TestUser, "token">, json: unknown, headers?: Record<string, string>) =>
  t.json("/api/v1/statuses", { method: "POST", token: user.token, json, headers });

async function schedule(user: TestUser, json: Record<string, unknown> = {}) {
  const res = await post(user, { status: "later", scheduled_at: inHours(2), ...json });
  if (res.status !== 200)
    throw new Error(`schedule answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

async function upload(user: TestUser): Promise<any> {
  const res = await t.json("/api/v2/media", {
    method: "POST",
    token: user.token,
    multipart: form(await png(30, 20), { type: "image/png" }),
  });
  return res.body;
}

/** Time passes: scheduled status `id` and its job are due now. */
async function makeDue(id: string) {
  await db.execute(sql`UPDATE scheduled_statuses SET scheduled_at = now() - interval '1 second'
    WHERE id = ${id}`);
  await db.execute(sql`UPDATE pgboss.job SET start_after = now()
    WHERE name = 'scheduled-statuses.publish' AND data ->> 'scheduledStatusId' = ${id}`);
}

const statusesOf = async (user: TestUser) =>
  (await t.json(`/api/v1/accounts/${user.account.id}/statuses`)).body as any[];

describe("POST /api/v1/statuses with scheduled_at", () => {
  it("keeps the status for later and answers a ScheduledStatus", async () => {
    const alice = await makeUser(t);
    const at = inHours(3);
    const res = await post(alice, {
      status: "see you",
      scheduled_at: at,
      visibility: "unlisted",
      spoiler_text: "cw",
      poll: { options: ["a", "b"], expires_in: 600 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: expect.any(String),
      scheduled_at: at,
      params: {
        text: "see you",
        media_ids: null,
        sensitive: null,
        spoiler_text: "cw",
        visibility: "unlisted",
        language: null,
        scheduled_at: null,
        poll: { options: ["a", "b"], expires_in: 600, multiple: false, hide_totals: false },
        idempotency: null,
        with_rate_limit: false,
        in_reply_to_id: null,
      },
      media_attachments: [],
    });
    expect(await statusesOf(alice)).toEqual([]);
    const again = await t.json(`/api/v1/scheduled_statuses/${res.body.id}`, { token: alice.token });
    expect(again.body).toEqual(res.body);
  });

  it("answers Mastodon's 422s", async () => {
    const alice = await makeUser(t);
    const soon = new Date(Date.now() + 60_000).toISOString();
    const cases: [unknown, string][] = [
      [
        { status: "x", scheduled_at: soon },
        "Validation failed: Scheduled at date must be in the future",
      ],
      [{ status: "x", scheduled_at: "not a date" }, "Record invalid"],
      [{ status: "", scheduled_at: inHours(1) }, "Validation failed: Text can't be blank"],
      [
        { status: "x", scheduled_at: inHours(1), poll: { options: ["a"], expires_in: 600 } },
        "Validation failed: Choices must have more than one item",
      ],
      [
        { status: "x", scheduled_at: inHours(1), media_ids: ["5"] },
        "Media 5 not found or already attached to another post",
      ],
    ];
    for (const [json, error] of cases) {
      expect(await post(alice, json)).toMatchObject({ status: 422, body: { error } });
    }
    expect(
      (await post(alice, { status: "x", scheduled_at: inHours(1), in_reply_to_id: "1" })).status,
    ).toBe(404);
    const list = await t.json("/api/v1/scheduled_statuses", { token: alice.token });
    expect(list.body).toEqual([]);
  });

  it("allows 25 a day and 300 in all", async () => {
    const alice = await makeUser(t);
    const day = new Date(Date.now() + 3 * 24 * HOUR);
    day.setUTCHours(10, 0, 0, 0);
    for (let i = 0; i < 25; i++) {
      await schedule(alice, { scheduled_at: new Date(day.getTime() + i * 60_000).toISOString() });
    }
    const sameDay = new Date(day.getTime() + 5 * HOUR).toISOString();
    expect(await post(alice, { status: "x", scheduled_at: sameDay })).toMatchObject({
      status: 422,
      body: {
        error: "Validation failed: You have exceeded the limit of 25 scheduled posts for today",
      },
    });
    const nextDay = new Date(day.getTime() + 24 * HOUR).toISOString();
    expect((await post(alice, { status: "x", scheduled_at: nextDay })).status).toBe(200);
    // Moving one within its own day does not count itself.
    const [first] = (await t.json("/api/v1/scheduled_statuses?limit=1", { token: alice.token }))
      .body;
    const moved = await t.json(`/api/v1/scheduled_statuses/${first.id}`, {
      method: "PUT",
      token: alice.token,
      json: { scheduled_at: new Date(Date.parse(first.scheduled_at) + 60_000).toISOString() },
    });
    expect(moved.status).toBe(200);
    await db.execute(sql`INSERT INTO scheduled_statuses (id, account_id, scheduled_at, params)
      SELECT (${newId()}::bigint - g), ${alice.account.id}::bigint, now() + interval '40 days' + g * interval '1 day', '{}'
      FROM generate_series(1, 274) AS g`);
    expect(await post(alice, { status: "x", scheduled_at: inHours(1) })).toMatchObject({
      status: 422,
      body: { error: "Validation failed: You have exceeded the limit of 300 scheduled posts" },
    });
  });

  it("answers the same scheduled status for the same Idempotency-Key", async () => {
    const alice = await makeUser(t);
    const headers = { "Idempotency-Key": "once" };
    const first = await post(alice, { status: "x", scheduled_at: inHours(1) }, headers);
    const second = await post(alice, { status: "x", scheduled_at: inHours(1) }, headers);
    expect(second.body).toEqual(first.body);
    const list = await t.json("/api/v1/scheduled_statuses", { token: alice.token });
    expect(list.body).toHaveLength(1);
  });
});

describe("/api/v1/scheduled_statuses", () => {
  it("lists one's own, newest first, with Link headers", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await schedule(alice, { status: `n${i}` }));
    await schedule(bob);
    const page = await t.json("/api/v1/scheduled_statuses?limit=2", { token: alice.token });
    expect(page.body.map((s: any) => s.id)).toEqual([made[2].id, made[1].id]);
    const link = page.res.headers.get("link")!;
    expect(link).toContain(`max_id=${made[1].id}>; rel="next"`);
    expect(link).toContain(`min_id=${made[2].id}>; rel="prev"`);
    const next = await t.json(`/api/v1/scheduled_statuses?limit=2&max_id=${made[1].id}`, {
      token: alice.token,
    });
    expect(next.body.map((s: any) => s.id)).toEqual([made[0].id]);
    expect(next.res.headers.get("link")).not.toContain('rel="next"');
    expect(
      (await t.json(`/api/v1/scheduled_statuses/${made[0].id}`, { token: bob.token })).status,
    ).toBe(404);
  });

  it("checks tokens and scopes as Mastodon", async () => {
    const alice = await makeUser(t);
    const made = await schedule(alice);
    expect((await t.json("/api/v1/scheduled_statuses")).status).toBe(401);
    const readOnly = await tokenFor(t, alice.user.id, ["read:statuses"]);
    expect((await t.json("/api/v1/scheduled_statuses", { token: readOnly })).status).toBe(200);
    const put = await t.json(`/api/v1/scheduled_statuses/${made.id}`, {
      method: "PUT",
      token: readOnly,
      json: { scheduled_at: inHours(5) },
    });
    expect(put.status).toBe(403);
    const app = await tokenFor(t, null, ["read"]);
    expect((await t.json("/api/v1/scheduled_statuses", { token: app })).status).toBe(422);
  });

  it("moves one to another time, with the same checks", async () => {
    const alice = await makeUser(t);
    const bob = await makeUser(t);
    const made = await schedule(alice);
    const at = inHours(6);
    const put = (user: TestUser, json: unknown) =>
      t.json(`/api/v1/scheduled_statuses/${made.id}`, { method: "PUT", token: user.token, json });
    const moved = await put(alice, { scheduled_at: at });
    expect(moved.status).toBe(200);
    expect(moved.body.scheduled_at).toBe(at);
    expect((await put(alice, {})).body.scheduled_at).toBe(at);
    expect(
      await put(alice, { scheduled_at: new Date(Date.now() + 1000).toISOString() }),
    ).toMatchObject({
      status: 422,
      body: { error: "Validation failed: Scheduled at date must be in the future" },
    });
    expect((await put(bob, { scheduled_at: inHours(7) })).status).toBe(404);
    // A job for the new time.
    const { rows } = await db.execute<{
      start_after: string;
    }>(sql`SELECT start_after FROM pgboss.job
      WHERE name = 'scheduled-statuses.publish' AND data ->> 'scheduledStatusId' = ${made.id}
      ORDER BY created_on`);
    expect(rows).toHaveLength(2);
    expect(Math.abs(Date.parse(rows[1]!.start_after) - Date.parse(at))).toBeLessThan(5_000);
  });

  it("cancels one, freeing its media", async () => {
    const alice = await makeUser(t);
    const media = await upload(alice);
    const made = await schedule(alice, { media_ids: [media.id] });
    expect(made.media_attachments.map((m: any) => m.id)).toEqual([media.id]);
    // Waiting for the scheduled status: not free for another post.
    expect((await post(alice, { status: "x", media_ids: [media.id] })).status).toBe(422);
    const gone = await t.json(`/api/v1/scheduled_statuses/${made.id}`, {
      method: "DELETE",
      token: alice.token,
    });
    expect(gone).toMatchObject({ status: 200, body: {} });
    expect(
      (await t.json(`/api/v1/scheduled_statuses/${made.id}`, { token: alice.token })).status,
    ).toBe(404);
    expect((await post(alice, { status: "x", media_ids: [media.id] })).status).toBe(200);
  });
});

describe("publishing", () => {
  it("posts it when its job runs at its time, exactly once, with its media and poll", async () => {
    const alice = await makeUser(t);
    const first = await upload(alice);
    const second = await upload(alice);
    const made = await schedule(alice, {
      status: "on time",
      media_ids: [second.id, first.id],
      sensitive: true,
    });
    const { rows } = await db.execute<{
      start_after: string;
    }>(sql`SELECT start_after FROM pgboss.job
      WHERE name = 'scheduled-statuses.publish' AND data ->> 'scheduledStatusId' = ${made.id}`);
    expect(rows).toHaveLength(1);
    expect(Math.abs(Date.parse(rows[0]!.start_after) - Date.parse(made.scheduled_at))).toBeLessThan(
      5_000,
    );
    // Not due yet: draining does not post it.
    await t.drainJobs();
    expect(await statusesOf(alice)).toEqual([]);

    await makeDue(made.id);
    expect(await t.drainJobs()).toBeGreaterThan(0);
    const posted = await statusesOf(alice);
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({
      content: "<p>on time</p>",
      sensitive: true,
      visibility: "public",
    });
    expect(posted[0].media_attachments.map((m: any) => m.id)).toEqual([second.id, first.id]);
    expect(
      (await t.json(`/api/v1/scheduled_statuses/${made.id}`, { token: alice.token })).status,
    ).toBe(404);
    // Again, however it comes: nothing more.
    expect(await publishScheduledStatus(db, ctx, made.id)).toBe("gone");
    await t.drainJobs();
    expect(await statusesOf(alice)).toHaveLength(1);
  });

  it("leaves out media deleted while it waited", async () => {
    const alice = await makeUser(t);
    const kept = await upload(alice);
    const deleted = await upload(alice);
    const made = await schedule(alice, { status: "pics", media_ids: [deleted.id, kept.id] });
    const removed = await t.json(`/api/v1/media/${deleted.id}`, {
      method: "DELETE",
      token: alice.token,
    });
    expect(removed.status).toBe(200);
    await makeDue(made.id);
    expect(await publishScheduledStatus(db, ctx, made.id)).toBe("published");
    const [posted] = await statusesOf(alice);
    expect(posted.media_attachments.map((m: any) => m.id)).toEqual([kept.id]);
  });

  it("posts it once when two workers run it at the same time", async () => {
    const alice = await makeUser(t);
    const made = await schedule(alice, { poll: { options: ["x", "y"], expires_in: 600 } });
    await makeDue(made.id);
    const outcomes = await Promise.all([
      publishScheduledStatus(db, ctx, made.id),
      publishScheduledStatus(db, ctx, made.id),
    ]);
    expect(outcomes.sort()).toEqual(["gone", "published"]);
    const posted = await statusesOf(alice);
    expect(posted).toHaveLength(1);
    // The poll's end counts from publication.
    expect(Date.parse(posted[0].poll.expires_at)).toBeGreaterThan(Date.now() + 500_000);
  });

  it("is posted by the sweep when its job was lost, and not before its time", async () => {
    const alice = await makeUser(t);
    const due = await schedule(alice, { status: "swept" });
    const notYet = await schedule(alice, { status: "not yet" });
    await db.execute(sql`DELETE FROM pgboss.job WHERE name = 'scheduled-statuses.publish'`);
    await makeDue(due.id);
    expect(await sweepDueScheduledStatuses(db, ctx)).toBeGreaterThanOrEqual(1);
    const posted = await statusesOf(alice);
    expect(posted.map((s) => s.content)).toEqual(["<p>swept</p>"]);
    const left = await t.json("/api/v1/scheduled_statuses", { token: alice.token });
    expect(left.body.map((s: any) => s.id)).toEqual([notYet.id]);
  });

  it("waits when moved later, and drops what can no longer be posted", async () => {
    const alice = await makeUser(t);
    const made = await schedule(alice);
    expect(await publishScheduledStatus(db, ctx, made.id)).toBe("not_due");
    expect(await statusesOf(alice)).toEqual([]);

    const thread = await postStatus(t, alice, "thread");
    const reply = await schedule(alice, { status: "a reply", in_reply_to_id: thread.id });
    expect(reply.params.in_reply_to_id).toBe(thread.id);
    await t.json(`/api/v1/statuses/${thread.id}`, { method: "DELETE", token: alice.token });
    await makeDue(reply.id);
    expect(await publishScheduledStatus(db, ctx, reply.id)).toBe("dropped");
    expect(await statusesOf(alice)).toEqual([]);
    expect(
      (await t.json(`/api/v1/scheduled_statuses/${reply.id}`, { token: alice.token })).status,
    ).toBe(404);
  });
});
