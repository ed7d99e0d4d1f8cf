// What moderators do to a user waiting to be let in (the CLI's `accounts
// modify --approve`/`--confirm`, later the admin API): approve a sign-up made
// while registrations needed approval, or confirm an e-mail address for the
// user (Mastodon's User#approve! and User#mark_email_as_confirmed!).
import { eq } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import { users } from "../../db/schema/index.ts";
import { markConfirmed } from "./confirmation.ts";

/** Approves a user; false when there is no such user. Approving twice is harmless. */
export async function approveUser(db: Db, userId: string): Promise<boolean> {
  const rows = await db
    .update(users)
    .set({ approved: true, updatedAt: new Date() })
    .where(eq(users.id, userId))
    .returning({ id: users.id });
  return rows.length > 0;
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
