// Browser sessions of the server-rendered pages (sign-in, OAuth consent,
// settings). The browser holds a random token; the database only its SHA-256
// digest. A session ends when the user signs out, after 30 days without use,
// or as soon as the user may no longer sign in (disabled, suspended, ...).
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/database.ts";
import {
  accounts,
  users,
  webSessions,
  type AccountRow,
  type UserRow,
} from "../../db/schema/index.ts";
import { newId } from "../../lib/ids.ts";
import { randomToken, sha256 } from "../../lib/tokens.ts";
import { signInRefusal } from "../accounts/sign-in.ts";

export const SESSION_IDLE_DAYS = 30;
const TOUCH_EVERY_MINUTES = 5;

export type WebSessionRow = typeof webSessions.$inferSelect;

export interface WebSession {
  session: WebSessionRow;
  user: UserRow;
  account: AccountRow;
}

/** Opens a session for a user who just proved who they are; returns the browser's token. */
export async function createWebSession(
  db: Db,
  userId: string,
  client: { userAgent?: string | null; ip?: string | null } = {},
): Promise<{ token: string; session: WebSessionRow }> {
  const token = randomToken();
  return db.transaction(async (tx) => {
    const [session] = await tx
      .insert(webSessions)
      .values({
        id: newId(),
        sessionDigest: sha256(token),
        userId,
        userAgent: client.userAgent?.slice(0, 512) ?? null,
        ip: client.ip?.slice(0, 64) ?? null,
      })
      .returning();
    // Devise's trackable: the previous sign-in becomes the last one.
    await tx
      .update(users)
      .set({ lastSignInAt: sql`${users.currentSignInAt}`, currentSignInAt: sql`now()` })
      .where(eq(users.id, userId));
    return { token, session: session! };
  });
}

/** The live session of `token` with its user, or null (unknown, idle too long, or user barred). */
export async function findWebSession(db: Db, token: string): Promise<WebSession | null> {
  if (!token || token.length > 128) return null;
  const rows = await db
    .select({ session: webSessions, user: users, account: accounts })
    .from(webSessions)
    .innerJoin(users, eq(users.id, webSessions.userId))
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(
      and(
        eq(webSessions.sessionDigest, sha256(token)),
        sql`${webSessions.lastSeenAt} > now() - make_interval(days => ${SESSION_IDLE_DAYS})`,
      ),
    )
    .limit(1);
  const row = rows[0];
  if (!row || signInRefusal(row.user, row.account) !== null) return null;
  await db
    .update(webSessions)
    .set({ lastSeenAt: sql`now()` })
    .where(
      and(
        eq(webSessions.id, row.session.id),
        sql`${webSessions.lastSeenAt} < now() - make_interval(mins => ${TOUCH_EVERY_MINUTES})`,
      ),
    );
  return row;
}

/** Ends the session of `token` (signing out); unknown tokens are ignored. */
export async function endWebSession(db: Db, token: string): Promise<void> {
  if (!token) return;
  await db.delete(webSessions).where(eq(webSessions.sessionDigest, sha256(token)));
}

/** Ends every session of a user (password change, account disabled). */
export async function endUserWebSessions(db: Db, userId: string): Promise<void> {
  await db.delete(webSessions).where(eq(webSessions.userId, userId));
}
