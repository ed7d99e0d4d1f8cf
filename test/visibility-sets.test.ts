// The privacy policy's set form for one status and many viewers
// (readableOf in src/domain/statuses/visibility.ts, which the streaming API
// checks each new status with) against its row-wise statement
// (statusVisibleTo AND notHiddenBy, which every REST read path uses): for
// every status and every viewer of a scene of every relation, the same
// answer, and for some of them the readers the policy must give.
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
/** Readers the policy must give (or refuse) outright: a mistake both forms shared would not show in the comparison. */
const expected: { status: string; reads: string[]; refused: string[] }[] = [];

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
  // Boosts by accounts of every relation to the original's author, and to
  // each viewer (privateBooster follows the author and may boost a private
  // status; its boost keeps the original's visibility).
  const privateBooster = await local(); // follows the author: may see (and here boosts) a private status
  const followsBoosterOnly = await local();
  const followsBoth = await local();
  const mutedBooster = await local(); // the author mutes them: their boost of the author is hidden from the author
  const mutingBooster = await local(); // mutes the remote author whose status they boost: own boost still shown
  const blockedBooster = await local(); // blocked by the author, boosts the author's public status
  const blockedMentioned = await local(); // blocked by the author, yet mentioned / still following
  const remoteBooster = await remoteAccount(t, "far.example");
  const blocksAuthorDomainless = await local();
  viewerIds.push(
    ...[privateBooster, followsBoosterOnly, followsBoth, mutedBooster, mutingBooster]
      .concat([blockedBooster, blockedMentioned, remoteBooster, blocksAuthorDomainless])
      .map((a) => a.id),
  );
  await follow(t, privateBooster, author);
  await follow(t, followsBoth, author);
  await follow(t, followsBoth, privateBooster);
  await follow(t, followsBoosterOnly, privateBooster);
  await follow(t, blockedMentioned, author);
  await block(t, author, blockedMentioned);
  await block(t, author, blockedBooster);
  await mute(t, author, mutedBooster);
  await mute(t, mutingBooster, remote);
  await blockDomain(t, blocksAuthorDomainless, "localhost");
  const pub = await insertStatus(t, author, { visibility: "public", mentions: [blockedMentioned] });
  const priv = await insertStatus(t, author, {
    visibility: "private",
    mentions: [blockedMentioned],
  });
  const dm = await insertStatus(t, author, { visibility: "direct", mentions: [blockedMentioned] });
  const remotePub = await insertStatus(t, remote, { visibility: "public" });
  statusIds.push(pub.id, priv.id, dm.id, remotePub.id);
  const privBoost = await insertStatus(t, privateBooster, { reblogOf: priv });
  statusIds.push(privBoost.id);
  expected.push(
    {
      status: priv.id,
      reads: [author, follower, privateBooster, followsBoth].map((a) => a.id),
      // Mentioned but blocked by the author; following only the booster.
      refused: [blockedMentioned, followsBoosterOnly, outsider, blockedByAuthor].map((a) => a.id),
    },
    {
      status: privBoost.id,
      // A private boost: the booster's followers who may read the original.
      reads: [privateBooster, followsBoth].map((a) => a.id),
      refused: [followsBoosterOnly, author, outsider].map((a) => a.id),
    },
  );
  statusIds.push(
    (await insertStatus(t, followsBoosterOnly, { reblogOf: priv, visibility: "public" })).id,
  );
  const mutedBoost = await insertStatus(t, mutedBooster, { reblogOf: pub });
  const mutingBoost = await insertStatus(t, mutingBooster, { reblogOf: remotePub });
  const blockedBoost = await insertStatus(t, blockedBooster, { reblogOf: pub });
  statusIds.push(mutedBoost.id, mutingBoost.id, blockedBoost.id);
  expected.push(
    // The author mutes the booster: hidden from the author, not from others.
    { status: mutedBoost.id, reads: [outsider.id, mutedBooster.id], refused: [author.id] },
    // Their own boost of an author they mute: shown to the booster.
    { status: mutingBoost.id, reads: [mutingBooster.id, outsider.id], refused: [] },
    // Blocked by the original's author: not even their own boost.
    { status: blockedBoost.id, reads: [outsider.id], refused: [blockedBooster.id, author.id] },
  );
  statusIds.push((await insertStatus(t, remoteBooster, { reblogOf: pub })).id);
  statusIds.push((await insertStatus(t, suspended, { reblogOf: pub })).id);
  statusIds.push((await insertStatus(t, author, { reblogOf: remotePub })).id);
  const goneBoost = await insertStatus(t, booster, { reblogOf: pub });
  await t.database.pool.query("UPDATE statuses SET deleted_at = now() WHERE id = $1", [
    goneBoost.id,
  ]);
  statusIds.push(goneBoost.id);
  // A reblog of a reblog (the server does not make them; both forms check one level).
  statusIds.push((await insertStatus(t, followsBoth, { reblogOf: privBoost })).id);
  const goneRoot = await insertStatus(t, author, { visibility: "public" });
  const midBoost = await insertStatus(t, booster, { reblogOf: goneRoot });
  await t.database.pool.query("UPDATE statuses SET deleted_at = now() WHERE id = $1", [
    goneRoot.id,
  ]);
  statusIds.push((await insertStatus(t, followsBoth, { reblogOf: midBoost })).id);
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
    for (const { status, reads, refused } of expected) {
      const readers = await setForm(status);
      for (const id of reads) expect(readers, `${id} reads ${status}`).toContain(id);
      for (const id of refused) expect(readers, `${id} is refused ${status}`).not.toContain(id);
    }
    // The scene is not trivial: statuses seen by nobody, by some, by many.
    expect(sizes.has(0)).toBe(true);
    expect(Math.max(...sizes)).toBeGreaterThan(8);
    expect(sizes.size).toBeGreaterThan(4);
  });
});
