// Creates a local account and its user in one transaction. Validation follows
// Mastodon's Account and User models (app/models/account.rb, user.rb, Devise's
// validatable): usernames of letters, digits and underscores up to 30
// characters, not reserved, unique case-insensitively; a well-formed, unique
// e-mail address; a password of 8 to 72 characters. Errors are collected as
// Rails does and reported as Mastodon's ValidationErrorFormatter
// (https://docs.joinmastodon.org/methods/accounts/#create, 422).
import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/database.ts";
import {
  accounts,
  users,
  type AccountRow,
  type UserRow,
  type UserSettings,
} from "../../db/schema/index.ts";
import { pgConstraint, pgErrorCode } from "../../db/errors.ts";
import { newId } from "../../lib/ids.ts";
import { DomainError } from "../errors.ts";
import { hashPassword } from "./passwords.ts";

export interface NewLocalAccount {
  username: string;
  email: string;
  password: string;
  locale?: string | null;
  reason?: string | null;
  agreement?: boolean;
  confirmed?: boolean;
  approved?: boolean;
  roleId?: number | null;
  signUpIp?: string | null;
  settings?: UserSettings;
  /** Reserved names may be taken only by an admin through the CLI. */
  allowReserved?: boolean;
  /** The application the user signed up with (POST /api/v1/accounts). */
  createdByApplicationId?: string | null;
  /** A confirmation token's digest and when it was sent (see confirmation.ts). */
  confirmationTokenDigest?: string | null;
  confirmationSentAt?: Date | null;
}

export type Details = Record<string, { error: string; description: string }[]>;

/** What both a database and a transaction can do (functions that run inside either). */
export type DbExecutor = Pick<Db, "select" | "insert" | "update" | "delete" | "execute">;

export const USERNAME_RE = /^[a-z0-9_]+$/i;
export const USERNAME_MAX = 30;
export const EMAIL_RE = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
/**
 * Names kept from sign-up: Mastodon's default Setting.reserved_usernames
 * (config/settings.yml) and common system addresses.
 */
export const RESERVED_USERNAMES = new Set([
  "admin",
  "administrator",
  "mod",
  "moderator",
  "root",
  "support",
  "help",
  "webmaster",
  "postmaster",
  "hostmaster",
  "abuse",
  "security",
  "noreply",
  "no_reply",
  "mastodon",
  "herd",
  "instance_actor",
]);

/** Attribute names as Mastodon's activerecord.en.yml shows them in "Validation failed: ...". */
const LABELS: Record<string, string> = {
  email: "E-mail address",
  agreement: "Service agreement",
  reason: "Reason",
};

export function addError(details: Details, field: string, error: string, description: string) {
  (details[field] ??= []).push({ error, description });
}

function label(field: string): string {
  return LABELS[field] ?? `${field.charAt(0).toUpperCase()}${field.slice(1).replace(/_/g, " ")}`;
}

/** Mastodon's 422 for model validation: "Validation failed: Field message, ..." with details. */
export function validationError(details: Details): DomainError {
  const parts = Object.entries(details).flatMap(([field, errs]) =>
    errs.map((e) => `${label(field)} ${e.description}`),
  );
  return new DomainError("unprocessable", `Validation failed: ${parts.join(", ")}`, { details });
}

/** Account#username is squished (stripped, inner runs of spaces made one). */
export function normalizeUsername(username: string): string {
  return username.trim().replace(/\s+/g, " ");
}

/** Devise strips and downcases the e-mail address (strip_whitespace_keys, case_insensitive_keys). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function checkUsername(username: string, details: Details, allowReserved = false) {
  // Rails runs each validation: a blank name is both blank and malformed.
  if (username === "") addError(details, "username", "ERR_BLANK", "can't be blank");
  if (!USERNAME_RE.test(username)) {
    addError(
      details,
      "username",
      "ERR_INVALID",
      "must contain only letters, numbers and underscores",
    );
  }
  if ([...username].length > USERNAME_MAX) {
    addError(details, "username", "ERR_TOO_LONG", "is too long (maximum is 30 characters)");
  }
  if (username !== "" && !allowReserved && RESERVED_USERNAMES.has(username.toLowerCase())) {
    addError(details, "username", "ERR_RESERVED", "is reserved");
  }
}

export function checkEmail(email: string, details: Details) {
  if (email === "") addError(details, "email", "ERR_BLANK", "can't be blank");
  else if (!EMAIL_RE.test(email) || email.length > 254)
    addError(details, "email", "ERR_INVALID", "is invalid");
}

export function checkPassword(password: string, details: Details) {
  const length = [...password].length;
  if (password === "") addError(details, "password", "ERR_BLANK", "can't be blank");
  else if (length < 8)
    addError(details, "password", "ERR_TOO_SHORT", "is too short (minimum is 8 characters)");
  else if (length > 72)
    addError(details, "password", "ERR_TOO_LONG", "is too long (maximum is 72 characters)");
}

/** Adds ERR_TAKEN when a local account already has this username (any case). */
export async function checkUsernameFree(db: DbExecutor, username: string, details: Details) {
  if (details.username) return;
  const taken = await db.execute(
    sql`SELECT 1 FROM accounts WHERE lower(username) = lower(${username}) AND domain IS NULL LIMIT 1`,
  );
  if (taken.rows.length > 0) addError(details, "username", "ERR_TAKEN", "has already been taken");
}

/** Adds ERR_TAKEN when a user already has this address (or waits to confirm it). */
export async function checkEmailFree(
  db: DbExecutor,
  email: string,
  details: Details,
  exceptUserId?: string,
) {
  if (details.email) return;
  const taken = await db.execute(
    sql`SELECT 1 FROM users WHERE lower(email) = lower(${email})
        ${exceptUserId ? sql`AND id <> ${exceptUserId}` : sql``} LIMIT 1`,
  );
  if (taken.rows.length > 0) addError(details, "email", "ERR_TAKEN", "has already been taken");
}

/** Every format and uniqueness problem of a new account's username, e-mail and password. */
export async function checkNewAccount(
  db: DbExecutor,
  input: Pick<NewLocalAccount, "username" | "email" | "password" | "allowReserved">,
  details: Details = {},
): Promise<Details> {
  // In the order Rails reports them: the user's e-mail and password, then the account's username.
  checkEmail(input.email, details);
  await checkEmailFree(db, input.email, details);
  checkPassword(input.password, details);
  checkUsername(input.username, details, input.allowReserved);
  await checkUsernameFree(db, input.username, details);
  return details;
}

/** A unique-index violation from a concurrent sign-up, as the 422 Mastodon gives. */
export function takenError(error: unknown): DomainError | null {
  if (pgErrorCode(error) !== "23505") return null;
  const d: Details = {};
  const constraint = pgConstraint(error) ?? "";
  if (constraint.includes("email")) addError(d, "email", "ERR_TAKEN", "has already been taken");
  else addError(d, "username", "ERR_TAKEN", "has already been taken");
  return validationError(d);
}

/** Inserts the account and user rows (already validated) with `db` or a transaction. */
export async function insertLocalAccount(
  db: DbExecutor,
  input: NewLocalAccount,
  encryptedPassword: string,
): Promise<{ account: AccountRow; user: UserRow }> {
  const now = new Date();
  const [account] = await db
    .insert(accounts)
    .values({
      id: newId(now),
      username: input.username,
      noteSource: "",
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  const [user] = await db
    .insert(users)
    .values({
      id: newId(now),
      accountId: account!.id,
      email: input.email,
      encryptedPassword,
      roleId: input.roleId ?? null,
      confirmedAt: input.confirmed ? now : null,
      confirmationTokenDigest: input.confirmationTokenDigest ?? null,
      confirmationSentAt: input.confirmationSentAt ?? null,
      approved: input.approved ?? true,
      locale: input.locale ?? null,
      signUpReason: input.reason ?? null,
      signUpIp: input.signUpIp ?? null,
      agreement: input.agreement ?? false,
      settings: input.settings ?? {},
      createdByApplicationId: input.createdByApplicationId ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return { account: account!, user: user! };
}

/**
 * Validates and creates a local account. `andThen` runs in the same
 * transaction once the rows exist (what the caller must do with them, such
 * as announcing the sign-up).
 */
export async function createLocalAccount(
  db: Db,
  input: NewLocalAccount,
  andThen?: (tx: DbOrTx, created: { account: AccountRow; user: UserRow }) => Promise<void>,
): Promise<{ account: AccountRow; user: UserRow }> {
  const normalized = {
    ...input,
    username: normalizeUsername(input.username),
    email: normalizeEmail(input.email),
  };
  const details = await checkNewAccount(db, normalized);
  if (Object.keys(details).length > 0) throw validationError(details);

  const encryptedPassword = await hashPassword(input.password);
  try {
    return await db.transaction(async (tx) => {
      const created = await insertLocalAccount(tx, normalized, encryptedPassword);
      await andThen?.(tx, created);
      return created;
    });
  } catch (error) {
    // A concurrent sign-up won the unique index.
    throw takenError(error) ?? error;
  }
}
