// A local actor's own changes going out, as Mastodon's UpdateAccountService
// (ActivityPub::UpdateDistributionWorker) and DeleteAccountService:
// - profile changes: Update of the actor document (`<actor>#updates/<updated_at>`)
//   to its followers;
// - account deletion: Delete of the actor (`<actor>#delete`) to everyone it
//   dealt with (recipients.ts#accountReach). The account, its keys and its
//   follows are gone once the deletion commits, so the Delete is prepared
//   before: the event's subscriber (subscriber.ts) reads the key and the
//   recipients while the deleting transaction is still open (from another
//   connection, which still sees them) and puts them in the job, as Fedify
//   itself puts the signing keys in each queued delivery.
import type { Context, RequestContext } from "@fedify/fedify";
import { Delete, PUBLIC_COLLECTION, Update } from "@fedify/vocab";
import { createPrivateKey } from "node:crypto";
import { sql } from "drizzle-orm";
import type { DomainEvent } from "../../domain/events/types.ts";
import { dispatchActor } from "../actor.ts";
import type { FederationEnv } from "../env.ts";
import { activityOrderingKey } from "./ordering.ts";
import { accountReach } from "./recipients.ts";
import { deliverToFollowers, localActor, type Outgoing } from "./send.ts";

type AccountDeleted = Extract<DomainEvent, { type: "account.deleted" }>;

/** What the Delete of a deleted actor needs once the account is gone. */
export interface PreparedDeletion {
  /** The RSA private key (PKCS#8 PEM) its HTTP Signatures are made with. */
  privateKeyPem: string;
  recipients: { id: string; inbox: string; sharedInbox: string | null }[];
}

export async function sendProfileUpdate(out: Outgoing, accountId: string): Promise<void> {
  const { env, ctx } = out;
  const account = await localActor(env, accountId);
  if (!account) return;
  // The actor dispatcher uses only what every Context has (no request).
  const actor = await dispatchActor(env, ctx as RequestContext<void>, account.username);
  if (!actor?.id) return;
  const update = new Update({
    id: new URL(`${actor.id.href}#updates/${account.updatedAt.getTime()}`),
    actor: actor.id,
    tos: [PUBLIC_COLLECTION],
    object: actor,
  });
  await deliverToFollowers(out, account, update);
}

/**
 * Reads, from outside the deleting transaction, what the Delete of
 * `event`'s actor needs; null when there is no one to tell, or no key was
 * ever made (then no server has seen the actor).
 */
export async function prepareDeletion(
  env: FederationEnv,
  event: AccountDeleted,
): Promise<PreparedDeletion | null> {
  const recipients = await accountReach(env.db, event.accountId);
  if (recipients.length === 0) return null;
  const key = await env.db.execute<{ rsa_private_key: string }>(
    sql`SELECT rsa_private_key FROM actor_keys WHERE account_id = ${event.accountId}`,
  );
  const pem = key.rows[0]?.rsa_private_key;
  if (!pem) return null;
  return {
    privateKeyPem: pem,
    recipients: recipients.map((r) => ({
      id: r.id!.href,
      inbox: r.inboxId!.href,
      sharedInbox: r.endpoints?.sharedInbox?.href ?? null,
    })),
  };
}

export async function sendAccountDeletion(
  env: FederationEnv,
  ctx: Context<void>,
  event: AccountDeleted,
  prepared: PreparedDeletion,
): Promise<void> {
  const actor = new URL(env.urls.actor(event.username));
  const privateKey = createPrivateKey(prepared.privateKeyPem).toCryptoKey(
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    true,
    ["sign"],
  );
  const deletion = new Delete({
    id: new URL(`${actor.href}#delete`),
    actor,
    tos: [PUBLIC_COLLECTION],
    object: actor,
  });
  const recipients = prepared.recipients.map((r) => ({
    id: new URL(r.id),
    inboxId: new URL(r.inbox),
    endpoints: r.sharedInbox ? { sharedInbox: new URL(r.sharedInbox) } : null,
  }));
  await ctx.sendActivity(
    { keyId: new URL(`${actor.href}#main-key`), privateKey },
    recipients,
    deletion,
    {
      preferSharedInbox: true,
      excludeBaseUris: [new URL(env.urls.base)],
      orderingKey: activityOrderingKey(deletion),
    },
  );
}
