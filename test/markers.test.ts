// Timeline markers: GET and POST /api/v1/markers, with Mastodon's optimistic
// locking (a version that counts changes, and a 409 for a change that raced).
import pg from "pg";
import { describe, expect, it } from "vitest";
import { makeUser, tokenFor } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();

describe("markers", () => {
  it("saves and reads the home and notifications markers", async () => {
    const me = await makeUser(t);
    expect(
      (
        await t.json("/api/v1/markers?timeline[]=home&timeline[]=notifications", {
          token: me.token,
        })
      ).body,
    ).toEqual({});
    const saved = await t.json("/api/v1/markers", {
      token: me.token,
      form: { "home[last_read_id]": "103194548672408537" },
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({
      home: {
        last_read_id: "103194548672408537",
        version: 0,
        updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      },
    });
    const both = await t.json("/api/v1/markers", {
      token: me.token,
      json: {
        home: { last_read_id: "103194548672408538" },
        notifications: { last_read_id: 35098814 },
      },
    });
    expect(both.body).toMatchObject({
      home: { last_read_id: "103194548672408538", version: 1 },
      notifications: { last_read_id: "35098814", version: 0 },
    });
    // The same value again changes nothing, not even the version.
    const same = await t.json("/api/v1/markers", {
      token: me.token,
      json: { home: { last_read_id: "103194548672408538" } },
    });
    expect(same.body.home).toEqual(both.body.home);

    const read = await t.json("/api/v1/markers?timeline[]=home&timeline[]=notifications", {
      token: me.token,
    });
    expect(read.body).toEqual({ home: both.body.home, notifications: both.body.notifications });
    expect(
      Object.keys((await t.json("/api/v1/markers?timeline=home", { token: me.token })).body),
    ).toEqual(["home"]);
    expect((await t.json("/api/v1/markers?timeline[]=public", { token: me.token })).body).toEqual(
      {},
    );
    expect((await t.json("/api/v1/markers", { token: me.token })).body).toEqual({});
    // Another user's markers are their own.
    const other = await makeUser(t);
    expect((await t.json("/api/v1/markers?timeline[]=home", { token: other.token })).body).toEqual(
      {},
    );
  });

  it("accepts multipart and ignores other timelines and parameters", async () => {
    const me = await makeUser(t);
    const form = new FormData();
    form.set("notifications[last_read_id]", "42");
    form.set("public[last_read_id]", "1");
    const res = await t.json("/api/v1/markers", { token: me.token, multipart: form });
    expect(res.body).toEqual({ notifications: expect.objectContaining({ last_read_id: "42" }) });
    expect(
      (await t.json("/api/v1/markers", { token: me.token, json: { home: "5" } })).body,
    ).toEqual({});
  });

  it("refuses a new marker without an id, and ids that are not ids", async () => {
    const me = await makeUser(t);
    expect(
      await t.json("/api/v1/markers", { token: me.token, json: { home: { foo: "1" } } }),
    ).toMatchObject({
      status: 422,
      body: { error: "Validation failed: Last read can't be blank" },
    });
    expect(
      (await t.json("/api/v1/markers", { token: me.token, json: { home: { last_read_id: "x1" } } }))
        .status,
    ).toBe(422);
    expect(
      (
        await t.json("/api/v1/markers", {
          token: me.token,
          json: { home: { last_read_id: "99999999999999999999" } },
        })
      ).status,
    ).toBe(422);
    expect(
      (
        await t.json("/api/v1/markers", {
          token: me.token,
          body: "{",
          headers: { "content-type": "application/json" },
        })
      ).status,
    ).toBe(400);
  });

  it("checks tokens and scopes", async () => {
    const me = await makeUser(t);
    expect((await t.json("/api/v1/markers")).status).toBe(401);
    const readOnly = await tokenFor(t, me.user.id, ["read:statuses"]);
    expect((await t.json("/api/v1/markers", { token: readOnly })).status).toBe(200);
    expect(
      await t.json("/api/v1/markers", {
        token: readOnly,
        json: { home: { last_read_id: "1" } },
      }),
    ).toMatchObject({ status: 403 });
    const writeOnly = await tokenFor(t, me.user.id, ["write:statuses"]);
    expect((await t.json("/api/v1/markers", { token: writeOnly })).status).toBe(403);
    const appOnly = await tokenFor(t, null, ["read", "write"]);
    expect((await t.json("/api/v1/markers", { token: appOnly })).status).toBe(422);
  });

  it("answers 409 when another change got in between", async () => {
    const me = await makeUser(t);
    await t.json("/api/v1/markers", { token: me.token, json: { home: { last_read_id: "10" } } });
    const other = new pg.Client({ connectionString: t.url });
    await other.connect();
    try {
      // Another request changes the marker and has not committed yet.
      await other.query("BEGIN");
      await other.query(
        "UPDATE markers SET last_read_id = 20, lock_version = lock_version + 1 WHERE account_id = $1 AND timeline = 'home'",
        [me.account.id],
      );
      const racing = t.json("/api/v1/markers", {
        token: me.token,
        json: { home: { last_read_id: "30" } },
      });
      // Wait until this request read the old version and waits on the row.
      for (let i = 0; ; i++) {
        const { rows } = await other.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        );
        if (rows[0].n > 0) break;
        if (i > 500) throw new Error("the request never waited on the marker");
        await new Promise((r) => setTimeout(r, 10));
      }
      await other.query("COMMIT");
      expect(await racing).toMatchObject({
        status: 409,
        body: { error: "Conflict during update, please try again" },
      });
    } finally {
      await other.end();
    }
    const now = await t.json("/api/v1/markers?timeline[]=home", { token: me.token });
    expect(now.body.home).toMatchObject({ last_read_id: "20", version: 1 });
  });
});
