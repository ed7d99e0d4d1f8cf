// What an admin does to local accounts from the command line (`herd accounts
// ...`), following Mastodon's tootctl (lib/mastodon/cli/accounts.rb) and the
// User model it drives (https://docs.joinmastodon.org/admin/tootctl/#accounts).
import { randomBytes } from "node:crypto";
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import {
  accounts,
  oauthAccessGrants,
  users,
  webSessions,
  type AccountRow,
  type UserRow,
} from "../../db/schema/index.ts";
import { notFound } from "../errors.ts";
import { emit } from "../events/emit.ts";
import { revokeUserTokens } from "../oauth/tokens.ts";
import { getSetting } from "../instance/settings.ts";
import { notifyStaffOfSignUp } from "../notifications/sign-up.ts";
import { newConfirmationToken, sendConfirmationMail, type MailContext } from "./confirmation.ts";
import {
  checkEmail,
  checkEmailFree,
  createLocalAccount,
  normalizeEmail,
  validationError,
  type Details,
} from "./create-local-account.ts";
import { confirmUser } from "./moderation.ts";
import { hashPassword } from "./passwords.ts";

/** tootctl's generated passwords: SecureRandom.hex, 32 hexadecimal digits. */
export function generatePassword(): string {
  return randomBytes(16).toString("hex");
}

export interface LocalAccount {
  account: AccountRow;
  /** Null for an account without a login (none yet in Herd, but Mastodon has them). */
  user: UserRow | null;
}

/** The local account named `username` (case-insensitive, as Account.find_local). */
export async function findLocalAccount(db: Db, username: string): Promise<LocalAccount | null> {
  const rows = await db
    .select({ account: accounts, user: users })
    .from(accounts)
    .leftJoin(users, eq(users.accountId, accounts.id))
    .where(and(sql`lower(${accounts.username}) = lower(${username})`, isNull(accounts.domain)))
    .limit(1);
  return rows[0] ?? null;
}

/** The local account whose user has the e-mail address `email` (case-insensitive). */
export async function findLocalAccountByEmail(db: Db, email: string): Promise<LocalAccount | null> {
  const rows = await db
    .select({ account: accounts, user: users })
    .from(users)
    .innerJoin(accounts, eq(users.accountId, accounts.id))
    .where(sql`lower(${users.email}) = lower(${email})`)
    .limit(1);
  return rows[0] ?? null;
}

export interface AdminNewAccount {
  username: string;
  email: string;
  /** Skip the e-mail confirmation. */
  confirmed?: boolean;
  roleId?: number | null;
  /** Approve it even if registrations need approval. */
  approve?: boolean;
}

/**
 * Creates an account with a generated password. As Mastodon's User#set_approved,
 * it is approved only if registrations are open, unless the admin approves it;
 * reserved usernames are allowed. Unless confirmed, the user is mailed a
 * confirmation link (when `mail` is given). Created confirmed and approved,
 * the user is active at once and the staff get `admin.sign_up`, as tootctl's
 * `--confirmed` (User#mark_email_as_confirmed!) and `--approve` (User#approve!)
 * do; otherwise they hear of it at confirmation or approval.
 */
export async function createAccountAsAdmin(
  db: Db,
  input: AdminNewAccount,
  mail?: MailContext,
): Promise<LocalAccount & { user: UserRow; password: string }> {
  const mode = await getSetting(db, "registrations_mode");
  const password = generatePassword();
  const confirmation = input.confirmed ? null : newConfirmationToken();
  const { account, user } = await createLocalAccount(
    db,
    {
      username: input.username,
      email: input.email,
      password,
      confirmed: input.confirmed ?? false,
      approved: input.approve === true || mode === "open",
      roleId: input.roleId ?? null,
      agreement: true,
      allowReserved: true,
      confirmationTokenDigest: confirmation?.digest ?? null,
      confirmationSentAt: confirmation?.sentAt ?? null,
    },
    async (tx, created) => {
      if (created.user.confirmedAt && created.user.approved) {
        await notifyStaffOfSignUp(tx, created.account.id);
      }
    },
  );
  if (confirmation && mail) {
    await sendConfirmationMail(db, mail, {
      to: user.email,
      username: account.username,
      token: confirmation.token,
      emailChange: false,
    });
  }
  return { account, user, password };
}

export interface UserChanges {
  /** A role id, or null for no role (everyone). */
  roleId?: number | null;
  /**
   * A new address; it waits in unconfirmed_email, and a link is mailed to it,
   * until confirmed (Devise's reconfirmable), unless `confirm` is set too.
   */
  email?: string;
  /** Marks the user (and a new address) as confirmed. */
  confirm?: boolean;
  disabled?: boolean;
  /**
   * Sets the flag only, as tootctl's `modify --approve` (not User#approve!):
   * no `admin.sign_up`, which `herd accounts approve` (approveUser) sends.
   */
  approved?: boolean;
}

/** Applies `changes` to a user; validation errors as Mastodon's 422, before any change. */
export async function modifyUser(
  db: Db,
  userId: string,
  changes: UserChanges,
  mail?: MailContext,
): Promise<UserRow> {
  const [current] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
  if (!current) throw notFound();
  const set: Partial<typeof users.$inferInsert> = {};
  if (changes.roleId !== undefined) set.roleId = changes.roleId;
  if (changes.disabled !== undefined) set.disabled = changes.disabled;
  if (changes.approved !== undefined) set.approved = changes.approved;

  let confirmation = null;
  const email = changes.email === undefined ? undefined : normalizeEmail(changes.email);
  if (email !== undefined && email !== current.email) {
    const details: Details = {};
    checkEmail(email, details);
    await checkEmailFree(db, email, details, userId);
    if (Object.keys(details).length > 0) throw validationError(details);
    set.unconfirmedEmail = email;
    if (!changes.confirm) {
      confirmation = newConfirmationToken();
      set.confirmationTokenDigest = confirmation.digest;
      set.confirmationSentAt = confirmation.sentAt;
    }
  } else if (email !== undefined) {
    // Back to the current address: no change is waiting any more.
    set.unconfirmedEmail = null;
  }
  let row = current;
  if (Object.keys(set).length > 0) {
    set.updatedAt = new Date();
    [row] = (await db.update(users).set(set).where(eq(users.id, userId)).returning()) as [UserRow];
  }
  if (changes.confirm) {
    await confirmUser(db, userId);
    [row] = (await db.select().from(users).where(eq(users.id, userId))) as [UserRow];
  }
  if (confirmation && mail) {
    const [account] = await db
      .select({ username: accounts.username })
      .from(accounts)
      .where(eq(accounts.id, row.accountId));
    await sendConfirmationMail(db, mail, {
      to: email!,
      username: account?.username ?? "",
      token: confirmation.token,
      emailChange: !!row.confirmedAt,
    });
  }
  return row;
}

/**
 * Replaces a user's password by a generated one and ends what the old one
 * opened: web sessions, unused authorization codes and access tokens
 * (User#change_password! and #revoke_access!).
 */
export async function resetPassword(db: Db, userId: string): Promise<string> {
  const password = generatePassword();
  const encryptedPassword = await hashPassword(password);
  await db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({ encryptedPassword, updatedAt: new Date() })
      .where(eq(users.id, userId));
    await tx.delete(webSessions).where(eq(webSessions.userId, userId));
    await tx
      .delete(oauthAccessGrants)
      .where(and(eq(oauthAccessGrants.userId, userId), isNull(oauthAccessGrants.usedAt)));
    await revokeUserTokens(tx as unknown as Db, userId);
  });
  return password;
}

/**
 * Deletes a local account with its user; the rows that belong to them go with
 * them (ON DELETE CASCADE). `account.deleted` lets federation send the
 * actor's Delete (it prepares it before the deletion commits, while the keys
 * and followers are still there).
 * TODO: Mastodon keeps a suspended, emptied account so that the username
 * stays reserved (DeleteAccountService with reserve_username).
 */
export async function deleteAccount(db: Db, accountId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const [account] = await tx
      .select({ username: accounts.username, domain: accounts.domain })
      .from(accounts)
      .where(eq(accounts.id, accountId));
    await tx.delete(users).where(eq(users.accountId, accountId));
    await tx.delete(accounts).where(eq(accounts.id, accountId));
    if (account && account.domain === null) {
      await emit(tx, { type: "account.deleted", accountId, username: account.username });
    }
  });
}

/** The users waiting for approval, oldest first (User.pending). */
export async function pendingUserIds(db: Db, limit?: number): Promise<string[]> {
  const query = db
    .select({ id: users.id })
    .from(users)
    .where(eq(users.approved, false))
    .orderBy(asc(users.createdAt), asc(users.id));
  const rows = limit === undefined ? await query : await query.limit(limit);
  return rows.map((r) => r.id);
}
