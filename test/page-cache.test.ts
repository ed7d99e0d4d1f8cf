// The cache of rendered pages (src/mastodon/entities/page-cache.ts): the home
// timeline and GET /api/v1/statuses/:id answer from memory, and every kind
// of change to what a page shows, or to who may see what (blocks either
// way, mutes, domain blocks, follows, mentions, suspension, deletion, the
// feed itself, the viewer's flags, the clock), shows on the next request
// when made through the instance's pool, and as soon as its notification
// arrives when made by another connection (another process, plain SQL).
// The truth each answer is compared with is the domain's own reading
// (homeTimelineIds, requireStatus) rendered without the page cache.
import { afterAll, describe, expect, it, vi } from "vitest";
import pg from "pg";
import { requireStatus } from "../src/domain/statuses/read.ts";
import { homeTimelineIds } from "../src/domain/timelines/read.ts";
import { pageQuery } from "../src/http/pagination.ts";
import { newId } from "../src/lib/ids.ts";
import { renderStatusesJson } from "../src/mastodon/entities/status-json.ts";
import { urlsFor } from "../src/urls.ts";
import { follow, insertStatus, remoteAccount } from "./kit/direct-statuses.ts";
import { makeUser, postStatus, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const db = t.database.db;
const urls = urlsFor(t.config);
const other = new pg.Client({ connectionString: t.url });
await other.connect();
afterAll(() => other.end());

const HOME = "/api/v1/timelines/home?limit=40";

/** Custom emojis made so far (each scene's open status uses the next one's shortcode). */
let emojis = 0;

async function homeTruth(viewer: TestUser): Promise<unknown> {
  const ids = await homeTimelineIds(db, viewer.account.id, pageQuery({ limit: "40" }, 20, 40));
  return JSON.parse((await renderStatusesJson(db, ids, viewer.account.id, urls)).json.toString());
}

async function statusTruth(id: string, viewer: TestUser | null): Promise<unknown> {
  const viewerId = viewer?.account.id ?? null;
  const found = await requireStatus(db, id, viewerId).catch(() => null);
  if (found === null) return 404;
  const [entity] = JSON.parse(
    (await renderStatusesJson(db, [found.id], viewerId, urls)).json.toString(),
  ) as unknown[];
  return entity;
}

async function homeAnswer(viewer: TestUser): Promise<unknown> {
  const res = await t.json(HOME, { token: viewer.token });
  expect(res.status).toBe(200);
  return res.body;
}

async function statusAnswer(id: string, viewer: TestUser | null): Promise<unknown> {
  const res = await t.json(`/api/v1/statuses/${id}`, viewer ? { token: viewer.token } : {});
  return res.status === 404 ? 404 : res.body;
}

/** What the viewers see, as answered and as it truly is. */
async function snapshot(viewer: TestUser, statusIds: string[]) {
  // Visitors' requests count against the rate limit of one address.
  t.rateStore.clear();
  const answered: unknown[] = [await homeAnswer(viewer)];
  const truth: unknown[] = [await homeTruth(viewer)];
  for (const id of statusIds) {
    for (const who of [viewer, null]) {
      answered.push(await statusAnswer(id, who));
      truth.push(await statusTruth(id, who));
    }
  }
  return { answered, truth };
}

/** Reads every page twice, so that the cache holds them. */
async function warm(viewer: TestUser, statusIds: string[]) {
  t.rateStore.clear();
  for (let i = 0; i < 2; i++) {
    await homeAnswer(viewer);
    for (const id of statusIds) {
      await statusAnswer(id, viewer);
      await statusAnswer(id, null);
    }
  }
}

/** The answers agree with the truth: at once, or within 3 s (less than the cache's 10 s backstop). */
async function agree(viewer: TestUser, statusIds: string[], eventually: boolean) {
  const deadline = Date.now() + (eventually ? 3_000 : 0);
  for (;;) {
    const { answered, truth } = await snapshot(viewer, statusIds);
    if (Date.now() >= deadline) {
      expect(answered).toEqual(truth);
      return;
    }
    if (JSON.stringify(answered) === JSON.stringify(truth)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function scene() {
  const viewer = await makeUser(t);
  const author = await makeUser(t);
  const stranger = await makeUser(t);
  const booster = await makeUser(t);
  const boosted = await makeUser(t);
  const movedTo = await makeUser(t);
  const remote = await remoteAccount(t, "remote.example");
  for (const target of [author.account, booster.account, remote]) {
    await follow(t, viewer.account, target);
  }
  const open = await insertStatus(t, author.account, { text: `open :herd_page_${emojis + 1}:` });
  const closed = await insertStatus(t, author.account, { visibility: "private", text: "closed" });
  const poll = await postStatus(t, author, {
    status: "vote",
    poll: { options: ["a", "b"], expires_in: 600 },
  });
  const far = await insertStatus(t, remote, { text: "far", local: false });
  const original = await insertStatus(t, boosted.account, { text: "original" });
  const boost = await insertStatus(t, booster.account, { reblogOf: original });
  const secret = await insertStatus(t, stranger.account, { visibility: "private", text: "secret" });
  const own = await insertStatus(t, viewer.account, { text: "mine" });
  await t.drainJobs();
  // A stale entry: the stranger's private status, which the viewer may not see (yet).
  await db.execute(
    `INSERT INTO home_feed_entries (account_id, status_id) VALUES (${viewer.account.id}, ${secret.id})` as never,
  );
  return {
    viewer,
    author,
    stranger,
    booster,
    boosted,
    movedTo,
    remote,
    ids: { open: open.id, closed: closed.id, poll: poll.id as string, far: far.id },
    statuses: { original, boost, secret, own },
  };
}

type Scene = Awaited<ReturnType<typeof scene>>;

describe("the cache of rendered pages", () => {
  it("answers from memory: a change the database does not announce is not seen", async () => {
    const s = await scene();
    const ids = [s.ids.open];
    await warm(s.viewer, ids);
    const before = await homeAnswer(s.viewer);
    await other.query("BEGIN");
    await other.query("SET LOCAL session_replication_role = replica");
    await other.query("UPDATE statuses SET content = '<p>unannounced</p>' WHERE id = $1", [
      s.ids.open,
    ]);
    await other.query("COMMIT");
    expect(await homeAnswer(s.viewer)).toEqual(before);
    expect(JSON.stringify(await statusAnswer(s.ids.open, s.viewer))).not.toContain("unannounced");
    // An announced change of the same status: read again.
    await other.query("UPDATE statuses SET content = '<p>announced</p>' WHERE id = $1", [
      s.ids.open,
    ]);
    await agree(s.viewer, ids, true);
    expect(JSON.stringify(await homeAnswer(s.viewer))).toContain("announced");
  });

  // Each change by another connection (as another process or plain SQL
  // would make it): the truth must change, and the answers follow it.
  // [what, the change, what comes before it (made and seen before the pages are read)]
  const moveAuthor = (s: Scene) =>
    other.query("UPDATE accounts SET moved_to_account_id = $2 WHERE id = $1", [
      s.author.account.id,
      s.movedTo.account.id,
    ]);
  const changes: [string, (s: Scene) => Promise<unknown>, ((s: Scene) => Promise<unknown>)?][] = [
    ["the viewer blocks the author", (s) => sqlInsert("blocks", s.viewer, s.author)],
    ["the author blocks the viewer", (s) => sqlInsert("blocks", s.author, s.viewer)],
    ["the viewer mutes the booster", (s) => sqlInsert("mutes", s.viewer, s.booster)],
    ["the viewer mutes the boosted", (s) => sqlInsert("mutes", s.viewer, s.boosted)],
    [
      "the viewer blocks the remote domain",
      (s) =>
        other.query(
          "INSERT INTO account_domain_blocks (id, account_id, domain) VALUES ($1, $2, 'remote.example')",
          [newId(), s.viewer.account.id],
        ),
    ],
    [
      "the viewer unfollows the author",
      (s) =>
        other.query("DELETE FROM follows WHERE account_id = $1 AND target_account_id = $2", [
          s.viewer.account.id,
          s.author.account.id,
        ]),
    ],
    [
      "the stranger's private status now mentions the viewer",
      (s) =>
        other.query("INSERT INTO mentions (id, status_id, account_id) VALUES ($1, $2, $3)", [
          newId(),
          s.statuses.secret.id,
          s.viewer.account.id,
        ]),
    ],
    [
      "a status is edited",
      (s) =>
        other.query("UPDATE statuses SET content = '<p>edited</p>' WHERE id = $1", [s.ids.open]),
    ],
    [
      // As a remote edit may, without writing the status's row.
      "a tag is added to a shown status",
      async (s) => {
        const tag = newId();
        await other.query("INSERT INTO tags (id, name, display_name) VALUES ($1, $2, $2)", [
          tag,
          `pagetag${tag}`,
        ]);
        await other.query("INSERT INTO statuses_tags (status_id, tag_id) VALUES ($1, $2)", [
          s.ids.open,
          tag,
        ]);
      },
    ],
    [
      "a mention is added to a shown status",
      (s) =>
        other.query("INSERT INTO mentions (id, status_id, account_id) VALUES ($1, $2, $3)", [
          newId(),
          s.ids.open,
          s.stranger.account.id,
        ]),
    ],
    [
      "a status is deleted",
      (s) => other.query("UPDATE statuses SET deleted_at = now() WHERE id = $1", [s.ids.closed]),
    ],
    [
      "a boosted status is deleted",
      (s) =>
        other.query("UPDATE statuses SET deleted_at = now() WHERE id = $1", [
          s.statuses.original.id,
        ]),
    ],
    [
      "the viewer favourites and bookmarks",
      async (s) => {
        await sqlInsert("favourites", s.viewer, null, s.ids.open);
        await sqlInsert("bookmarks", s.viewer, null, s.ids.far);
      },
    ],
    [
      "someone else favourites (a count)",
      (s) =>
        other.query("UPDATE statuses SET favourites_count = favourites_count + 1 WHERE id = $1", [
          s.ids.open,
        ]),
    ],
    [
      "the viewer pins their own status",
      (s) => sqlInsert("status_pins", s.viewer, null, s.statuses.own.id),
    ],
    [
      "the viewer mutes a conversation",
      (s) =>
        other.query(
          "INSERT INTO conversation_mutes (account_id, conversation_id) SELECT $1, conversation_id FROM statuses WHERE id = $2",
          [s.viewer.account.id, s.ids.poll],
        ),
    ],
    [
      "the viewer boosts",
      (s) =>
        other.query(
          `INSERT INTO statuses (id, account_id, text, content, visibility, reblog_of_id, local, uri)
           VALUES ($1, $2, '', '', 'public', $3, true, $4)`,
          [newId(), s.viewer.account.id, s.ids.far, `https://herd.test/boost/${newId()}`],
        ),
    ],
    [
      "the viewer votes",
      (s) =>
        other.query(
          "INSERT INTO poll_votes (id, account_id, poll_id, choice) SELECT $1, $2, id, 1 FROM polls WHERE status_id = $3",
          [newId(), s.viewer.account.id, s.ids.poll],
        ),
    ],
    [
      "a poll's tallies change",
      (s) =>
        other.query(
          "UPDATE polls SET cached_tallies = '{3,4}', votes_count = 7, voters_count = 7 WHERE status_id = $1",
          [s.ids.poll],
        ),
    ],
    [
      "the author changes their name",
      (s) =>
        other.query("UPDATE accounts SET display_name = 'Renamed' WHERE id = $1", [
          s.author.account.id,
        ]),
    ],
    [
      "the author's user row changes",
      (s) =>
        other.query(
          "UPDATE users SET settings = settings || '{\"show_application\": false}' WHERE account_id = $1",
          [s.author.account.id],
        ),
    ],
    [
      "the account the author moved to changes",
      (s) =>
        other.query("UPDATE accounts SET display_name = 'New home' WHERE id = $1", [
          s.movedTo.account.id,
        ]),
      moveAuthor,
    ],
    [
      // `moved` shows that account's users row (its role, `noindex`).
      "the user of the account the author moved to changes",
      (s) =>
        other.query(
          "UPDATE users SET settings = settings || '{\"noindex\": true}' WHERE account_id = $1",
          [s.movedTo.account.id],
        ),
      moveAuthor,
    ],
    [
      "the author is suspended",
      (s) =>
        other.query("UPDATE accounts SET suspended_at = now() WHERE id = $1", [
          s.author.account.id,
        ]),
    ],
    [
      "the feed gets a new entry",
      async (s) => {
        const fresh = await insertStatus(t, s.stranger.account, { text: "fresh" });
        await other.query("INSERT INTO home_feed_entries (account_id, status_id) VALUES ($1, $2)", [
          s.viewer.account.id,
          fresh.id,
        ]);
      },
    ],
    [
      "a feed entry goes",
      (s) =>
        other.query("DELETE FROM home_feed_entries WHERE account_id = $1 AND status_id = $2", [
          s.viewer.account.id,
          s.ids.far,
        ]),
    ],
    [
      // The open status's text uses the shortcode already.
      "a custom emoji appears",
      () =>
        other.query(
          `INSERT INTO custom_emojis (id, shortcode, image_url, static_image_url)
           VALUES ($1, $2, 'a.png', 'a.png')`,
          [newId(), `herd_page_${++emojis}`],
        ),
    ],
  ];

  async function sqlInsert(
    table: string,
    account: TestUser,
    target: TestUser | null,
    statusId?: string,
  ) {
    if (target)
      await other.query(
        `INSERT INTO ${table} (id, account_id, target_account_id) VALUES ($1, $2, $3)`,
        [newId(), account.account.id, target.account.id],
      );
    else
      await other.query(`INSERT INTO ${table} (id, account_id, status_id) VALUES ($1, $2, $3)`, [
        newId(),
        account.account.id,
        statusId,
      ]);
  }

  // Suspension hides; lifting it shows statuses the pages held no trace of.
  changes.push([
    "the author is unsuspended",
    (s) =>
      other.query("UPDATE accounts SET suspended_at = NULL WHERE id = $1", [s.author.account.id]),
    (s) =>
      other.query("UPDATE accounts SET suspended_at = now() WHERE id = $1", [s.author.account.id]),
  ]);

  for (const [name, change, prepare] of changes) {
    it(`shows a change by another connection: ${name}`, async () => {
      const s = await scene();
      const ids = Object.values(s.ids);
      await prepare?.(s);
      await agree(s.viewer, ids, true);
      await warm(s.viewer, ids);
      const before = (await snapshot(s.viewer, ids)).truth;
      await change(s);
      expect((await snapshot(s.viewer, ids)).truth).not.toEqual(before);
      await agree(s.viewer, ids, true);
    });
  }

  // Through the instance's own pool (the API, a domain function, a job):
  // the very next request sees it, no waiting.
  const ownChanges: [string, (s: Scene) => Promise<unknown>][] = [
    [
      "the viewer blocks the author",
      (s) => call(s.viewer, "POST", `/api/v1/accounts/${s.author.account.id}/block`),
    ],
    [
      "the author blocks the viewer",
      (s) => call(s.author, "POST", `/api/v1/accounts/${s.viewer.account.id}/block`),
    ],
    [
      "the viewer unfollows the author",
      (s) => call(s.viewer, "POST", `/api/v1/accounts/${s.author.account.id}/unfollow`),
    ],
    [
      "the viewer favourites",
      (s) => call(s.viewer, "POST", `/api/v1/statuses/${s.ids.open}/favourite`),
    ],
    [
      "the viewer votes",
      async (s) =>
        call(s.viewer, "POST", `/api/v1/polls/${await pollOf(s)}/votes`, { choices: [0] }),
    ],
    [
      "the author deletes a status",
      (s) => call(s.author, "DELETE", `/api/v1/statuses/${s.ids.closed}`),
    ],
    [
      "the author edits a status",
      (s) =>
        call(s.author, "PUT", `/api/v1/statuses/${s.ids.poll}`, {
          status: "vote again",
          poll: { options: ["c", "d"], expires_in: 600 },
        }),
    ],
    [
      "the author is suspended (plain SQL on the pool)",
      (s) =>
        t.database.pool.query("UPDATE accounts SET suspended_at = now() WHERE id = $1", [
          s.author.account.id,
        ]),
    ],
  ];

  for (const [name, change] of ownChanges) {
    it(`shows a change through the instance's pool at once: ${name}`, async () => {
      const s = await scene();
      const ids = Object.values(s.ids);
      await warm(s.viewer, ids);
      const before = (await snapshot(s.viewer, ids)).truth;
      await change(s);
      expect((await snapshot(s.viewer, ids)).truth).not.toEqual(before);
      await agree(s.viewer, ids, false);
    });
  }

  it("shows what the clock changes: a mute that ends, a poll that closes", async () => {
    const s = await scene();
    const ids = Object.values(s.ids);
    await other.query(
      "INSERT INTO mutes (id, account_id, target_account_id, expires_at) VALUES ($1, $2, $3, now() + interval '1 second')",
      [newId(), s.viewer.account.id, s.author.account.id],
    );
    await other.query(
      "UPDATE polls SET expires_at = now() + interval '1.5 seconds' WHERE status_id = $1",
      [s.ids.poll],
    );
    await agree(s.viewer, ids, true);
    const muted = (await snapshot(s.viewer, ids)).truth;
    await warm(s.viewer, ids);
    // Nothing is written when a mute ends or a poll closes: each page is
    // kept only until its first such moment.
    await new Promise((r) => setTimeout(r, 1_100));
    const unmuted = (await snapshot(s.viewer, ids)).truth;
    expect(unmuted).not.toEqual(muted);
    await agree(s.viewer, ids, false);
    await warm(s.viewer, ids);
    await new Promise((r) => setTimeout(r, 500));
    expect((await snapshot(s.viewer, ids)).truth).not.toEqual(unmuted);
    await agree(s.viewer, ids, false);
  });

  it("closes a poll by the clock that decides `expired`, however PostgreSQL's differs", async () => {
    const s = await scene();
    const ids = Object.values(s.ids);
    // Closed 1 s ago by PostgreSQL's clock, open for 1 s more by Herd's.
    await other.query(
      "UPDATE polls SET expires_at = now() - interval '1 second' WHERE status_id = $1",
      [s.ids.poll],
    );
    const realNow = Date.now.bind(Date);
    const behind = vi.spyOn(Date, "now").mockImplementation(() => realNow() - 2_000);
    try {
      await agree(s.viewer, ids, true);
      await warm(s.viewer, ids);
      const open = (await snapshot(s.viewer, ids)).truth;
      await new Promise((r) => setTimeout(r, 1_200));
      expect((await snapshot(s.viewer, ids)).truth).not.toEqual(open);
      await agree(s.viewer, ids, false);
    } finally {
      behind.mockRestore();
    }
  });

  it("renders a page once for concurrent readers who miss it", async () => {
    const s = await scene();
    // The scene's own notifications, heard late on idle connections, would
    // (rightly) refuse to keep a page read before them.
    await new Promise((r) => setTimeout(r, 300));
    // The page statement goes through the pool's own query.
    const proto = t.database.pool as unknown as { query: (...a: unknown[]) => unknown };
    const original = proto.query;
    let renders = 0;
    proto.query = function (this: unknown, ...args: unknown[]) {
      const config = args[0] as { name?: string } | null;
      if (typeof config === "object" && config?.name === "herd_home_shown_desc") renders++;
      return original.apply(this, args);
    };
    try {
      const answers = await Promise.all(Array.from({ length: 8 }, () => homeAnswer(s.viewer)));
      expect(renders).toBe(1);
      const truth = await homeTruth(s.viewer);
      for (const answer of answers) expect(answer).toEqual(truth);
    } finally {
      proto.query = original;
    }
  });

  it("keeps no page that shows nothing, and pages per viewer and query", async () => {
    const s = await scene();
    const nobody = await makeUser(t);
    expect(await homeAnswer(nobody)).toEqual([]);
    // Another reader's page is not the viewer's.
    await follow(t, nobody.account, s.author.account);
    await t.drainJobs();
    await warm(s.viewer, []);
    expect(await homeAnswer(nobody)).toEqual(await homeTruth(nobody));
    expect(await homeAnswer(s.viewer)).toEqual(await homeTruth(s.viewer));
    // Each query its own page.
    const first = (await t.json("/api/v1/timelines/home?limit=2", { token: s.viewer.token }))
      .body as { id: string }[];
    const next = await t.json(`/api/v1/timelines/home?limit=2&max_id=${first[1]!.id}`, {
      token: s.viewer.token,
    });
    expect(next.body).toEqual(
      JSON.parse(
        (
          await renderStatusesJson(
            db,
            await homeTimelineIds(
              db,
              s.viewer.account.id,
              pageQuery({ limit: "2", max_id: first[1]!.id }, 20, 40),
            ),
            s.viewer.account.id,
            urls,
          )
        ).json.toString(),
      ),
    );
    expect(next.res.headers.get("link")).toContain(`max_id=`);
  });
});

async function call(user: TestUser, method: string, p: string, json: unknown = {}) {
  const res = await t.json(p, { method, token: user.token, json });
  if (res.status !== 200)
    throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function pollOf(s: Scene): Promise<string> {
  const { rows } = await other.query<{ id: string }>(
    "SELECT id::text FROM polls WHERE status_id = $1",
    [s.ids.poll],
  );
  return rows[0]!.id;
}
