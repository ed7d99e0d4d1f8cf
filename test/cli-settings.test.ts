// `herd settings ...` and `herd db ...` run in-process against this file's
// database; their effects are checked through the instance API
// (https://docs.joinmastodon.org/methods/instance/).
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { getSettings } from "../src/domain/instance/settings.ts";
import { makeUser } from "./kit/fixtures.ts";
import { cliFor } from "./kit/cli.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const dataDir = await mkdtemp(path.join(os.tmpdir(), "herd-cli-"));
await chmod(dataDir, 0o755);
afterAll(() => rm(dataDir, { recursive: true, force: true }));

const herd = cliFor(t, dataDir);

const ok = { code: 0, out: ["OK"], err: [] };

/**
 * The instance as the API shows it once the command's change is heard: the
 * CLI writes through a pool of its own, as from another process, and the
 * server's cache of the rendered instance forgets it when the database's
 * notification arrives, within milliseconds (src/mastodon/entities/instance-json.ts).
 */
function instanceShows(path: string, check: (body: any) => void): Promise<void> {
  return vi.waitFor(async () => check((await t.json(path)).body), { timeout: 5000, interval: 20 });
}

describe("herd settings registrations", () => {
  it("close: registrations disabled in /api/v1/instance and /api/v2/instance", async () => {
    expect(await herd("settings", "registrations", "close")).toEqual(ok);
    expect((await getSettings(t.database.db)).registrations_mode).toBe("none");
    await instanceShows("/api/v1/instance", (v1) =>
      expect(v1).toMatchObject({ registrations: false, approval_required: false }),
    );
    await instanceShows("/api/v2/instance", (v2) =>
      expect(v2.registrations).toMatchObject({ enabled: false, approval_required: false }),
    );
  });

  it("approved: approval required, with --require-reason and --no-require-reason", async () => {
    expect(await herd("settings", "registrations", "approved", "--require-reason")).toEqual(ok);
    await instanceShows("/api/v2/instance", (v2) =>
      expect(v2.registrations).toMatchObject({
        enabled: true,
        approval_required: true,
        reason_required: true,
      }),
    );
    expect(await herd("settings", "registrations", "approved", "--no-require-reason")).toEqual(ok);
    await instanceShows("/api/v2/instance", (v2) =>
      expect(v2.registrations).toMatchObject({
        approval_required: true,
        reason_required: false,
      }),
    );
    // Thor's alias and underscore spelling.
    expect(await herd("settings", "registrations", "approved", "--require_invite_text")).toEqual(
      ok,
    );
    expect((await getSettings(t.database.db)).require_invite_text).toBe(true);
  });

  it("open: registrations enabled without approval", async () => {
    expect(await herd("settings", "registrations", "open")).toEqual(ok);
    await instanceShows("/api/v1/instance", (v1) =>
      expect(v1).toMatchObject({ registrations: true, approval_required: false }),
    );
  });

  it("refuses an unknown mode and arguments", async () => {
    const r = await herd("settings", "registrations", "maybe");
    expect(r.code).toBe(1);
    expect(r.err[0]).toBe('herd: unknown command "settings registrations maybe"');
    expect(r.err.join("\n")).toContain("herd settings registrations approved");
    const extra = await herd("settings", "registrations", "open", "now");
    expect(extra.code).toBe(1);
    expect(extra.err[0]).toBe(
      'herd: "herd settings registrations open" was called with too many arguments: now',
    );
  });
});

describe("herd settings set / get", () => {
  it("sets texts shown by the instance API", async () => {
    const owner = await makeUser(t);
    expect(await herd("settings", "set", "site_title", "Goat Herd")).toEqual(ok);
    expect(await herd("settings", "set", "site_short_description", "Bleats only.")).toEqual(ok);
    expect(await herd("settings", "set", "site_contact_email", "admin@herd.test")).toEqual(ok);
    expect(await herd("settings", "set", "site_contact_username", owner.account.username)).toEqual(
      ok,
    );
    await instanceShows("/api/v2/instance", (v2) => {
      expect(v2).toMatchObject({ title: "Goat Herd", description: "Bleats only." });
      expect(v2.contact.email).toBe("admin@herd.test");
      expect(v2.contact.account.id).toBe(owner.account.id);
    });
    await instanceShows("/api/v1/instance", (v1) =>
      expect(v1).toMatchObject({ title: "Goat Herd", email: "admin@herd.test" }),
    );
  });

  it("parses booleans and checks choices", async () => {
    expect(await herd("settings", "set", "peers_api_enabled", "false")).toEqual(ok);
    expect((await t.request("/api/v1/instance/peers")).status).toBe(404);
    expect(await herd("settings", "set", "peers_api_enabled", "yes")).toEqual(ok);
    expect((await t.request("/api/v1/instance/peers")).status).toBe(200);
    expect(await herd("settings", "set", "timeline_preview", "maybe")).toEqual({
      code: 1,
      out: [],
      err: ['timeline_preview must be true or false, got "maybe"'],
    });
    expect(await herd("settings", "set", "show_domain_blocks", "everyone")).toEqual({
      code: 1,
      out: [],
      err: ['show_domain_blocks must be one of all, users, disabled, got "everyone"'],
    });
    expect(await herd("settings", "set", "registrations_mode", "approved")).toEqual(ok);
    expect((await getSettings(t.database.db)).registrations_mode).toBe("approved");
    await herd("settings", "registrations", "open");
  });

  it("refuses unknown settings", async () => {
    const r = await herd("settings", "set", "site_colour", "blue");
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/^Unknown setting: site_colour \(known: site_title, /);
    expect((await herd("settings", "get", "nope")).code).toBe(1);
  });

  it("gets one value as it is, or every setting as key: JSON", async () => {
    await herd("settings", "set", "site_extended_description", "Line one\nLine two");
    expect(await herd("settings", "get", "site_extended_description")).toEqual({
      code: 0,
      out: ["Line one\nLine two"],
      err: [],
    });
    const all = await herd("settings", "get");
    expect(all.code).toBe(0);
    expect(all.out).toContain('site_title: "Goat Herd"');
    expect(all.out).toContain('site_extended_description: "Line one\\nLine two"');
    expect(all.out).toContain("peers_api_enabled: true");
    expect(all.out.find((l) => l.startsWith("registrations_mode: "))).toBe(
      'registrations_mode: "open"',
    );
  });
});

describe("herd settings rules", () => {
  it("adds, lists and removes rules, as GET /api/v1/instance/rules shows", async () => {
    const first = await herd("settings", "rules", "add", "Be kind.", "--hint", "To everyone.");
    expect(first.code).toBe(0);
    const id = /^OK, added rule (\d+)$/.exec(first.out[0]!)![1]!;
    const second = await herd("settings", "rules", "add", "No spam.");
    const id2 = /^OK, added rule (\d+)$/.exec(second.out[0]!)![1]!;
    let rules = await t.json("/api/v1/instance/rules");
    expect(rules.body).toEqual([
      { id, text: "Be kind.", hint: "To everyone.", translations: {} },
      { id: id2, text: "No spam.", hint: "", translations: {} },
    ]);
    expect(await herd("settings", "rules", "list")).toEqual({
      code: 0,
      out: [`${id}\tBe kind.`, "\tTo everyone.", `${id2}\tNo spam.`],
      err: [],
    });
    expect(await herd("settings", "rules", "remove", id)).toEqual(ok);
    rules = await t.json("/api/v1/instance/rules");
    expect(rules.body.map((r: { id: string }) => r.id)).toEqual([id2]);
    expect(await herd("settings", "rules", "remove", id)).toEqual({
      code: 1,
      out: [],
      err: ["No such rule"],
    });
  });

  it("reports a rule that is too long as a validation failure", async () => {
    const r = await herd("settings", "rules", "add", "x".repeat(301));
    expect(r).toEqual({ code: 1, out: [], err: ["Failure/Error: text", "    too_long"] });
    expect((await herd("settings", "rules", "add")).code).toBe(1);
  });
});

describe("herd db", () => {
  it("migrate says there is nothing to do on a migrated database; status lists them", async () => {
    expect(await herd("db", "migrate")).toEqual({
      code: 0,
      out: ["Nothing to migrate"],
      err: [],
    });
    const status = await herd("db", "status");
    expect(status.code).toBe(0);
    expect(status.out[0]).toBe("up    0001_initial.sql");
    expect(status.out.every((l) => l.startsWith("up    "))).toBe(true);
  });
});
