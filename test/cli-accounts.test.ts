// `herd accounts ...` run in-process against this file's database, checked
// against tootctl's outputs and exit codes
// (https://docs.joinmastodon.org/admin/tootctl/#accounts) and, where the API
// shows the effect, through HTTP.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../src/cli/main.ts";
import { accounts, oauthAccessTokens, users } from "../src/db/schema/index.ts";
import { authenticateUser } from "../src/domain/accounts/sign-in.ts";
import { setSettings } from "../src/domain/instance/settings.ts";
import type { Mail } from "../src/mail/mailer.ts";
import { cliFor } from "./kit/cli.ts";
import { ofType } from "./kit/fake-inbox.ts";
import { startFakeRemote } from "./kit/fake-remote.ts";
import { makeUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const dataDir = await mkdtemp(path.join(os.tmpdir(), "herd-cli-"));
await chmod(dataDir, 0o755);
afterAll(() => rm(dataDir, { recursive: true, force: true }));
const mails: Mail[] = [];
const herd = cliFor(t, dataDir, { mailer: { send: async (m) => void mails.push(m) } });

async function userNamed(username: string) {
  const [row] = await t.database.db
    .select({ account: accounts, user: users })
    .from(accounts)
    .innerJoin(users, eq(users.accountId, accounts.id))
    .where(eq(accounts.username, username));
  return row;
}

const PASSWORD_LINE = /^New password: ([0-9a-f]{32})$/;

describe("herd accounts create", () => {
  it("creates a confirmed owner and prints OK and a generated password, as tootctl", async () => {
    const r = await herd(
      "accounts",
      "create",
      "alice",
      "--email=alice@example.com",
      "--confirmed",
      "--role",
      "Owner",
    );
    expect(r).toMatchObject({ code: 0, err: [] });
    expect(r.out).toHaveLength(2);
    expect(r.out[0]).toBe("OK");
    const password = PASSWORD_LINE.exec(r.out[1]!)![1]!;
    const row = await userNamed("alice");
    expect(row!.user).toMatchObject({
      email: "alice@example.com",
      roleId: 3,
      approved: true,
      agreement: true,
    });
    expect(row!.user.confirmedAt).toBeInstanceOf(Date);
    // The printed password signs the user in.
    const signedIn = await authenticateUser(t.database.db, "alice@example.com", password);
    expect(signedIn.account.id).toBe(row!.account.id);
    // The account counts on the instance.
    const { body } = await t.json("/api/v1/instance");
    expect(body.stats.user_count).toBeGreaterThanOrEqual(1);
  });

  it("without --confirmed leaves the address unconfirmed and mails a confirmation link", async () => {
    const before = mails.length;
    const r = await herd("accounts", "create", "bob", "--email", "Bob@Example.com");
    expect(r.code).toBe(0);
    const row = await userNamed("bob");
    expect(row!.user.confirmedAt).toBeNull();
    expect(row!.user.roleId).toBeNull();
    expect(row!.user.email).toBe("bob@example.com");
    expect(mails.length).toBe(before + 1);
    expect(mails.at(-1)!.to).toBe("bob@example.com");
    expect(mails.at(-1)!.text).toContain("https://herd.test/auth/confirmation?confirmation_token=");
    const password = PASSWORD_LINE.exec(r.out[1]!)![1]!;
    await expect(authenticateUser(t.database.db, "bob", password)).rejects.toMatchObject({
      reason: "unconfirmed",
    });
  });

  it("accepts Admin and Moderator in any case, and refuses an unknown role", async () => {
    expect(
      (await herd("accounts", "create", "adm", "--email=adm@example.com", "--role=Admin")).code,
    ).toBe(0);
    expect((await userNamed("adm"))!.user.roleId).toBe(2);
    expect(
      (await herd("accounts", "create", "mod1", "--email=mod1@example.com", "--role=moderator"))
        .code,
    ).toBe(0);
    expect((await userNamed("mod1"))!.user.roleId).toBe(1);
    const r = await herd(
      "accounts",
      "create",
      "carol",
      "--email=carol@example.com",
      "--role=Wizard",
    );
    expect(r).toEqual({ code: 1, out: [], err: ["Cannot find user role with that name"] });
    expect(await userNamed("carol")).toBeUndefined();
  });

  it("reports a taken username or e-mail address as tootctl's report_errors", async () => {
    const taken = await herd("accounts", "create", "ALICE", "--email=alice@example.com");
    expect(taken.code).toBe(1);
    expect(taken.out).toEqual([]);
    expect(taken.err.join("\n")).toBe(
      "Failure/Error: email\n    taken\nFailure/Error: account.username\n    taken",
    );
    const invalid = await herd("accounts", "create", "no spaces", "--email=not-an-address");
    expect(invalid.code).toBe(1);
    expect(invalid.err.join("\n")).toContain("Failure/Error: email\n    invalid");
    expect(invalid.err.join("\n")).toContain("Failure/Error: account.username\n    invalid");
  });

  it("allows reserved usernames from the command line", async () => {
    const r = await herd("accounts", "create", "admin", "--email=root@example.com", "--confirmed");
    expect(r.code).toBe(0);
    expect((await userNamed("admin"))!.account.username).toBe("admin");
  });

  it("needs --email and exactly one USERNAME", async () => {
    expect(await herd("accounts", "create", "dave")).toEqual({
      code: 1,
      out: [],
      err: ["No value provided for required options '--email'"],
    });
    const none = await herd("accounts", "create", "--email=x@example.com");
    expect(none.code).toBe(1);
    expect(none.err[0]).toBe('herd: "herd accounts create" was called with too few arguments');
    expect(none.err[1]).toBe("Usage: herd accounts create USERNAME --email=EMAIL [options]");
  });

  it("approves the account only if registrations are open, or with --approve", async () => {
    await setSettings(t.database.db, { registrations_mode: "approved" });
    try {
      await herd("accounts", "create", "erin", "--email=erin@example.com", "--confirmed");
      expect((await userNamed("erin"))!.user.approved).toBe(false);
      await herd(
        "accounts",
        "create",
        "frank",
        "--email=frank@example.com",
        "--confirmed",
        "--approve",
      );
      expect((await userNamed("frank"))!.user.approved).toBe(true);
    } finally {
      await setSettings(t.database.db, { registrations_mode: "open" });
    }
  });

  it("with --reattach refuses a username in use unless --force, which replaces the account", async () => {
    await herd("accounts", "create", "gina", "--email=gina@example.com", "--confirmed");
    const old = await userNamed("gina");
    const refused = await herd(
      "accounts",
      "create",
      "gina",
      "--email=gina2@example.com",
      "--reattach",
    );
    expect(refused).toEqual({
      code: 0,
      out: [
        "The chosen username is currently in use",
        "Use --force to reattach it anyway and delete the other user",
      ],
      err: [],
    });
    const forced = await herd(
      "accounts",
      "create",
      "gina",
      "--email=gina2@example.com",
      "--reattach",
      "--force",
    );
    expect(forced.code).toBe(0);
    const now = await userNamed("gina");
    expect(now!.account.id).not.toBe(old!.account.id);
    expect(now!.user.email).toBe("gina2@example.com");
  });
});

describe("herd accounts modify", () => {
  it("sets and removes roles, and refuses unknown users and roles", async () => {
    const u = await makeUser(t);
    const name = u.account.username;
    expect(await herd("accounts", "modify", name, "--role", "Moderator")).toEqual({
      code: 0,
      out: ["OK"],
      err: [],
    });
    expect((await userNamed(name))!.user.roleId).toBe(1);
    expect((await herd("accounts", "modify", name, "--remove-role")).code).toBe(0);
    expect((await userNamed(name))!.user.roleId).toBeNull();
    expect(await herd("accounts", "modify", "nobody_here", "--approve")).toEqual({
      code: 1,
      out: [],
      err: ["No user with such username"],
    });
    expect((await herd("accounts", "modify", name, "--role=Emperor")).err).toEqual([
      "Cannot find user role with that name",
    ]);
  });

  it("disables and enables a user (Thor's --remove_role spelling works too)", async () => {
    const u = await makeUser(t, { roleId: 2 });
    const name = u.account.username;
    expect((await herd("accounts", "modify", name, "--disable", "--remove_role")).code).toBe(0);
    const disabled = await userNamed(name);
    expect(disabled!.user).toMatchObject({ disabled: true, roleId: null });
    await expect(authenticateUser(t.database.db, name, u.password)).rejects.toMatchObject({
      reason: "disabled",
    });
    expect((await herd("accounts", "modify", name, "--enable")).code).toBe(0);
    expect((await authenticateUser(t.database.db, name, u.password)).user.id).toBe(u.user.id);
  });

  it("changes the e-mail address pending confirmation, or at once with --confirm", async () => {
    const u = await makeUser(t);
    const name = u.account.username;
    const before = mails.length;
    expect((await herd("accounts", "modify", name, "--email", "new@example.com")).code).toBe(0);
    let row = await userNamed(name);
    expect(row!.user.email).toBe(u.user.email);
    expect(row!.user.unconfirmedEmail).toBe("new@example.com");
    expect(mails.length).toBe(before + 1);
    expect(mails.at(-1)!.to).toBe("new@example.com");
    expect((await herd("accounts", "modify", name, "--confirm")).code).toBe(0);
    row = await userNamed(name);
    expect(row!.user).toMatchObject({ email: "new@example.com", unconfirmedEmail: null });
    expect(
      (await herd("accounts", "modify", name, "--email=newer@example.com", "--confirm")).code,
    ).toBe(0);
    expect((await userNamed(name))!.user.email).toBe("newer@example.com");
    expect(mails.length).toBe(before + 1);
    const taken = await herd("accounts", "modify", name, "--email=alice@example.com");
    expect(taken).toEqual({ code: 1, out: [], err: ["Failure/Error: email", "    taken"] });
  });

  it("confirms and approves a pending sign-up", async () => {
    const u = await makeUser(t, { confirmed: false, approved: false });
    const name = u.account.username;
    expect((await herd("accounts", "modify", name, "--confirm", "--approve")).code).toBe(0);
    const row = await userNamed(name);
    expect(row!.user.confirmedAt).toBeInstanceOf(Date);
    expect(row!.user.approved).toBe(true);
  });

  it("--reset-password prints a new password and revokes the user's tokens", async () => {
    const u = await makeUser(t);
    const name = u.account.username;
    expect((await t.request("/api/v1/apps/verify_credentials", { token: u.token })).status).toBe(
      200,
    );
    const r = await herd("accounts", "modify", name, "--reset-password");
    expect(r.code).toBe(0);
    expect(r.out[0]).toBe("OK");
    const password = PASSWORD_LINE.exec(r.out[1]!)![1]!;
    // The CLI writes through a pool of its own (another process in real
    // use): the server's token cache forgets the token when the database's
    // notification of the change arrives (src/domain/oauth/token-cache.ts).
    let res = await t.json("/api/v1/apps/verify_credentials", { token: u.token });
    for (let i = 0; i < 100 && res.status === 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      res = await t.json("/api/v1/apps/verify_credentials", { token: u.token });
    }
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: "The access token was revoked" });
    await expect(authenticateUser(t.database.db, name, u.password)).rejects.toMatchObject({
      reason: "invalid",
    });
    expect((await authenticateUser(t.database.db, name, password)).user.id).toBe(u.user.id);
  });

  it("accepts --disable-2fa as tootctl does (Herd has no second factor)", async () => {
    const u = await makeUser(t);
    expect(await herd("accounts", "modify", u.account.username, "--disable-2fa")).toEqual({
      code: 0,
      out: ["OK"],
      err: [],
    });
  });
});

describe("herd accounts delete", () => {
  it("deletes the account, its user and its tokens", async () => {
    const u = await makeUser(t);
    const other = await makeUser(t);
    const r = await herd("accounts", "delete", u.account.username);
    expect(r).toEqual({
      code: 0,
      out: ["Deleting user with 0 statuses, this might take a while...", "OK"],
      err: [],
    });
    expect(await userNamed(u.account.username)).toBeUndefined();
    const tokens = await t.database.db
      .select()
      .from(oauthAccessTokens)
      .where(eq(oauthAccessTokens.userId, u.user.id));
    expect(tokens).toEqual([]);
    expect((await t.request("/api/v1/apps/verify_credentials", { token: u.token })).status).toBe(
      401,
    );
    expect(
      (await t.request("/api/v1/apps/verify_credentials", { token: other.token })).status,
    ).toBe(200);
  });

  it("selects by --email, and --dry-run changes nothing", async () => {
    const u = await makeUser(t);
    const dry = await herd("accounts", "delete", "--email", u.user.email, "--dry-run");
    expect(dry.out).toEqual([
      "Deleting user with 0 statuses, this might take a while... (DRY RUN)",
      "OK (DRY RUN)",
    ]);
    expect(await userNamed(u.account.username)).toBeDefined();
    expect((await herd("accounts", "delete", `--email=${u.user.email.toUpperCase()}`)).code).toBe(
      0,
    );
    expect(await userNamed(u.account.username)).toBeUndefined();
  });

  it("refuses unknown users and ambiguous or missing selections", async () => {
    expect((await herd("accounts", "delete", "ghost")).err).toEqual(["No user with such username"]);
    expect((await herd("accounts", "delete", "--email=ghost@example.com")).err).toEqual([
      "No user with such email",
    ]);
    expect((await herd("accounts", "delete", "a", "--email=b@example.com")).err).toEqual([
      "Use username or --email, not both",
    ]);
    const none = await herd("accounts", "delete");
    expect(none).toEqual({ code: 1, out: [], err: ["No username provided"] });
  });
});

describe("herd accounts approve", () => {
  it("approves one account, the N oldest pending, or all of them", async () => {
    // Earlier tests left some pending.
    expect((await herd("accounts", "approve", "--all")).code).toBe(0);
    const a = await makeUser(t, { approved: false });
    const b = await makeUser(t, { approved: false });
    const c = await makeUser(t, { approved: false });
    expect(await herd("accounts", "approve", c.account.username)).toEqual({
      code: 0,
      out: ["OK"],
      err: [],
    });
    expect((await userNamed(c.account.username))!.user.approved).toBe(true);
    expect((await herd("accounts", "approve", "-n", "1")).code).toBe(0);
    expect((await userNamed(a.account.username))!.user.approved).toBe(true);
    expect((await userNamed(b.account.username))!.user.approved).toBe(false);
    expect((await herd("accounts", "approve", "--all")).out).toEqual(["OK"]);
    expect((await userNamed(b.account.username))!.user.approved).toBe(true);
    const pending = await t.database.db.select().from(users).where(eq(users.approved, false));
    expect(pending).toEqual([]);
  });

  it("refuses a negative number and unknown accounts, as tootctl", async () => {
    expect(await herd("accounts", "approve", "--number=-2")).toEqual({
      code: 1,
      out: [],
      err: ["Number must be positive"],
    });
    expect((await herd("accounts", "approve", "--number=x")).err).toEqual([
      `Expected numeric value for '--number'; got "x"`,
    ]);
    expect(await herd("accounts", "approve", "ghost")).toEqual({
      code: 1,
      out: [],
      err: ["No such account"],
    });
  });
});

describe("herd: usage, help and errors", () => {
  it("prints help for the whole command, a group and each command", async () => {
    const top = await herd("--help");
    expect(top.code).toBe(0);
    for (const line of [
      "accounts create USERNAME",
      "accounts modify USERNAME",
      "accounts delete [USERNAME]",
      "accounts approve [USERNAME]",
      "settings registrations open",
      "settings rules add TEXT",
      "db migrate",
    ]) {
      expect(top.out.join("\n")).toContain(`herd ${line}`);
    }
    const group = await herd("accounts");
    expect(group.code).toBe(0);
    expect(group.out.join("\n")).toContain("herd accounts modify USERNAME");
    expect(group.out.join("\n")).not.toContain("herd db migrate");
    for (const words of [
      ["accounts", "create"],
      ["accounts", "modify"],
      ["accounts", "delete"],
      ["accounts", "approve"],
    ]) {
      const help = await herd(...words, "--help");
      expect(help.code).toBe(0);
      expect(help.out[0]).toMatch(new RegExp(`^Usage: herd ${words.join(" ")}`));
      expect(help.out.join("\n")).toContain("-h, --help");
    }
    const create = await herd("help", "accounts", "create");
    expect(create.out.join("\n")).toContain("--email=EMAIL");
    expect(create.out.join("\n")).toContain("--reattach");
  });

  it("answers an unknown command or option with usage on stderr and exit code 1", async () => {
    const unknown = await herd("frobnicate");
    expect(unknown.code).toBe(1);
    expect(unknown.out).toEqual([]);
    expect(unknown.err[0]).toBe('herd: unknown command "frobnicate"');
    expect(unknown.err.join("\n")).toContain("Usage: herd COMMAND");
    const sub = await herd("accounts", "frobnicate");
    expect(sub.code).toBe(1);
    expect(sub.err[0]).toBe('herd: unknown command "accounts frobnicate"');
    const option = await herd("accounts", "create", "x", "--email=x@example.com", "--colour");
    expect(option.code).toBe(1);
    expect(option.err).toEqual([
      "herd: Unknown option '--colour'",
      "See `herd accounts create --help`.",
    ]);
  });

  it("prints the version", async () => {
    const r = await herd("--version");
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("names the variable at fault in a configuration error, in one line", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await run(["accounts", "approve", "--all"], {
      output: { out: (l) => out.push(l), err: (l) => err.push(l) },
      env: { PORT: "abc", DATA_DIR: dataDir },
    });
    expect(code).toBe(1);
    expect(err).toEqual([
      'herd: invalid configuration: PORT must be an integer from 0 to 65535, got "abc"',
    ]);
    const url = await run(["db", "status"], {
      output: { out: (l) => out.push(l), err: (l) => err.push(l) },
      env: { DATABASE_URL: "mysql://x", DATA_DIR: dataDir },
    });
    expect(url).toBe(1);
    expect(err[1]).toBe(
      "herd: invalid configuration: DATABASE_URL must start with postgres:// or postgresql://",
    );
  });

  it("reports an unreachable database in one line, without a stack trace", async () => {
    const err: string[] = [];
    const code = await run(["accounts", "approve", "--all"], {
      output: { out: () => undefined, err: (l) => err.push(l) },
      env: { DATABASE_URL: "postgres://postgres@127.0.0.1:1/herd", DATA_DIR: dataDir },
    });
    expect(code).toBe(1);
    expect(err).toEqual(["herd: connect ECONNREFUSED 127.0.0.1:1"]);
  });
});

describe("herd accounts delete federates the deletion", () => {
  it("queues the actor's Delete for the server, which sends it when it runs its jobs", async () => {
    // The server: an instance that may reach the fake remote server on loopback.
    const server = await createTestInstance({ env: { ALLOW_PRIVATE_ADDRESS: "true" } });
    const remote = await startFakeRemote();
    const zoe = await makeUser(server, { username: "zoe" });
    const judy = await remote.addActor("judy");
    // judy follows zoe (Herd accepts, signing with zoe's key).
    await remote.deliverAndRun(server, judy, {
      id: remote.id(),
      type: "Follow",
      actor: judy.id,
      object: "https://herd.test/users/zoe",
    });
    expect(ofType(remote.received, "Accept")).toHaveLength(1);

    const serverHerd = cliFor(server, dataDir);
    const dry = await serverHerd("accounts", "delete", "zoe", "--dry-run");
    expect(dry.code).toBe(0);
    expect(await queuedOutgoing(server)).toBe(0);

    const done = await serverHerd("accounts", "delete", "zoe");
    expect(done.code).toBe(0);
    expect([...dry.err, ...done.err]).toEqual([]);
    expect((await server.request(`/api/v1/accounts/${zoe.account.id}`)).status).toBe(404);
    // The command only queued it: nothing is sent until the server runs its jobs.
    expect(await queuedOutgoing(server)).toBe(1);
    expect(ofType(remote.received, "Delete")).toEqual([]);
    await server.drainJobs();
    const deletes = ofType(remote.received, "Delete");
    expect(deletes).toHaveLength(1);
    const ZOE = "https://herd.test/users/zoe";
    expect(deletes[0]!.body).toMatchObject({ id: `${ZOE}#delete`, actor: ZOE, object: ZOE });
    const { signature, "signature-input": input } = deletes[0]!.headers;
    expect(`${signature} ${input}`).toContain(`${ZOE}#main-key`);
  });
});

/** `federation.outgoing` jobs waiting in `instance`'s database. */
async function queuedOutgoing(instance: { database: { db: typeof t.database.db } }) {
  const result = await instance.database.db.execute<{ n: number }>(
    sql`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'federation.outgoing' AND state = 'created'`,
  );
  return result.rows[0]!.n;
}
