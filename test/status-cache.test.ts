// The cache of rendered statuses (src/mastodon/entities/status-cache.ts,
// status-json.ts): the JSON text it puts together is the entity renderStatuses
// makes, for every viewer, and a change to anything a status shows (its row,
// its author, their user's settings, media, poll, card, custom emojis,
// application) is seen at once, whoever made it: through the API or straight
// in the database, as another process would.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { customEmojis } from "../src/db/schema/index.ts";
import { newId } from "../src/lib/ids.ts";
import { renderStatuses } from "../src/mastodon/entities/status.ts";
import { renderStatusesJson } from "../src/mastodon/entities/status-json.ts";
import { urlsFor } from "../src/urls.ts";
import { makeUser, postStatus, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import { form, png } from "./media-fixtures.ts";

const dataDir = await mkdtemp(path.join(os.tmpdir(), "herd-status-cache-"));
afterAll(() => rm(dataDir, { recursive: true, force: true }));
const t = await createTestInstance({ env: { DATA_DIR: dataDir } });
const db = t.database.db;
const urls = urlsFor(t.config);

async function call(user: TestUser, method: string, p: string, json: unknown = {}) {
  const res = await t.json(p, { method, token: user.token, json });
  if (res.status !== 200)
    throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const getStatus = async (id: string, user?: TestUser) =>
  (await t.json(`/api/v1/statuses/${id}`, user ? { token: user.token } : {})).body;

describe("the JSON text of the cache", () => {
  it("is the entity renderStatuses makes, for a visitor, a reader and the author, cold and warm", async () => {
    const author = await makeUser(t);
    const reader = await makeUser(t);
    const upload = await t.json("/api/v2/media", {
      method: "POST",
      token: author.token,
      multipart: form(await png(60, 40), { type: "image/png", fields: { description: "a" } }),
    });
    expect(upload.status).toBe(200);
    await db.insert(customEmojis).values({
      id: newId(),
      shortcode: "herd_cat",
      imageUrl: "custom_emojis/images/000/000/001/original/herd_cat.png",
      staticImageUrl: "custom_emojis/images/000/000/001/static/herd_cat.png",
    });
    const plain = await postStatus(t, author, { status: "plain :herd_cat: #tagged" });
    const withMedia = await postStatus(t, author, {
      status: `hello @${reader.account.username}`,
      media_ids: [upload.body.id],
      spoiler_text: "cw",
    });
    const poll = await postStatus(t, author, {
      status: "vote",
      poll: { options: ["a :herd_cat:", "b"], expires_in: 600, multiple: true },
    });
    const unlisted = await postStatus(t, author, { status: "quiet", visibility: "unlisted" });
    await call(reader, "POST", `/api/v1/polls/${poll.poll.id}/votes`, { choices: [1] });
    await call(reader, "POST", `/api/v1/statuses/${plain.id}/favourite`);
    await call(reader, "POST", `/api/v1/statuses/${withMedia.id}/bookmark`);
    await call(reader, "POST", `/api/v1/statuses/${unlisted.id}/mute`);
    await call(author, "POST", `/api/v1/statuses/${plain.id}/pin`);
    const boost = await call(reader, "POST", `/api/v1/statuses/${plain.id}/reblog`);
    await call(author, "PATCH", "/api/v1/accounts/update_credentials", {
      display_name: "Author :herd_cat:",
    });

    const ids = [boost.id, plain.id, withMedia.id, poll.id, unlisted.id, "123", plain.id];
    for (const viewer of [null, reader.account.id, author.account.id]) {
      for (const round of ["cold", "warm"]) {
        const fromCache = await renderStatusesJson(db, ids, viewer, urls);
        const direct = await renderStatuses(db, ids, viewer, urls);
        expect({ viewer, round, page: JSON.parse(fromCache.json.toString()) }).toEqual({
          viewer,
          round,
          page: direct,
        });
        expect(fromCache.ids).toEqual(direct.map((s) => s.id));
      }
    }
    // The reader's flags are theirs only.
    const [asReader] = JSON.parse(
      (await renderStatusesJson(db, [boost.id], reader.account.id, urls)).json.toString(),
    );
    expect(asReader.reblog).toMatchObject({ favourited: true, reblogged: true });
    const [asAuthor] = JSON.parse(
      (await renderStatusesJson(db, [plain.id], author.account.id, urls)).json.toString(),
    );
    expect(asAuthor).toMatchObject({ favourited: false, reblogged: false, pinned: true });
    const [voted] = JSON.parse(
      (await renderStatusesJson(db, [poll.id], reader.account.id, urls)).json.toString(),
    );
    expect(voted.poll).toMatchObject({ voted: true, own_votes: [1] });
  });
});

describe("a change shows at once", () => {
  it("counts, edits and the author's profile and counts", async () => {
    const author = await makeUser(t);
    const fan = await makeUser(t);
    const status = await postStatus(t, author, { status: "before" });
    expect(await getStatus(status.id, fan)).toMatchObject({ favourites_count: 0 });

    await call(fan, "POST", `/api/v1/statuses/${status.id}/favourite`);
    expect(await getStatus(status.id, fan)).toMatchObject({
      favourites_count: 1,
      favourited: true,
    });

    await call(author, "PUT", `/api/v1/statuses/${status.id}`, { status: "after" });
    expect((await getStatus(status.id, fan)).content).toContain("after");

    await call(fan, "POST", `/api/v1/accounts/${author.account.id}/follow`);
    expect((await getStatus(status.id)).account.followers_count).toBe(1);

    await call(author, "PATCH", "/api/v1/accounts/update_credentials", { display_name: "New" });
    expect((await getStatus(status.id)).account.display_name).toBe("New");
  });

  it("the author's setting to hide the application, for others but not for them", async () => {
    const author = await makeUser(t);
    const other = await makeUser(t);
    const status = await postStatus(t, author, { status: "from an app" });
    expect((await getStatus(status.id, other)).application).toMatchObject({ name: "Test app" });
    await db.execute(sql`UPDATE users SET settings = settings || '{"show_application": false}'::jsonb
      WHERE id = ${author.user.id}::bigint`);
    expect(await getStatus(status.id, other)).not.toHaveProperty("application");
    expect((await getStatus(status.id, author)).application).toMatchObject({ name: "Test app" });
    await db.execute(sql`UPDATE oauth_applications SET name = 'Renamed'
      WHERE id = (SELECT application_id FROM statuses WHERE id = ${status.id}::bigint)`);
    expect((await getStatus(status.id, author)).application).toMatchObject({ name: "Renamed" });
  });

  it("the users row of the account the author moved to (its `noindex` in `moved`)", async () => {
    const author = await makeUser(t);
    const movedTo = await makeUser(t);
    const status = await postStatus(t, author, { status: "moving" });
    await db.execute(sql`UPDATE accounts SET moved_to_account_id = ${movedTo.account.id}::bigint
      WHERE id = ${author.account.id}::bigint`);
    const render = async () => {
      const cached = JSON.parse(
        (await renderStatusesJson(db, [status.id], null, urls)).json.toString(),
      ) as { account: { moved: { noindex: boolean } } }[];
      expect(cached).toEqual(await renderStatuses(db, [status.id], null, urls));
      return cached[0]!.account.moved;
    };
    expect(await render()).toMatchObject({ id: movedTo.account.id, noindex: false });
    await db.execute(sql`UPDATE users SET settings = settings || '{"noindex": true}'::jsonb
      WHERE account_id = ${movedTo.account.id}::bigint`);
    expect(await render()).toMatchObject({ id: movedTo.account.id, noindex: true });
  });

  it("media processed or described later, written by another process", async () => {
    const author = await makeUser(t);
    const upload = await t.json("/api/v2/media", {
      method: "POST",
      token: author.token,
      multipart: form(await png(60, 40), { type: "image/png" }),
    });
    const status = await postStatus(t, author, { status: "pic", media_ids: [upload.body.id] });
    expect((await getStatus(status.id)).media_attachments[0].description).toBeNull();
    await db.execute(sql`UPDATE media_attachments SET description = 'later'
      WHERE id = ${upload.body.id}::bigint`);
    expect((await getStatus(status.id)).media_attachments[0].description).toBe("later");
  });

  it("poll votes by others and a poll's end", async () => {
    const author = await makeUser(t);
    const voter = await makeUser(t);
    const status = await postStatus(t, author, {
      status: "q",
      poll: { options: ["x", "y"], expires_in: 600 },
    });
    expect((await getStatus(status.id, author)).poll).toMatchObject({ votes_count: 0 });
    await call(voter, "POST", `/api/v1/polls/${status.poll.id}/votes`, { choices: [0] });
    expect((await getStatus(status.id, author)).poll).toMatchObject({
      votes_count: 1,
      voted: true,
      own_votes: [],
    });
    expect((await getStatus(status.id, voter)).poll).toMatchObject({ voted: true, own_votes: [0] });
    // Time passing ends it without any write.
    await db.execute(sql`UPDATE polls SET expires_at = now() - interval '1 second'
      WHERE id = ${status.poll.id}::bigint`);
    expect((await getStatus(status.id, voter)).poll).toMatchObject({ expired: true });
  });

  it("a card fetched later, and fetched again", async () => {
    const author = await makeUser(t);
    const status = await postStatus(t, author, { status: "https://example.com/page" });
    expect((await getStatus(status.id)).card).toBeNull();
    const cardId = newId();
    await db.execute(sql`INSERT INTO preview_cards (id, url, title)
      VALUES (${cardId}::bigint, 'https://example.com/page', 'First')`);
    await db.execute(sql`INSERT INTO preview_cards_statuses (status_id, preview_card_id, url)
      VALUES (${status.id}::bigint, ${cardId}::bigint, 'https://example.com/page')`);
    expect((await getStatus(status.id)).card).toMatchObject({ title: "First" });
    await db.execute(sql`UPDATE preview_cards SET title = 'Second' WHERE id = ${cardId}::bigint`);
    expect((await getStatus(status.id)).card).toMatchObject({ title: "Second" });
  });

  it("custom emojis added, changed and disabled", async () => {
    const author = await makeUser(t);
    const status = await postStatus(t, author, { status: "look :late_cat:" });
    expect((await getStatus(status.id)).emojis).toEqual([]);
    const id = newId();
    await db.insert(customEmojis).values({
      id,
      shortcode: "late_cat",
      imageUrl: "custom_emojis/images/000/000/002/original/late_cat.png",
      staticImageUrl: "custom_emojis/images/000/000/002/static/late_cat.png",
    });
    expect((await getStatus(status.id)).emojis).toMatchObject([{ shortcode: "late_cat" }]);
    await db.execute(sql`UPDATE custom_emojis SET disabled = true WHERE id = ${id}::bigint`);
    expect((await getStatus(status.id)).emojis).toEqual([]);
  });

  it("timelines too, with the reader's own flags", async () => {
    const author = await makeUser(t);
    const reader = await makeUser(t);
    await call(reader, "POST", `/api/v1/accounts/${author.account.id}/follow`);
    const status = await postStatus(t, author, { status: "in a feed" });
    await t.drainJobs();
    const home = async () =>
      (await t.json("/api/v1/timelines/home", { token: reader.token })).body as any[];
    expect((await home())[0]).toMatchObject({ id: status.id, favourited: false });
    await call(reader, "POST", `/api/v1/statuses/${status.id}/favourite`);
    expect((await home())[0]).toMatchObject({
      id: status.id,
      favourited: true,
      favourites_count: 1,
    });
    // The author's home shows the same status without the reader's flag.
    const own = (await t.json("/api/v1/timelines/home", { token: author.token })).body as any[];
    expect(own[0]).toMatchObject({ id: status.id, favourited: false, favourites_count: 1 });
  });
});
