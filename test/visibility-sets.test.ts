// The privacy policy's set form for one status and many viewers
// (readableOf in src/domain/statuses/visibility.ts, which the streaming API
// checks each new status with) against its row-wise statement
// (statusVisibleTo AND notHiddenBy, which every REST read path uses): for
// every status and every viewer of a scene of every relation, the same
// answer.
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { notHiddenBy, readableOf, statusVisibleTo } from "../src/domain/statuses/visibility.ts";
import { makeUser } from "./kit/fixtures.ts";
import {
  block,
  blockDomain,
  follow,
  insertStatus,
  mute,
  remoteAccount,
} from "./kit/direct-statuses.ts";
import { createTestInstance, type TestInstance } from "./kit/instance.ts";

let t: TestInstance;
const statusIds: string[] = [];
const viewerIds: string[] = [];

beforeAll(async () => {
  t = await createTestInstance();
  const local = async () => (await makeUser(t)).account;
  const author = await local();
  const remote = await remoteAccount(t, "far.example");
  const suspended = await local();
  const booster = await local();
  const outsider = await local();
  const follower = await local();
  const mentioned = await local();
  const blockedByAuthor = await local();
  const blocksAuthor = await local();
  const mutesAuthor = await local();
  const expiredMute = await local();
  const blocksFarDomain = await local();
  const blocksBooster = await local();
  const followsRemote = await local();
  const remoteViewer = await remoteAccount(t, "near.example");
  const remoteBlockedDomain = await remoteAccount(t, "shunned.example");
  viewerIds.push(
    ...[author, remote, suspended, booster, outsider, follower, mentioned, blockedByAuthor]
      .concat([blocksAuthor, mutesAuthor, expiredMute, blocksFarDomain, blocksBooster])
      .concat([followsRemote, remoteViewer, remoteBlockedDomain])
      .map((a) => a.id),
  );

  for (const f of [follower, mutesAuthor, expiredMute, blocksAuthor, remoteViewer]) {
    await follow(t, f, author);
  }
  await follow(t, followsRemote, remote);
  await follow(t, blocksFarDomain, remote);
  await block(t, author, blockedByAuthor);
  await block(t, blocksAuthor, author);
  await block(t, blocksBooster, booster);
  await mute(t, mutesAuthor, author);
  await mute(t, expiredMute, author);
  await t.database.pool.query(
    "UPDATE mutes SET expires_at = now() - interval '1 minute' WHERE account_id = $1",
    [expiredMute.id],
  );
  await blockDomain(t, blocksFarDomain, "far.example");
  await blockDomain(t, author, "shunned.example");
  await t.database.pool.query("UPDATE accounts SET suspended_at = now() WHERE id = $1", [
    suspended.id,
  ]);

  for (const visibility of ["public", "unlisted", "private", "direct"] as const) {
    for (const by of [author, remote, suspended]) {
      const s = await insertStatus(t, by, { visibility, mentions: [mentioned] });
      statusIds.push(s.id);
      // Boosts of it (as the server would not let a private one be boosted by
      // others, the author boosts that one), and a boost by a booster.
      statusIds.push((await insertStatus(t, by, { reblogOf: s })).id);
      statusIds.push((await insertStatus(t, booster, { reblogOf: s })).id);
    }
  }
  const gone = await insertStatus(t, author, { visibility: "public" });
  await t.database.pool.query("UPDATE statuses SET deleted_at = now() WHERE id = $1", [gone.id]);
  statusIds.push(gone.id, (await insertStatus(t, booster, { reblogOf: gone })).id);
  // A status the server does not have.
  statusIds.push("1");
});

async function rowWise(statusId: string): Promise<string[]> {
  const v = sql.raw("v.id");
  const { rows } = await t.database.db.execute<{ id: string }>(sql`
    SELECT v.id::text AS id FROM unnest(${sql.param(viewerIds)}::bigint[]) AS v(id)
    WHERE EXISTS (SELECT 1 FROM statuses WHERE statuses.id = ${statusId}::bigint
      AND ${statusVisibleTo(v)} AND ${notHiddenBy(v)}) ORDER BY 1`);
  return rows.map((r) => r.id);
}

async function setForm(statusId: string): Promise<string[]> {
  const { rows } = await t.database.db.execute<{ id: string }>(sql`
    SELECT v.id::text AS id FROM unnest(${sql.param(viewerIds)}::bigint[]) AS v(id)
    WHERE ${readableOf(statusId, sql.raw("v.id"))} ORDER BY 1`);
  return rows.map((r) => r.id);
}

describe("readableOf", () => {
  it("answers as statusVisibleTo AND notHiddenBy for every status and viewer", async () => {
    const sizes = new Set<number>();
    for (const id of statusIds) {
      const expected = await rowWise(id);
      expect(await setForm(id), `status ${id}`).toEqual(expected);
      sizes.add(expected.length);
    }
    // The scene is not trivial: statuses seen by nobody, by some, by many.
    expect(sizes.has(0)).toBe(true);
    expect(Math.max(...sizes)).toBeGreaterThan(8);
    expect(sizes.size).toBeGreaterThan(4);
  });
});
