// GET /api/v1/instance and /api/v2/instance rendered once and kept
// (src/mastodon/entities/instance-json.ts): a repeated request reads nothing
// from PostgreSQL, and a change to what they show (a setting, a rule, the
// contact account, its user) shows on the next request when made through
// the instance's pool, and as soon as its notification arrives when made by
// another connection (the CLI in another process, plain SQL).
import { afterAll, describe, expect, it, vi } from "vitest";
import pg from "pg";
import { addRule } from "../src/domain/instance/rules.ts";
import { setSettings } from "../src/domain/instance/settings.ts";
import { forgetInstanceStats } from "../src/domain/instance/stats.ts";
import { makeUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const db = t.database.db;
const other = new pg.Client({ connectionString: t.url });
await other.connect();
afterAll(() => other.end());

const v1 = async () => (await t.json("/api/v1/instance")).body;
const v2 = async () => (await t.json("/api/v2/instance")).body;

/** The statements sent through the instance's pool while `fn` runs. */
async function statementsDuring(fn: () => Promise<unknown>): Promise<unknown[]> {
  const pool = t.database.pool as unknown as { query: (...a: unknown[]) => unknown };
  const original = pool.query;
  const seen: unknown[] = [];
  pool.query = function (this: unknown, ...args: unknown[]) {
    seen.push(args[0]);
    return original.apply(this, args);
  };
  try {
    await fn();
  } finally {
    pool.query = original;
  }
  return seen;
}

describe("the instance, rendered once", () => {
  it("answers a repeated request from memory, each version its own", async () => {
    // Made once: the settings, the rules and the counts are read.
    let first: unknown;
    let firstV1: unknown;
    const made = await statementsDuring(async () => {
      first = await v2();
      firstV1 = await v1();
    });
    expect(made.length).toBeGreaterThan(0);
    const statements = await statementsDuring(async () => {
      expect(await v2()).toEqual(first);
      expect(await v1()).toEqual(firstV1);
    });
    expect(statements).toEqual([]);
  });

  it("shows a setting changed through the pool on the next request", async () => {
    await v2();
    await setSettings(db, { site_title: "Herd, renamed" });
    expect((await v2()).title).toBe("Herd, renamed");
    expect((await v1()).title).toBe("Herd, renamed");
  });

  it("shows a setting changed by another connection once its notification arrives", async () => {
    await v1();
    await other.query(
      `INSERT INTO site_settings (key, value) VALUES ('site_short_description', '"Elsewhere"')
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    );
    await vi.waitFor(async () => expect((await v1()).short_description).toBe("Elsewhere"), {
      timeout: 5000,
      interval: 20,
    });
    // And all settings gone at once (TRUNCATE): the defaults again.
    await other.query("TRUNCATE site_settings");
    await vi.waitFor(async () => expect((await v2()).title).toBe("Herd"), {
      timeout: 5000,
      interval: 20,
    });
  });

  it("shows a new rule, and a rule's change by another connection", async () => {
    await v2();
    const rule = await addRule(db, "Be kind");
    expect((await v2()).rules.map((r: { text: string }) => r.text)).toEqual(["Be kind"]);
    await other.query("UPDATE rules SET text = 'Be very kind' WHERE id = $1", [rule.id]);
    await vi.waitFor(
      async () =>
        expect((await v1()).rules.map((r: { text: string }) => r.text)).toEqual(["Be very kind"]),
      { timeout: 5000, interval: 20 },
    );
  });

  it("shows the contact account's changes, its user's too", async () => {
    const contact = await makeUser(t, { username: "cached_contact" });
    await setSettings(db, { site_contact_username: "cached_contact" });
    expect((await v2()).contact.account.username).toBe("cached_contact");
    await other.query("UPDATE accounts SET display_name = 'The Staff' WHERE id = $1", [
      contact.account.id,
    ]);
    await vi.waitFor(
      async () => expect((await v2()).contact.account.display_name).toBe("The Staff"),
      { timeout: 5000, interval: 20 },
    );
    expect((await v1()).contact_account.display_name).toBe("The Staff");
    // A role shows in the Account entity (`roles`), from the users row.
    await other.query("UPDATE users SET role_id = 3 WHERE id = $1", [contact.user.id]);
    await vi.waitFor(async () => expect((await v2()).contact.account.roles).not.toEqual([]), {
      timeout: 5000,
      interval: 20,
    });
  });

  it("shows counts taken again", async () => {
    // The counts are reused for 30 s: take them now.
    forgetInstanceStats(t.deps.database.db);
    const before = (await v1()).stats.user_count;
    await makeUser(t);
    forgetInstanceStats(t.deps.database.db);
    expect((await v1()).stats.user_count).toBe(before + 1);
    expect((await v2()).usage.users.active_month).toBeGreaterThan(0);
  });
});
