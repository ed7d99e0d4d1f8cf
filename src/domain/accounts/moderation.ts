// What moderators do to a user waiting to be let in (the CLI's `accounts
// approve` and `accounts modify --confirm`, later the admin API): approve a
// sign-up made while registrations needed approval, or confirm an e-mail
// address for the user (Mastodon's User#approve! and User#confirm). Either
// may be what makes the user active: the staff hear of the sign-up then.
import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { users } from "../../db/schema/index.ts";
import { notifyStaffOfSignUp } from "../notifications/sign-up.ts";
import { markConfirmed } from "./confirmation.ts";

/**
 * Approves a user; false when there is no such user. Approving twice is
 * harmless. Approving a confirmed user makes it active, and the staff get
 * `admin.sign_up` (User#approve! → #prepare_new_user!); an unconfirmed one
 * waits for its confirmation.
 */
export async function approveUser(db: Db, userId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    // Only the call that flips `approved` announces the user; the row lock
    // makes a confirmation at the same moment see the approval, or wait for it.
    const [approved] = await tx
      .update(users)
      .set({ approved: true, updatedAt: new Date() })
      .where(and(eq(users.id, userId), eq(users.approved, false)))
      .returning({ accountId: users.accountId, confirmedAt: users.confirmedAt });
    if (approved) {
      if (approved.confirmedAt) await notifyStaffOfSignUp(tx, approved.accountId);
      return true;
    }
    const [exists] = await tx.select({ id: users.id }).from(users).where(eq(users.id, userId));
    return exists !== undefined;
  });
}

/**
 * Confirms a user's e-mail address (and applies an address change waiting for
 * confirmation); false when there is no such user.
 */
export async function confirmUser(db: Db, userId: string): Promise<boolean> {
  const [user] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
  if (!user) return false;
  if (user.confirmedAt && !user.unconfirmedEmail) return true;
  await markConfirmed(db, user);
  return true;
}
