// The cache of bearer tokens (src/domain/oauth/token-cache.ts): used, and
// never serving what the database no longer says: a change made through the
// instance's own pool shows on the very next request, one made by another
// connection (another process, the CLI, plain SQL) as soon as its
// notification arrives, whatever table of the four it touches.
import pg from "pg";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { poolListener } from "../src/db/pool-notifications.ts";
import { fakeNotifications } from "./kit/fake-notifications.ts";
import { tokenCacheOf, type CachedToken } from "../src/domain/oauth/token-cache.ts";
import { createTestInstance, type TestInstance } from "./kit/instance.ts";
import { makeUser, tokenFor } from "./kit/fixtures.ts";

let t: TestInstance;
let other: pg.Client;

beforeAll(async () => {
  t = await createTestInstance();
  other = new pg.Client({ connectionString: t.url });
  await other.connect();
});
afterAll(async () => {
  await other.end();
});

const credentials = (token: string) => t.json("/api/v1/accounts/verify_credentials", { token });

/** Polls `check` until it holds (a notification from another connection is asynchronous). */
async function eventually(check: () => Promise<boolean>, ms = 5_000) {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error("never happened");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Runs `sql` on the other connection with the triggers off: a change the cache is not told of. */
async function unannounced(sql: string, values: unknown[]) {
  await other.query("BEGIN");
  await other.query("SET LOCAL session_replication_role = replica");
  await other.query(sql, values);
  await other.query("COMMIT");
}

describe("the token cache", () => {
  it("answers from memory: a change the database does not announce is not seen", async () => {
    const alice = await makeUser(t);
    expect((await credentials(alice.token)).status).toBe(200);
    // Nothing tells the cache: the token read before is still used.
    await unannounced("UPDATE oauth_access_tokens SET scopes = 'write' WHERE user_id = $1", [
      alice.user.id,
    ]);
    expect((await credentials(alice.token)).status).toBe(200);
    // An announced change of the same token: forgotten, read again (scope gone).
    await other.query(
      "UPDATE oauth_access_tokens SET expires_at = now() + interval '1 day' WHERE user_id = $1",
      [alice.user.id],
    );
    await eventually(async () => (await credentials(alice.token)).status === 403);
  });

  it("a token revoked through the instance's pool fails on the very next request", async () => {
    const bob = await makeUser(t);
    expect((await credentials(bob.token)).status).toBe(200);
    // Through the instance's own pool, as POST /oauth/revoke and every
    // domain function write (test/oauth-token.test.ts revokes through the
    // API itself and reads the 401 at once).
    await t.database.pool.query(
      "UPDATE oauth_access_tokens SET revoked_at = now() WHERE user_id = $1",
      [bob.user.id],
    );
    const res = await credentials(bob.token);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: "The access token was revoked" });
  });

  it("a change by another connection shows once its notification arrives", async () => {
    const cases: [string, (u: Awaited<ReturnType<typeof makeUser>>) => Promise<unknown>, number][] =
      [
        [
          "token revoked",
          (u) =>
            other.query("UPDATE oauth_access_tokens SET revoked_at = now() WHERE user_id = $1", [
              u.user.id,
            ]),
          401,
        ],
        [
          "token deleted",
          (u) => other.query("DELETE FROM oauth_access_tokens WHERE user_id = $1", [u.user.id]),
          401,
        ],
        [
          "user disabled",
          (u) => other.query("UPDATE users SET disabled = true WHERE id = $1", [u.user.id]),
          403,
        ],
        [
          "account suspended",
          (u) =>
            other.query("UPDATE accounts SET suspended_at = now() WHERE id = $1", [u.account.id]),
          403,
        ],
        [
          "application deleted",
          (u) =>
            other.query(
              "DELETE FROM oauth_applications WHERE id IN (SELECT application_id FROM oauth_access_tokens WHERE user_id = $1)",
              [u.user.id],
            ),
          401,
        ],
      ];
    for (const [name, change, status] of cases) {
      const u = await makeUser(t);
      expect((await credentials(u.token)).status, name).toBe(200);
      await change(u);
      await eventually(async () => (await credentials(u.token)).status === status);
    }
  });

  it("records a token's use from a cached token, at most once a minute", async () => {
    const frank = await makeUser(t);
    const lastUsed = async () =>
      (
        await other.query<{ at: Date | null }>(
          "SELECT last_used_at AS at FROM oauth_access_tokens WHERE user_id = $1",
          [frank.user.id],
        )
      ).rows[0]!.at;
    expect(await lastUsed()).toBeNull();
    expect((await credentials(frank.token)).status).toBe(200);
    await eventually(async () => (await lastUsed()) !== null);
    const first = (await lastUsed())!.getTime();
    for (let i = 0; i < 3; i++) expect((await credentials(frank.token)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    expect((await lastUsed())!.getTime()).toBe(first);
  });

  it("a profile changed through the API reads back at once", async () => {
    const carol = await makeUser(t);
    expect((await credentials(carol.token)).body.display_name).toBe("");
    const patched = await t.json("/api/v1/accounts/update_credentials", {
      method: "PATCH",
      token: carol.token,
      json: { display_name: "Carol" },
    });
    expect(patched.status).toBe(200);
    expect((await credentials(carol.token)).body.display_name).toBe("Carol");
  });

  it("recording a token's use announces nothing; changing it does", async () => {
    const dave = await makeUser(t);
    const heard: string[] = [];
    const listener = new pg.Client({ connectionString: t.url });
    await listener.connect();
    listener.on("notification", (m) => heard.push(m.payload ?? ""));
    await listener.query("LISTEN herd_auth");
    const { rows } = await other.query<{ id: string }>(
      "SELECT id::text FROM oauth_access_tokens WHERE user_id = $1",
      [dave.user.id],
    );
    const id = rows[0]!.id;
    await other.query("UPDATE oauth_access_tokens SET last_used_at = now() WHERE id = $1", [id]);
    await other.query("UPDATE oauth_access_tokens SET scopes = 'read' WHERE id = $1", [id]);
    await other.query("UPDATE accounts SET note = 'x' WHERE id = $1", [dave.account.id]);
    await other.query("UPDATE accounts SET note = 'x' WHERE domain IS NOT NULL");
    await eventually(async () => heard.length >= 2);
    await other.query("SELECT herd_auth_notify('t', repeat('1234567,', 1000))");
    await eventually(async () => heard.length >= 3);
    await listener.end();
    // Each payload starts with its transaction's id, which makes it unique.
    expect(heard.every((p) => /^\d+ /.test(p))).toBe(true);
    expect(new Set(heard.map((p) => p.split(" ")[0])).size).toBe(3);
    expect(heard.map((p) => p.slice(p.indexOf(" ") + 1))).toEqual([
      `t:${id}`,
      `a:${dave.account.id}`,
      "*",
    ]);
  });

  it("a token revoked in a transaction of the instance's pool fails on the next request", async () => {
    const erin = await makeUser(t);
    expect((await credentials(erin.token)).status).toBe(200);
    await t.database.db.transaction(async (tx) => {
      await tx.execute(
        sql`UPDATE oauth_access_tokens SET revoked_at = now() WHERE user_id = ${erin.user.id}`,
      );
      await tx.execute(sql`SELECT 1`);
    });
    expect((await credentials(erin.token)).status).toBe(401);
  });

  it("an app-only token is cached and forgotten with its application", async () => {
    const token = await tokenFor(t, null, ["read"]);
    const verify = () => t.json("/api/v1/apps/verify_credentials", { token });
    expect((await verify()).status).toBe(200);
    await t.database.pool.query(
      "UPDATE oauth_applications SET name = 'Renamed' WHERE id IN (SELECT application_id FROM oauth_access_tokens WHERE user_id IS NULL)",
    );
    expect((await verify()).body.name).toBe("Renamed");
  });
});

describe("a table truncated", () => {
  // Last in the file: it empties the instance's tokens.
  it("tells listeners to forget everything", async () => {
    const heard: string[] = [];
    const listener = new pg.Client({ connectionString: t.url });
    await listener.connect();
    listener.on("notification", (m) => heard.push(m.payload ?? ""));
    await listener.query("LISTEN herd_auth");
    await other.query("TRUNCATE oauth_access_tokens CASCADE");
    await eventually(async () => heard.length >= 1);
    await listener.end();
    expect(heard.map((p) => p.slice(p.indexOf(" ") + 1))).toEqual(["*"]);
  });
});

describe("tokenCacheOf", () => {
  function fakeSource() {
    const fake = fakeNotifications();
    return { ...fake, database: { authChanges: fake.source } };
  }
  const entry = (tokenId: string, userId: string): CachedToken => ({
    auth: {
      token: { id: tokenId } as never,
      scopes: [],
      application: { id: "9" } as never,
      user: { id: userId } as never,
      account: { id: `1${userId}` } as never,
    },
    touchedAt: 0,
  });

  it("keeps nothing read while a change to one of its rows was announced", () => {
    const s = fakeSource();
    const cache = tokenCacheOf(s.database);
    const store = cache.begin();
    s.say("10 u:2");
    store("d1", entry("1", "2"));
    expect(cache.get("d1")).toBeUndefined();
    // A change to other rows meanwhile does not matter.
    const again = cache.begin();
    s.say("11 u:5,7");
    s.say("12 t:3");
    again("d1", entry("1", "2"));
    expect(cache.get("d1")).toBeDefined();
    // "Everything" does.
    const third = cache.begin();
    s.say("13 *");
    third("d2", entry("3", "4"));
    expect(cache.get("d2")).toBeUndefined();
  });

  it("acts on a notification once, however many connections hear it", () => {
    const s = fakeSource();
    const cache = tokenCacheOf(s.database);
    s.say("11 u:5");
    const store = cache.begin();
    s.say("11 u:5"); // the same, from another connection
    store("d1", entry("1", "2"));
    expect(cache.get("d1")).toBeDefined();
    s.say("12 u:2");
    expect(cache.get("d1")).toBeUndefined();
  });

  it("trusts an entry for 30 seconds at most", () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    try {
      const s = fakeSource();
      const cache = tokenCacheOf(s.database);
      cache.begin()("d1", entry("1", "2"));
      vi.advanceTimersByTime(29_000);
      expect(cache.get("d1")).toBeDefined();
      vi.advanceTimersByTime(2_000);
      expect(cache.get("d1")).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it("forgets by each of a token's rows, and everything on '*' or a lost listener", () => {
    const s = fakeSource();
    const cache = tokenCacheOf(s.database);
    const fill = () => {
      cache.begin()("d1", entry("1", "2"));
      cache.begin()("d2", entry("3", "4"));
    };
    for (const [payload, left] of [
      ["20 t:1", ["d2"]],
      ["21 t:7,3", ["d1"]],
      ["22 u:4", ["d1"]],
      ["23 a:12", ["d2"]],
      ["24 app:9", []],
      ["25 u:99", ["d1", "d2"]],
      ["26 *", []],
      [null, []],
    ] as const) {
      fill();
      s.say(payload);
      expect(
        ["d1", "d2"].filter((d) => cache.get(d)),
        String(payload),
      ).toEqual(left);
    }
  });

  it("keeps and serves nothing while no connection listens", () => {
    const s = fakeSource();
    const cache = tokenCacheOf(s.database);
    cache.begin()("d1", entry("1", "2"));
    s.setListening(0);
    expect(cache.get("d1")).toBeUndefined();
    cache.begin()("d2", entry("3", "4"));
    s.setListening(1);
    expect(cache.get("d2")).toBeUndefined();
  });
});

describe("poolListener", () => {
  it("counts no connection as listening once one could not LISTEN", async () => {
    const listener = poolListener("herd_auth");
    const told: (string | null)[] = [];
    listener.notifications.subscribe((p) => told.push(p));
    const client = (fails: boolean) =>
      ({
        on: () => undefined,
        query: () => (fails ? Promise.reject(new Error("no LISTEN here")) : Promise.resolve()),
      }) as never;
    await listener.onConnect(client(false));
    expect(listener.notifications.listening()).toBe(1);
    await listener.onConnect(client(true));
    expect(listener.notifications.listening()).toBe(0);
    await listener.onConnect(client(false));
    expect(listener.notifications.listening()).toBe(0);
    expect(told).toEqual([null]);
  });
});
