import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { users } from "../src/db/schema/index.ts";
import { createAccountAsAdmin, modifyUser } from "../src/domain/accounts/admin-accounts.ts";
import { approveUser, confirmUser } from "../src/domain/accounts/moderation.ts";
import { setSettings } from "../src/domain/instance/settings.ts";
import { makeUser, tokenFor } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import {
  appToken as appTokenFor,
  confirmationLinkIn as linkIn,
  freshIp,
  signUp as signUpOn,
  unique,
} from "./kit/sign-up.ts";

const t = await createTestInstance();
const db = t.database.db;

const appToken = () => appTokenFor(t);
const signUp = (fields: Record<string, unknown> = {}, token?: string) => signUpOn(t, fields, token);

const userByEmail = async (email: string) =>
  (await db.select().from(users).where(eq(users.email, email.toLowerCase())))[0]!;

beforeEach(async () => {
  await setSettings(db, { registrations_mode: "open", require_invite_text: false });
});

describe("POST /api/v1/accounts", () => {
  it("creates an unconfirmed user and answers a Token with the app's scopes", async () => {
    const before = Math.floor(Date.now() / 1000);
    const { status, body, res, username, email } = await signUp();
    expect(status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(Object.keys(body).sort()).toEqual(["access_token", "created_at", "scope", "token_type"]);
    expect(body.token_type).toBe("Bearer");
    expect(body.scope).toBe("read write follow push profile");
    expect(body.access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.created_at).toBeGreaterThanOrEqual(before);

    const user = await userByEmail(email);
    expect(user.confirmedAt).toBeNull();
    expect(user.approved).toBe(true);
    expect(user.agreement).toBe(true);
    expect(user.locale).toBe("en");
    expect(user.signUpIp).toMatch(/^198\.51\.\d+\.\d+$/);
    expect(user.createdByApplicationId).not.toBeNull();
    expect(user.confirmationTokenDigest).toMatch(/^[0-9a-f]{64}$/);

    const mail = t.mails.at(-1)!;
    expect(mail.to).toBe(email);
    expect(mail.text).toContain(`@${username}`);
    expect(mail.html).toContain(linkIn(mail.text).replaceAll("&", "&amp;"));
  });

  it("gives a token that works only once the e-mail address is confirmed", async () => {
    const { body } = await signUp();
    const token = body.access_token as string;
    const denied = await t.json("/api/v1/accounts/verify_credentials", { token });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ error: "Your login is missing a confirmed e-mail address" });

    const page = await t.request(linkIn(t.mails.at(-1)!.text));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("Your e-mail address is confirmed");

    const ok = await t.json("/api/v1/accounts/verify_credentials", { token });
    expect(ok.status).toBe(200);
  });

  it("lets the app see the unconfirmed account with allow_nonfunctional", async () => {
    const { body, username } = await signUp();
    const res = await t.json("/api/v1/accounts/verify_credentials?allow_nonfunctional=true", {
      token: body.access_token,
    });
    expect(res.status).toBe(200);
    expect(res.body.username).toBe(username);
  });

  it("takes parameters as a form, multipart and query string", async () => {
    const a = `f${unique()}`;
    const form = await t.json("/api/v1/accounts", {
      method: "POST",
      token: await appToken(),
      form: { username: a, email: `${a}@example.com`, password: "password123", agreement: "1" },
      headers: freshIp(),
    });
    expect(form.status).toBe(200);

    const b = `m${unique()}`;
    const multipart = new FormData();
    multipart.set("username", b);
    multipart.set("email", `${b}@example.com`);
    multipart.set("password", "password123");
    multipart.set("agreement", "true");
    const mp = await t.json("/api/v1/accounts", {
      method: "POST",
      token: await appToken(),
      multipart,
      headers: freshIp(),
    });
    expect(mp.status).toBe(200);

    const c = `q${unique()}`;
    const query = new URLSearchParams({
      username: c,
      email: `${c}@example.com`,
      password: "password123",
      agreement: "true",
    });
    const q = await t.json(`/api/v1/accounts?${query}`, {
      method: "POST",
      token: await appToken(),
      headers: freshIp(),
    });
    expect(q.status).toBe(200);
    expect((await userByEmail(`${c}@example.com`)).id).toBeTruthy();
  });

  it("stores the e-mail address trimmed and in lower case", async () => {
    const name = `e${unique()}`;
    const { status } = await signUp({
      username: name,
      email: `  ${name.toUpperCase()}@Example.COM `,
    });
    expect(status).toBe(200);
    expect((await userByEmail(`${name}@example.com`)).email).toBe(`${name}@example.com`);
  });

  it("needs an app token with write:accounts, not a user token", async () => {
    const none = await t.json("/api/v1/accounts", {
      method: "POST",
      json: {},
      headers: freshIp(),
    });
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: "The access token is invalid" });

    const readOnly = await signUp({}, await tokenFor(t, null, ["read"]));
    expect(readOnly.status).toBe(403);
    expect(readOnly.body).toEqual({ error: "This action is outside the authorized scopes" });

    const granular = await signUp({}, await tokenFor(t, null, ["write:accounts"]));
    expect(granular.status).toBe(200);

    const { token } = await makeUser(t);
    const asUser = await signUp({}, token);
    expect(asUser.status).toBe(403);
    expect(asUser.body).toEqual({
      error: "This method requires an client credentials authentication",
    });
  });

  it("is closed when registrations_mode is none", async () => {
    await setSettings(db, { registrations_mode: "none" });
    const { status, body, email } = await signUp();
    expect(status).toBe(403);
    expect(body).toEqual({ error: "Forbidden" });
    expect(await db.select().from(users).where(eq(users.email, email))).toEqual([]);
  });

  it("creates unapproved users when approval is required", async () => {
    await setSettings(db, { registrations_mode: "approved" });
    const { status, body, email } = await signUp({ reason: "I like herds" });
    expect(status).toBe(200);
    const user = await userByEmail(email);
    expect(user.approved).toBe(false);
    expect(user.signUpReason).toBe("I like herds");

    // Confirming does not approve while approval is required.
    await t.request(linkIn(t.mails.at(-1)!.text));
    const pending = await t.json("/api/v1/accounts/verify_credentials", {
      token: body.access_token,
    });
    expect(pending.status).toBe(403);
    expect(pending.body).toEqual({ error: "Your login is currently pending approval" });

    expect(await approveUser(db, user.id)).toBe(true);
    const ok = await t.json("/api/v1/accounts/verify_credentials", { token: body.access_token });
    expect(ok.status).toBe(200);
  });

  it("requires a reason when require_invite_text is set in approval mode", async () => {
    await setSettings(db, { registrations_mode: "approved", require_invite_text: true });
    const { status, body } = await signUp({ reason: "  " });
    expect(status).toBe(422);
    expect(body).toEqual({
      error: "Validation failed: Reason can't be blank",
      details: { reason: [{ error: "ERR_BLANK", description: "can't be blank" }] },
    });
    await setSettings(db, { registrations_mode: "open" });
    expect((await signUp({ reason: "" })).status).toBe(200);
  });

  it("answers Mastodon's validation errors with details", async () => {
    const { status, body } = await signUp({
      username: "",
      email: "",
      password: "",
      agreement: false,
    });
    expect(status).toBe(422);
    expect(body).toEqual({
      error:
        "Validation failed: E-mail address can't be blank, Password can't be blank, " +
        "Username can't be blank, Username must contain only letters, numbers and underscores, " +
        "Service agreement must be accepted",
      details: {
        email: [{ error: "ERR_BLANK", description: "can't be blank" }],
        password: [{ error: "ERR_BLANK", description: "can't be blank" }],
        username: [
          { error: "ERR_BLANK", description: "can't be blank" },
          {
            error: "ERR_INVALID",
            description: "must contain only letters, numbers and underscores",
          },
        ],
        agreement: [{ error: "ERR_ACCEPTED", description: "must be accepted" }],
      },
    });
  });

  it("checks each field as Mastodon does", async () => {
    const detailsOf = async (fields: Record<string, unknown>) => {
      const res = await signUp(fields);
      expect(res.status).toBe(422);
      return res.body.details;
    };
    expect(await detailsOf({ username: "no-dashes" })).toEqual({
      username: [
        { error: "ERR_INVALID", description: "must contain only letters, numbers and underscores" },
      ],
    });
    expect(await detailsOf({ username: "a".repeat(31) })).toEqual({
      username: [{ error: "ERR_TOO_LONG", description: "is too long (maximum is 30 characters)" }],
    });
    expect(await detailsOf({ username: "Admin" })).toEqual({
      username: [{ error: "ERR_RESERVED", description: "is reserved" }],
    });
    expect(await detailsOf({ email: "not-an-address" })).toEqual({
      email: [{ error: "ERR_INVALID", description: "is invalid" }],
    });
    expect(await detailsOf({ password: "short" })).toEqual({
      password: [{ error: "ERR_TOO_SHORT", description: "is too short (minimum is 8 characters)" }],
    });
    expect(await detailsOf({ password: "x".repeat(73) })).toEqual({
      password: [{ error: "ERR_TOO_LONG", description: "is too long (maximum is 72 characters)" }],
    });
    expect(await detailsOf({ locale: "xx-YY" })).toEqual({
      locale: [{ error: "ERR_INCLUSION", description: "is not included in the list" }],
    });
    for (const agreement of ["false", "0", "yes", undefined]) {
      expect(await detailsOf({ agreement })).toEqual({
        agreement: [{ error: "ERR_ACCEPTED", description: "must be accepted" }],
      });
    }
    expect(await detailsOf({ reason: "r".repeat(421) })).toEqual({
      reason: [{ error: "ERR_TOO_LONG", description: "is too long (maximum is 420 characters)" }],
    });
  });

  it("refuses a taken username or e-mail address, whatever the case", async () => {
    const first = await signUp();
    expect(first.status).toBe(200);
    const again = await signUp({
      username: first.username.toUpperCase(),
      email: first.email.toUpperCase(),
    });
    expect(again.status).toBe(422);
    expect(again.body).toEqual({
      error:
        "Validation failed: E-mail address has already been taken, Username has already been taken",
      details: {
        email: [{ error: "ERR_TAKEN", description: "has already been taken" }],
        username: [{ error: "ERR_TAKEN", description: "has already been taken" }],
      },
    });
  });

  it("treats wrong types as missing values, and malformed JSON as a 400", async () => {
    const wrong = await signUp({ username: { a: 1 }, email: ["x@example.com"] });
    expect(wrong.status).toBe(422);
    expect(Object.keys(wrong.body.details).sort()).toEqual(["email", "username"]);

    const malformed = await t.json("/api/v1/accounts", {
      method: "POST",
      token: await appToken(),
      body: "{",
      headers: { "content-type": "application/json", ...freshIp() },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({ error: "Error occurred while parsing request parameters" });
  });

  it("allows 5 sign-up attempts per address in 30 minutes", async () => {
    const headers = { "x-forwarded-for": "203.0.113.77" };
    const token = await appToken();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await t.request("/api/v1/accounts", {
        method: "POST",
        token,
        json: { username: "" },
        headers,
      });
      statuses.push(res.status);
      if (i === 5) {
        expect(await res.json()).toEqual({ error: "Too many requests" });
        expect(res.headers.get("x-ratelimit-limit")).toBe("5");
        expect(res.headers.get("x-ratelimit-remaining")).toBe("0");
      }
    }
    expect(statuses).toEqual([422, 422, 422, 422, 422, 429]);
    // Another address is not affected.
    expect((await signUp()).status).toBe(200);
  });
});

describe("moderation", () => {
  it("confirms and approves users by id", async () => {
    await setSettings(db, { registrations_mode: "approved" });
    const { email, body } = await signUp();
    const user = await userByEmail(email);
    expect(await confirmUser(db, user.id)).toBe(true);
    expect(await confirmUser(db, "1")).toBe(false);
    expect(await approveUser(db, "1")).toBe(false);
    const pending = await t.json("/api/v1/accounts/verify_credentials", {
      token: body.access_token,
    });
    expect(pending.status).toBe(403);
    expect(await approveUser(db, user.id)).toBe(true);
    const ok = await t.json("/api/v1/accounts/verify_credentials", { token: body.access_token });
    expect(ok.status).toBe(200);
  });

  it("approves on confirmation while registrations are open", async () => {
    await setSettings(db, { registrations_mode: "approved" });
    const { email } = await signUp();
    await setSettings(db, { registrations_mode: "open" });
    const user = await userByEmail(email);
    expect(user.approved).toBe(false);
    await t.request(linkIn(t.mails.at(-1)!.text));
    expect((await userByEmail(email)).approved).toBe(true);
  });
});

describe("admin.sign_up: the staff hear of a user when it becomes active", () => {
  const mail = () => ({
    mailer: t.deps.mailer,
    logger: t.deps.logger,
    baseUrl: "https://herd.test",
    domain: "herd.test",
  });
  /** The accounts `staff` was told signed up, newest first. */
  const signUpsSeenBy = async (staff: { token: string }) => {
    const res = await t.json("/api/v1/notifications?types[]=admin.sign_up", {
      token: staff.token,
    });
    expect(res.status).toBe(200);
    return res.body.map((n: any) => n.account.id as string);
  };

  it("not at registration, in either mode", async () => {
    const admin = await makeUser(t, { roleId: 2 });
    await signUp();
    await setSettings(db, { registrations_mode: "approved" });
    await signUp({ reason: "let me in" });
    expect(await signUpsSeenBy(admin)).toEqual([]);
  });

  it("with approval required: at approval of a confirmed user, once", async () => {
    const admin = await makeUser(t, { roleId: 2 });
    await setSettings(db, { registrations_mode: "approved" });
    const { email } = await signUp({ reason: "let me in" });
    await t.request(linkIn(t.mails.at(-1)!.text));
    // Confirmed but pending: not active yet.
    expect(await signUpsSeenBy(admin)).toEqual([]);
    const user = await userByEmail(email);
    expect(await approveUser(db, user.id)).toBe(true);
    expect(await signUpsSeenBy(admin)).toEqual([user.accountId]);
    expect(await approveUser(db, user.id)).toBe(true);
    expect(await signUpsSeenBy(admin)).toEqual([user.accountId]);
  });

  it("with approval required: at confirmation of a user approved before confirming", async () => {
    const admin = await makeUser(t, { roleId: 2 });
    await setSettings(db, { registrations_mode: "approved" });
    const { email } = await signUp({ reason: "let me in" });
    const link = linkIn(t.mails.at(-1)!.text);
    const user = await userByEmail(email);
    await approveUser(db, user.id);
    expect(await signUpsSeenBy(admin)).toEqual([]);
    expect((await t.request(link)).status).toBe(200);
    expect(await signUpsSeenBy(admin)).toEqual([user.accountId]);
  });

  it("for accounts made by an admin: at once when confirmed and approved, else later", async () => {
    const admin = await makeUser(t, { roleId: 2 });
    const active = await createAccountAsAdmin(db, {
      username: `a${unique()}`,
      email: `a${unique()}@example.com`,
      confirmed: true,
    });
    expect(await signUpsSeenBy(admin)).toEqual([active.account.id]);

    // Unconfirmed: when the link is followed.
    const unconfirmed = await createAccountAsAdmin(
      db,
      { username: `u${unique()}`, email: `u${unique()}@example.com` },
      mail(),
    );
    expect(await signUpsSeenBy(admin)).toEqual([active.account.id]);
    await t.request(linkIn(t.mails.at(-1)!.text));
    expect(await signUpsSeenBy(admin)).toEqual([unconfirmed.account.id, active.account.id]);

    // Confirmed while approval is required: with --approve at once, else at approval.
    await setSettings(db, { registrations_mode: "approved" });
    const approved = await createAccountAsAdmin(db, {
      username: `p${unique()}`,
      email: `p${unique()}@example.com`,
      confirmed: true,
      approve: true,
    });
    const pending = await createAccountAsAdmin(db, {
      username: `q${unique()}`,
      email: `q${unique()}@example.com`,
      confirmed: true,
    });
    expect((await signUpsSeenBy(admin))[0]).toBe(approved.account.id);
    expect(await signUpsSeenBy(admin)).not.toContain(pending.account.id);
    await approveUser(db, pending.user.id);
    expect((await signUpsSeenBy(admin))[0]).toBe(pending.account.id);
  });

  it("not for `accounts modify --approve`, which only sets the flag; --confirm counts", async () => {
    const admin = await makeUser(t, { roleId: 2 });
    await setSettings(db, { registrations_mode: "approved" });
    const { email } = await signUp({ reason: "let me in" });
    await t.request(linkIn(t.mails.at(-1)!.text));
    const user = await userByEmail(email);
    await modifyUser(db, user.id, { approved: true });
    expect((await userByEmail(email)).approved).toBe(true);
    expect(await signUpsSeenBy(admin)).toEqual([]);

    const other = await signUp({ reason: "me too" });
    const otherUser = await userByEmail(other.email);
    await modifyUser(db, otherUser.id, { approved: true, confirm: true });
    expect(await signUpsSeenBy(admin)).toEqual([otherUser.accountId]);
  });

  it("tells only the staff who manage users", async () => {
    const admin = await makeUser(t, { roleId: 2 });
    const someone = await makeUser(t);
    const { email } = await signUp();
    await t.request(linkIn(t.mails.at(-1)!.text));
    const user = await userByEmail(email);
    expect(await signUpsSeenBy(admin)).toEqual([user.accountId]);
    expect(await signUpsSeenBy(someone)).toEqual([]);
  });
});
