// Handing an activity to Fedify: sendActivity signs it (HTTP Signatures, and
// an Object Integrity Proof with the Ed25519 key) and queues one delivery per
// inbox on the outbox queue (a durable job each, retried by Fedify with
// back-off, delivery-queue.ts). Deliveries prefer shared inboxes, so a server
// gets an activity once however many of its accounts it is for, and never go
// to Herd itself.
import type { Context } from "@fedify/fedify";
import type { Activity, Recipient } from "@fedify/vocab";
import { loadAccount, type AccountWithUser } from "../../domain/accounts/read.ts";
import type { FederationEnv } from "../env.ts";
import { activityOrderingKey } from "./ordering.ts";
import { hasRemoteFollowers } from "./recipients.ts";

export interface Outgoing {
  env: FederationEnv;
  ctx: Context<void>;
}

const sendOptions = (env: FederationEnv, activity: Activity) => ({
  preferSharedInbox: true,
  excludeBaseUris: [new URL(env.urls.base)],
  // Activities about one thing reach each server in order (ordering.ts).
  orderingKey: activityOrderingKey(activity),
});

/** One recipient per actor (an actor reached twice, as follower and as mentioned, counts once). */
function unique(recipients: readonly Recipient[]): Recipient[] {
  const seen = new Map<string, Recipient>();
  for (const r of recipients) if (r.id) seen.set(r.id.href, r);
  return [...seen.values()];
}

/**
 * Sends `activity` as local actor `username` to `recipients`; nothing (not
 * even the actor's keys made) when there is no one to send it to.
 */
export async function deliver(
  { env, ctx }: Outgoing,
  username: string,
  recipients: readonly Recipient[],
  activity: Activity,
): Promise<void> {
  const to = unique(recipients);
  if (to.length === 0) return;
  await ctx.sendActivity({ identifier: username }, to, activity, sendOptions(env, activity));
}

/** Sends `activity` as `account` to its remote followers (Fedify's "followers", collections.ts). */
export async function deliverToFollowers(
  { env, ctx }: Outgoing,
  account: Pick<AccountWithUser, "id" | "username">,
  activity: Activity,
): Promise<void> {
  if (!(await hasRemoteFollowers(env.db, account.id))) return;
  await ctx.sendActivity(
    { identifier: account.username },
    "followers",
    activity,
    sendOptions(env, activity),
  );
}

/** The local account `accountId`, if federation shows it (a confirmed, approved user's). */
export async function localActor(
  env: FederationEnv,
  accountId: string,
): Promise<AccountWithUser | null> {
  const account = await loadAccount(env.db, accountId, { visibleOnly: true });
  return account && account.domain === null ? account : null;
}
