// The confirmation link (GET /auth/confirmation) and the e-mail endpoints
// (POST /api/v1/emails/confirmations, GET /api/v1/emails/check_confirmation).
import { eq, sql } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { users } from "../src/db/schema/index.ts";
import { setSettings } from "../src/domain/instance/settings.ts";
import { makeUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import {
  appToken as appTokenFor,
  confirmationLinkIn as linkIn,
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

describe("confirmation link (GET /auth/confirmation)", () => {
  it("says so when the address was already confirmed", async () => {
    await signUp();
    const link = linkIn(t.mails.at(-1)!.text);
    expect((await t.request(link)).status).toBe(200);
    const again = await t.request(link);
    expect(again.status).toBe(200);
    expect(await again.text()).toContain("already confirmed");
  });

  it("refuses unknown and missing tokens", async () => {
    for (const path of ["/auth/confirmation?confirmation_token=nope", "/auth/confirmation"]) {
      const res = await t.request(path);
      expect(res.status).toBe(422);
      expect(await res.text()).toContain("This link is not valid");
    }
  });

  it("refuses a link older than 2 days", async () => {
    const { email, body } = await signUp();
    const link = linkIn(t.mails.at(-1)!.text);
    await db
      .update(users)
      .set({ confirmationSentAt: sql`now() - interval '49 hours'` })
      .where(eq(users.email, email));
    const res = await t.request(link);
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("expired");
    const still = await t.json("/api/v1/accounts/verify_credentials", { token: body.access_token });
    expect(still.status).toBe(403);
  });
});

describe("POST /api/v1/emails/confirmations", () => {
  it("mails a new link, which replaces the old one", async () => {
    const { body, email } = await signUp();
    const oldLink = linkIn(t.mails.at(-1)!.text);
    const count = t.mails.length;
    const res = await t.json("/api/v1/emails/confirmations", {
      method: "POST",
      token: body.access_token,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    expect(t.mails.length).toBe(count + 1);
    expect(t.mails.at(-1)!.to).toBe(email);
    const newLink = linkIn(t.mails.at(-1)!.text);
    expect(newLink).not.toBe(oldLink);
    expect((await t.request(oldLink)).status).toBe(422);
    expect((await t.request(newLink)).status).toBe(200);
  });

  it("changes the address to confirm when given one", async () => {
    const { body, email } = await signUp();
    const other = `new${unique()}@example.com`;
    const res = await t.json("/api/v1/emails/confirmations", {
      method: "POST",
      token: body.access_token,
      form: { email: other },
    });
    expect(res.status).toBe(200);
    expect(t.mails.at(-1)!.to).toBe(other);
    const user = await userByEmail(email);
    expect(user.unconfirmedEmail).toBe(other);

    expect((await t.request(linkIn(t.mails.at(-1)!.text))).status).toBe(200);
    const [after] = await db.select().from(users).where(eq(users.id, user.id));
    expect(after!.email).toBe(other);
    expect(after!.unconfirmedEmail).toBeNull();
    expect(after!.confirmedAt).not.toBeNull();
  });

  it("does not confirm an address someone took in the meantime", async () => {
    const { body, email } = await signUp();
    const other = `race${unique()}@example.com`;
    await t.json("/api/v1/emails/confirmations", {
      method: "POST",
      token: body.access_token,
      json: { email: other },
    });
    const link = linkIn(t.mails.at(-1)!.text);
    await makeUser(t, { email: other });
    const res = await t.request(link);
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("already in use");
    const user = await userByEmail(email);
    expect(user.confirmedAt).toBeNull();
  });

  it("refuses an invalid or taken new address", async () => {
    const { body } = await signUp();
    const invalid = await t.json("/api/v1/emails/confirmations", {
      method: "POST",
      token: body.access_token,
      json: { email: "nope" },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body).toEqual({ error: "Validation failed: E-mail address is invalid" });

    const other = await makeUser(t);
    const taken = await t.json("/api/v1/emails/confirmations", {
      method: "POST",
      token: body.access_token,
      json: { email: other.user.email },
    });
    expect(taken.status).toBe(422);
    expect(taken.body).toEqual({
      error: "Validation failed: E-mail address has already been taken",
    });
  });

  it("is only for the signing-up app, while confirmation is pending", async () => {
    const { token } = await makeUser(t);
    const otherApp = await t.json("/api/v1/emails/confirmations", { method: "POST", token });
    expect(otherApp.status).toBe(403);
    expect(otherApp.body).toEqual({
      error: "This method is only available to the application the user originally signed-up with",
    });

    const appOnly = await t.json("/api/v1/emails/confirmations", {
      method: "POST",
      token: await appToken(),
    });
    expect(appOnly.status).toBe(403);

    const none = await t.json("/api/v1/emails/confirmations", { method: "POST" });
    expect(none.status).toBe(401);

    const { body } = await signUp();
    await t.request(linkIn(t.mails.at(-1)!.text));
    const done = await t.json("/api/v1/emails/confirmations", {
      method: "POST",
      token: body.access_token,
    });
    expect(done.status).toBe(403);
    expect(done.body).toEqual({
      error: "This method is only available while the e-mail is awaiting confirmation",
    });
  });

  it("tells whether the address is confirmed (GET /api/v1/emails/check_confirmation)", async () => {
    const { body } = await signUp();
    const before = await t.json("/api/v1/emails/check_confirmation", { token: body.access_token });
    expect(before).toMatchObject({ status: 200, body: false });
    await t.request(linkIn(t.mails.at(-1)!.text));
    const after = await t.json("/api/v1/emails/check_confirmation", { token: body.access_token });
    expect(after).toMatchObject({ status: 200, body: true });
    expect((await t.json("/api/v1/emails/check_confirmation")).status).toBe(422);
  });
});

describe("confirmation and admin.sign_up", () => {
  /** How many admin.sign_up notifications `staff` has about `accountId`. */
  const noticesAbout = async (staff: { token: string }, accountId: string) => {
    const res = await t.json("/api/v1/notifications?types[]=admin.sign_up", {
      token: staff.token,
    });
    expect(res.status).toBe(200);
    return res.body.filter((n: any) => n.account.id === accountId).length;
  };

  it("a first confirmation while registrations are open announces the user, once", async () => {
    const admin = await makeUser(t, { roleId: 2 });
    const { email } = await signUp();
    const link = linkIn(t.mails.at(-1)!.text);
    const { accountId } = await userByEmail(email);
    expect(await noticesAbout(admin, accountId)).toBe(0);
    expect((await t.request(link)).status).toBe(200);
    expect(await noticesAbout(admin, accountId)).toBe(1);
    // Following the link again ("already confirmed") announces nothing more.
    expect((await t.request(link)).status).toBe(200);
    expect(await noticesAbout(admin, accountId)).toBe(1);
  });

  it("a changed address confirmed later is no new sign-up", async () => {
    const admin = await makeUser(t, { roleId: 2 });
    const { body, email } = await signUp();
    // Changed before the first confirmation: confirming it is the first one.
    await t.json("/api/v1/emails/confirmations", {
      method: "POST",
      token: body.access_token,
      form: { email: `changed${unique()}@example.com` },
    });
    const { accountId, id } = await userByEmail(email);
    await t.request(linkIn(t.mails.at(-1)!.text));
    expect(await noticesAbout(admin, accountId)).toBe(1);
    // An active user confirming a new address later is not announced again.
    await db
      .update(users)
      .set({ unconfirmedEmail: `later${unique()}@example.com`, confirmationSentAt: new Date() })
      .where(eq(users.id, id));
    await t.json("/api/v1/emails/confirmations", { method: "POST", token: body.access_token });
    expect((await t.request(linkIn(t.mails.at(-1)!.text))).status).toBe(200);
    const [after] = await db.select().from(users).where(eq(users.id, id));
    expect(after!.unconfirmedEmail).toBeNull();
    expect(await noticesAbout(admin, accountId)).toBe(1);
  });

  it("confirming a user still waiting for approval announces nothing", async () => {
    const admin = await makeUser(t, { roleId: 2 });
    await setSettings(db, { registrations_mode: "approved" });
    const { email } = await signUp({ reason: "please" });
    expect((await t.request(linkIn(t.mails.at(-1)!.text))).status).toBe(200);
    const user = await userByEmail(email);
    expect(user.confirmedAt).not.toBeNull();
    expect(user.approved).toBe(false);
    expect(await noticesAbout(admin, user.accountId)).toBe(0);
  });

  it("a link whose new address was taken meanwhile confirms nothing and announces nothing", async () => {
    const admin = await makeUser(t, { roleId: 2 });
    const { body, email } = await signUp();
    const wanted = `wanted${unique()}@example.com`;
    await t.json("/api/v1/emails/confirmations", {
      method: "POST",
      token: body.access_token,
      form: { email: wanted },
    });
    const link = linkIn(t.mails.at(-1)!.text);
    await makeUser(t, { email: wanted });
    const res = await t.request(link);
    expect(res.status).toBe(422);
    const user = await userByEmail(email);
    expect(user.confirmedAt).toBeNull();
    expect(await noticesAbout(admin, user.accountId)).toBe(0);
  });
});
