// Who may sign in, for the web sign-in page and OAuth's password grant.
// Mastodon signs users in by e-mail address (Devise's authentication key);
// Herd also accepts the username. A wrong login and a wrong password get the
// same answer, and an unknown login still costs a password check, so the
// answer does not tell whether an account exists. Only with the right password
// does the user learn that the account is unconfirmed, pending approval,
// disabled or suspended.
import { eq, or, sql, and, isNull } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { accounts, users, type AccountRow, type UserRow } from "../../db/schema/index.ts";
import { DomainError } from "../errors.ts";
import { verifyPassword } from "./passwords.ts";

export type SignInRefusal = "invalid" | "unconfirmed" | "pending" | "disabled" | "suspended";

const MESSAGES: Record<SignInRefusal, string> = {
  invalid: "Invalid login or password.",
  unconfirmed:
    "You have to confirm your e-mail address before continuing. Follow the link in the e-mail we sent you.",
  pending:
    "Your account is pending review by the server's staff. You will receive an e-mail once it has been approved.",
  disabled: "Your account has been disabled.",
  suspended: "Your account has been suspended.",
};

/** Why a sign-in was refused; `reason` tells the pages and the password grant apart. */
export class SignInError extends DomainError {
  override name = "SignInError";
  readonly reason: SignInRefusal;

  constructor(reason: SignInRefusal) {
    super(reason === "invalid" ? "unauthorized" : "forbidden", MESSAGES[reason]);
    this.reason = reason;
  }
}

// An argon2id digest of a throwaway password, checked when no user matches so
// that unknown logins take as long as known ones.
const DUMMY_DIGEST =
  "$argon2id$v=19$m=19456,t=2,p=1$lXOXea5J+oPKFdoup9zfyA$BZXCsOZn0Qgm1/2xGcSgPP28OCpi9PnB51PmK6A+ngk";

/** Why this user may not use the site now, or null when they may. */
export function signInRefusal(user: UserRow, account: AccountRow): SignInRefusal | null {
  if (user.disabled || account.memorial) return "disabled";
  if (account.suspendedAt) return "suspended";
  if (!user.confirmedAt) return "unconfirmed";
  if (!user.approved) return "pending";
  return null;
}

/**
 * The user whose e-mail address or username is `login` and whose password is
 * `password`; throws a SignInError otherwise.
 */
export async function authenticateUser(
  db: Db,
  login: string,
  password: string,
): Promise<{ user: UserRow; account: AccountRow }> {
  const name = login.trim().replace(/^@/, "");
  if (name === "" || password === "" || name.length > 320 || password.length > 1024) {
    await verifyPassword(DUMMY_DIGEST, password.slice(0, 1024));
    throw new SignInError("invalid");
  }
  const rows = await db
    .select({ user: users, account: accounts })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(
      or(
        sql`lower(${users.email}) = lower(${name})`,
        and(isNull(accounts.domain), sql`lower(${accounts.username}) = lower(${name})`),
      ),
    )
    .limit(1);
  const row = rows[0];
  const ok = await verifyPassword(row?.user.encryptedPassword ?? DUMMY_DIGEST, password);
  if (!row || !ok) throw new SignInError("invalid");
  const refusal = signInRefusal(row.user, row.account);
  if (refusal) throw new SignInError(refusal);
  return row;
}
