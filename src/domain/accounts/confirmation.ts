// E-mail confirmation, as Devise's confirmable in Mastodon: a random token is
// mailed as a link to /auth/confirmation?confirmation_token=...; only its
// SHA-256 digest is kept. A new token replaces the old one on each mail. A
// changed address waits in unconfirmed_email until its link is followed
// (reconfirmable). The token stays valid for CONFIRMATION_VALID_MS after it
// was sent.
import { eq, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/database.ts";
import { users, type UserRow } from "../../db/schema/index.ts";
import type { Logger } from "../../logger.ts";
import type { Mailer } from "../../mail/mailer.ts";
import { confirmationMail } from "../../mail/templates/confirmation.ts";
import { randomToken, sha256 } from "../../lib/tokens.ts";
import { DomainError } from "../errors.ts";
import { DEFAULT_SETTINGS, getSetting } from "../instance/settings.ts";
import { notifyStaffOfSignUp } from "../notifications/sign-up.ts";
import {
  checkEmail,
  checkEmailFree,
  normalizeEmail,
  validationError,
  type Details,
} from "./create-local-account.ts";

export const CONFIRMATION_VALID_MS = 2 * 24 * 60 * 60 * 1000;

export interface ConfirmationToken {
  token: string;
  digest: string;
  sentAt: Date;
}

export function newConfirmationToken(): ConfirmationToken {
  const token = randomToken();
  return { token, digest: sha256(token), sentAt: new Date() };
}

/** What mailing needs: who sends, where links point, what the site is called. */
export interface MailContext {
  mailer: Mailer;
  logger: Logger;
  /** `https://example.com`: links are built on it. */
  baseUrl: string;
  /** LOCAL_DOMAIN, named in the mail. */
  domain: string;
}

export function confirmationUrl(baseUrl: string, token: string): string {
  return `${baseUrl}/auth/confirmation?confirmation_token=${encodeURIComponent(token)}`;
}

/**
 * Sends the confirmation mail. A failure is logged, not thrown: the account
 * exists, and the user can ask for the mail again.
 */
export async function sendConfirmationMail(
  db: Db,
  ctx: MailContext,
  input: { to: string; username: string; token: string; emailChange: boolean },
): Promise<boolean> {
  const siteTitle = await getSetting(db, "site_title");
  const mail = confirmationMail({
    to: input.to,
    username: input.username,
    siteTitle,
    domain: ctx.domain,
    link: confirmationUrl(ctx.baseUrl, input.token),
    validForDays: CONFIRMATION_VALID_MS / 86_400_000,
    emailChange: input.emailChange,
  });
  try {
    await ctx.mailer.send(mail);
    return true;
  } catch (err) {
    ctx.logger.error("confirmation mail could not be sent", { to: input.to, err });
    return false;
  }
}

/** Whether the user still has an address to confirm (a first one or a change). */
export function awaitingConfirmation(user: UserRow): boolean {
  return !user.confirmedAt || !!user.unconfirmedEmail;
}

/**
 * POST /api/v1/emails/confirmations: optionally changes the address waiting
 * for confirmation, then mails a new link to it.
 */
export async function resendConfirmation(
  db: Db,
  ctx: MailContext,
  user: UserRow,
  username: string,
  newEmail?: string,
): Promise<void> {
  if (!awaitingConfirmation(user)) {
    throw new DomainError(
      "forbidden",
      "This method is only available while the e-mail is awaiting confirmation",
    );
  }
  let pending = user.unconfirmedEmail;
  if (newEmail !== undefined) {
    const email = normalizeEmail(newEmail);
    if (email !== user.email) {
      const details: Details = {};
      checkEmail(email, details);
      await checkEmailFree(db, email, details, user.id);
      // Mastodon answers a failed User#update! with only the message.
      if (Object.keys(details).length > 0) {
        throw new DomainError("unprocessable", validationError(details).message);
      }
      pending = email;
    } else {
      pending = null;
    }
  }
  const t = newConfirmationToken();
  await db
    .update(users)
    .set({
      unconfirmedEmail: pending,
      confirmationTokenDigest: t.digest,
      confirmationSentAt: t.sentAt,
      updatedAt: new Date(),
    })
    .where(eq(users.id, user.id));
  await sendConfirmationMail(db, ctx, {
    to: pending ?? user.email,
    username,
    token: t.token,
    emailChange: !!pending && !!user.confirmedAt,
  });
}

/**
 * Marks a user confirmed, as Mastodon's User#confirm: a pending address
 * replaces the old one, and a first confirmation approves the user while
 * registrations are open (User#grant_approval_on_confirmation?). A first
 * confirmation of an approved user makes it active: the staff hear of the
 * sign-up then (User#after_confirmation_tasks → #prepare_new_user!).
 */
export async function markConfirmed(db: Db, user: UserRow): Promise<UserRow> {
  return db.transaction(async (tx) => {
    // The row as it is now, locked: a confirmation and an approval at the
    // same moment see each other, and the sign-up is announced once.
    const [current] = await tx.select().from(users).where(eq(users.id, user.id)).for("update");
    if (!current) return user; // deleted meanwhile
    const row = await confirmRow(tx, current);
    if (!current.confirmedAt && row.approved) {
      await notifyStaffOfSignUp(tx, row.accountId);
    }
    return row;
  });
}

/** Confirms `user` (as read and locked by the caller) and returns the new row. */
async function confirmRow(db: DbOrTx, user: UserRow): Promise<UserRow> {
  const set: Partial<typeof users.$inferInsert> = { updatedAt: new Date() };
  if (user.unconfirmedEmail) {
    const details: Details = {};
    await checkEmailFree(db, user.unconfirmedEmail, details, user.id);
    if (details.email) throw validationError(details);
    set.email = user.unconfirmedEmail;
    set.unconfirmedEmail = null;
  }
  if (!user.confirmedAt) {
    set.confirmedAt = new Date();
    if (!user.approved) {
      const mode = await db.execute<{ value: unknown }>(
        sql`SELECT value FROM site_settings WHERE key = 'registrations_mode'`,
      );
      const value = mode.rows[0]?.value ?? DEFAULT_SETTINGS.registrations_mode;
      if (value === "open") set.approved = true;
    }
  }
  const [row] = await db.update(users).set(set).where(eq(users.id, user.id)).returning();
  return row!;
}

export type ConfirmationResult =
  | { status: "confirmed"; user: UserRow }
  | { status: "already_confirmed"; user: UserRow }
  | { status: "expired" }
  | { status: "invalid" }
  /** The new address was taken by someone else meanwhile. */
  | { status: "email_taken" };

/** Follows a confirmation link. The digest is kept, so a second visit says "already confirmed". */
export async function confirmByToken(db: Db, token: string): Promise<ConfirmationResult> {
  if (!token) return { status: "invalid" };
  const [user] = await db
    .select()
    .from(users)
    .where(eq(users.confirmationTokenDigest, sha256(token)))
    .limit(1);
  if (!user) return { status: "invalid" };
  if (!awaitingConfirmation(user)) return { status: "already_confirmed", user };
  const sentAt = user.confirmationSentAt?.getTime() ?? 0;
  if (Date.now() - sentAt > CONFIRMATION_VALID_MS) return { status: "expired" };
  try {
    return { status: "confirmed", user: await markConfirmed(db, user) };
  } catch (error) {
    if (error instanceof DomainError && error.kind === "unprocessable") {
      return { status: "email_taken" };
    }
    throw error;
  }
}
