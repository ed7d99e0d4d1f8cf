// Creates a local account and its user in one transaction. Validation follows
// Mastodon's Account and User models: usernames of letters, digits and
// underscores up to 30 characters, unique case-insensitively; a well-formed,
// unique e-mail; a password of 8 to 72 characters.
import { sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
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
}

type Details = Record<string, { error: string; description: string }[]>;

export const USERNAME_RE = /^[a-z0-9_]+$/i;
export const EMAIL_RE = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
/** Names Mastodon keeps from sign-up (app/validators/unreserved_username_validator.rb and common system names). */
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

function add(details: Details, field: string, error: string, description: string) {
  (details[field] ??= []).push({ error, description });
}

/** Mastodon's 422 for model validation: "Validation failed: Field message, ..." with details. */
export function validationError(details: Details): DomainError {
  const parts = Object.entries(details).flatMap(([field, errs]) =>
    errs.map(
      (e) =>
        `${field.charAt(0).toUpperCase()}${field.slice(1).replace(/_/g, " ")} ${e.description}`,
    ),
  );
  return new DomainError("unprocessable", `Validation failed: ${parts.join(", ")}`, { details });
}

export function checkUsername(username: string, details: Details, allowReserved = false) {
  if (username === "") add(details, "username", "ERR_BLANK", "can't be blank");
  else if (!USERNAME_RE.test(username)) {
    add(details, "username", "ERR_INVALID", "must contain only letters, numbers and underscores");
  } else if (username.length > 30) {
    add(details, "username", "ERR_TOO_LONG", "is too long (maximum is 30 characters)");
  } else if (!allowReserved && RESERVED_USERNAMES.has(username.toLowerCase())) {
    add(details, "username", "ERR_RESERVED", "is reserved");
  }
}

export function checkEmail(email: string, details: Details) {
  if (email === "") add(details, "email", "ERR_BLANK", "can't be blank");
  else if (!EMAIL_RE.test(email) || email.length > 254)
    add(details, "email", "ERR_INVALID", "is invalid");
}

export function checkPassword(password: string, details: Details) {
  if (password === "") add(details, "password", "ERR_BLANK", "can't be blank");
  else if (password.length < 8)
    add(details, "password", "ERR_TOO_SHORT", "is too short (minimum is 8 characters)");
  else if (password.length > 72)
    add(details, "password", "ERR_TOO_LONG", "is too long (maximum is 72 characters)");
}

export async function createLocalAccount(
  db: Db,
  input: NewLocalAccount,
): Promise<{ account: AccountRow; user: UserRow }> {
  const details: Details = {};
  checkUsername(input.username, details, input.allowReserved);
  checkEmail(input.email, details);
  checkPassword(input.password, details);
  if (!details.username) {
    const taken = await db.execute(
      sql`SELECT 1 FROM accounts WHERE lower(username) = lower(${input.username}) AND domain IS NULL LIMIT 1`,
    );
    if (taken.rows.length > 0) add(details, "username", "ERR_TAKEN", "is already taken");
  }
  if (!details.email) {
    const taken = await db.execute(
      sql`SELECT 1 FROM users WHERE lower(email) = lower(${input.email}) LIMIT 1`,
    );
    if (taken.rows.length > 0) add(details, "email", "ERR_TAKEN", "is already taken");
  }
  if (Object.keys(details).length > 0) throw validationError(details);

  const encryptedPassword = await hashPassword(input.password);
  try {
    return await db.transaction(async (tx) => {
      const now = new Date();
      const [account] = await tx
        .insert(accounts)
        .values({
          id: newId(now),
          username: input.username,
          noteSource: "",
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      const [user] = await tx
        .insert(users)
        .values({
          id: newId(now),
          accountId: account!.id,
          email: input.email,
          encryptedPassword,
          roleId: input.roleId ?? null,
          confirmedAt: input.confirmed ? now : null,
          approved: input.approved ?? true,
          locale: input.locale ?? null,
          signUpReason: input.reason ?? null,
          signUpIp: input.signUpIp ?? null,
          agreement: input.agreement ?? false,
          settings: input.settings ?? {},
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      return { account: account!, user: user! };
    });
  } catch (error) {
    // A concurrent sign-up won the unique index.
    if (pgErrorCode(error) === "23505") {
      const d: Details = {};
      const constraint = pgConstraint(error) ?? "";
      if (constraint.includes("email")) add(d, "email", "ERR_TAKEN", "is already taken");
      else add(d, "username", "ERR_TAKEN", "is already taken");
      throw validationError(d);
    }
    throw error;
  }
}
